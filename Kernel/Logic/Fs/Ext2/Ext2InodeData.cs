using System;
using L = Kernel.Logic.Fs.Ext2.Ext2Layout;

namespace Kernel.Logic.Fs.Ext2
{
    // Block maps (ext2 indirect blocks, ext4 extent trees read-only) and file data.
    public sealed partial class Ext2Inode
    {
        private int PointersPerBlock => Ext.BlockSize / 4;

        private uint InodeSeed()
        {
            uint c = Crc32c.UpdateU32(Ext.CsumSeed, Ino32);
            return Crc32c.UpdateU32(c, LittleEndian.U32(Raw, L.IGeneration));
        }

        /// <summary>Largest file size the block map can address (and the 32-bit i_blocks of ext2 can count).</summary>
        internal ulong MaxFileSize
        {
            get
            {
                ulong p = (ulong)PointersPerBlock;
                ulong blocks = L.DirectBlocks + p + p * p + p * p * p;
                if (UsesExtents)
                    blocks = 0xFFFFFFFF;
                ulong bytes = blocks << Ext.BlockShift;
                // i_blocks counts 512-byte sectors in 32 bits (data and map blocks).
                ulong limit = (0xFFFFFFFFUL << 9) - ((ulong)Ext.BlockSize * (p + 2));
                if (!Ext.HugeFile && bytes > limit)
                    bytes = limit;
                return bytes;
            }
        }

        /// <summary>
        /// The disk block holding file block <paramref name="fileBlock"/> (0 for a hole). With
        /// <paramref name="allocate"/> (ext2 only) a hole gets a new block; <paramref name="fresh"/>
        /// then tells the caller its old contents are garbage (use <c>GetZeroed</c>).
        /// </summary>
        internal int MapBlock(ulong fileBlock, bool allocate, out ulong block, out bool fresh)
        {
            block = 0;
            fresh = false;
            if (UsesExtents)
                return allocate ? -Errno.EROFS : MapExtent(fileBlock, out block);
            ulong p = (ulong)PointersPerBlock;
            int slot, levels;
            ulong index = fileBlock;
            if (index < L.DirectBlocks)
            {
                slot = (int)index;
                levels = 0;
            }
            else if ((index -= L.DirectBlocks) < p)
            {
                slot = 12;
                levels = 1;
            }
            else if ((index -= p) < p * p)
            {
                slot = 13;
                levels = 2;
            }
            else if ((index -= p * p) < p * p * p)
            {
                slot = 14;
                levels = 3;
            }
            else
                return -Errno.EFBIG;

            ulong cur = LittleEndian.U32(Raw, L.IBlock + slot * 4);
            if (cur == 0)
            {
                if (!allocate)
                    return 0;
                int rc = NewBlock(levels > 0, out cur);
                if (rc < 0)
                    return rc;
                LittleEndian.Put32(Raw, L.IBlock + slot * 4, (uint)cur);
                fresh = levels == 0;
            }
            else if (!Ext.InFs(cur))
                return Ext.Corrupt("ext2: block pointer outside the file system");
            for (int level = levels; level > 0; level--)
            {
                ulong span = 1;
                for (int i = 1; i < level; i++)
                    span *= p;
                int entry = (int)(index / span % p);
                int rc = Ext.Cache.Get(cur, out int h);
                if (rc < 0)
                    return rc;
                Span<byte> map = Ext.Cache.Data(h);
                ulong next = LittleEndian.U32(map, entry * 4);
                if (next == 0)
                {
                    if (!allocate)
                    {
                        Ext.Cache.Put(h);
                        return 0;
                    }
                    rc = NewBlock(level > 1, out next);
                    if (rc < 0)
                    {
                        Ext.Cache.Put(h);
                        return rc;
                    }
                    // NewBlock may have evicted nothing pinned: `map` is still ours.
                    LittleEndian.Put32(map, entry * 4, (uint)next);
                    Ext.Cache.MarkDirty(h, Ino);
                    fresh = level == 1;
                }
                else if (!Ext.InFs(next))
                {
                    Ext.Cache.Put(h);
                    return Ext.Corrupt("ext2: indirect block points outside the file system");
                }
                Ext.Cache.Put(h);
                cur = next;
            }
            block = cur;
            return 0;
        }

        // A new block for this file: counted in i_blocks; map blocks are zeroed in the cache.
        private int NewBlock(bool mapBlock, out ulong block)
        {
            ulong goal = _lastBlock != 0 ? _lastBlock + 1 : Ext.FirstDataBlock + (ulong)Ext.GroupOfIno(Ino32) * Ext.BlocksPerGroup;
            int rc = Ext.AllocateBlock(goal, out block);
            if (rc < 0)
                return rc;
            _lastBlock = block;
            AddBlocks(1);
            if (mapBlock)
            {
                rc = Ext.Cache.GetZeroed(block, out int h, Ino);
                if (rc < 0)
                    return rc;
                Ext.Cache.Put(h);
            }
            return 0;
        }

        // ---- extents (read-only) ----

        // Checks an extent node header: magic, entries within max, max within the node, depth.
        private int CheckExtentHeader(ReadOnlySpan<byte> node, int expectDepth)
        {
            if (LittleEndian.U16(node, 0) != L.ExtentMagic)
                return Ext.Corrupt("ext4: bad extent header magic");
            int entries = LittleEndian.U16(node, 2), max = LittleEndian.U16(node, 4), depth = LittleEndian.U16(node, 6);
            if (max == 0 || entries > max || L.ExtentHeaderSize + max * L.ExtentEntrySize > node.Length)
                return Ext.Corrupt("ext4: bad extent header counts");
            if (depth > L.MaxExtentDepth || (expectDepth >= 0 && depth != expectDepth))
                return Ext.Corrupt("ext4: bad extent tree depth");
            return 0;
        }

        private int MapExtent(ulong fileBlock, out ulong block)
        {
            block = 0;
            if (fileBlock > 0xFFFFFFFF)
                return 0;
            uint fb = (uint)fileBlock;
            // The root node lives in i_block; deeper nodes in blocks (each pinned while read).
            ReadOnlySpan<byte> node = new ReadOnlySpan<byte>(Raw, L.IBlock, L.InlineBytes);
            int h = -1;
            int depth = LittleEndian.U16(node, 6);
            int rc = CheckExtentHeader(node, -1);
            for (int guard = 0; rc == 0 && guard <= L.MaxExtentDepth; guard++)
            {
                int entries = LittleEndian.U16(node, 2);
                // The last entry whose first block is <= fb (entries are sorted).
                int found = -1;
                for (int i = 0; i < entries; i++)
                {
                    if (LittleEndian.U32(node, L.ExtentHeaderSize + i * L.ExtentEntrySize) > fb)
                        break;
                    found = i;
                }
                if (found < 0)
                    break; // hole before the first extent
                int e = L.ExtentHeaderSize + found * L.ExtentEntrySize;
                if (depth == 0)
                {
                    uint first = LittleEndian.U32(node, e);
                    uint len = LittleEndian.U16(node, e + 4);
                    bool unwritten = len > 32768;
                    if (unwritten)
                        len -= 32768;
                    ulong start = LittleEndian.U32(node, e + 8) | (ulong)LittleEndian.U16(node, e + 6) << 32;
                    if (fb - first < len && !unwritten)
                    {
                        if (!Ext.InFs(start) || start + len > Ext.BlocksCount)
                            rc = Ext.Corrupt("ext4: extent outside the file system");
                        else
                            block = start + (fb - first);
                    }
                    break;
                }
                ulong child = LittleEndian.U32(node, e + 4) | (ulong)LittleEndian.U16(node, e + 8) << 32;
                if (!Ext.InFs(child))
                {
                    rc = Ext.Corrupt("ext4: extent index outside the file system");
                    break;
                }
                if (h >= 0)
                    Ext.Cache.Put(h);
                h = -1;
                rc = Ext.Cache.Get(child, out h);
                if (rc < 0)
                {
                    h = -1;
                    break;
                }
                node = Ext.Cache.Data(h);
                depth--;
                rc = CheckExtentHeader(node, depth);
                if (rc == 0 && Ext.MetadataCsum)
                {
                    int tail = L.ExtentHeaderSize + LittleEndian.U16(node, 4) * L.ExtentEntrySize;
                    if (tail + 4 > node.Length || Crc32c.Update(InodeSeed(), node.Slice(0, tail)) != LittleEndian.U32(node, tail))
                        rc = Ext.BadChecksum("ext4: extent block checksum mismatch");
                }
            }
            if (h >= 0)
                Ext.Cache.Put(h);
            return rc;
        }

        // ---- freeing (truncate, delete) ----

        /// <summary>Frees every block of file blocks at and after <paramref name="keep"/> (and map blocks left empty).</summary>
        internal int FreeBlocksFrom(ulong keep)
        {
            if (UsesExtents)
                return -Errno.EROFS;
            if (IsSymlink && IsFastSymlink || Type == InodeMode.S_IFCHR || Type == InodeMode.S_IFBLK
                || Type == InodeMode.S_IFIFO || Type == InodeMode.S_IFSOCK)
                return 0; // i_block holds the target or the device number, not blocks
            ulong p = (ulong)PointersPerBlock;
            int result = 0;
            for (int i = 0; i < L.DirectBlocks; i++)
            {
                if ((ulong)i < keep)
                    continue;
                uint b = LittleEndian.U32(Raw, L.IBlock + i * 4);
                if (b == 0)
                    continue;
                LittleEndian.Put32(Raw, L.IBlock + i * 4, 0);
                SubBlocks(1);
                int rc = Ext.FreeBlock(b);
                if (rc < 0)
                    result = rc;
            }
            ulong baseBlock = L.DirectBlocks, span = p;
            for (int level = 1; level <= 3; level++)
            {
                int slot = L.IBlock + (11 + level) * 4;
                uint b = LittleEndian.U32(Raw, slot);
                if (b != 0 && keep < baseBlock + span)
                {
                    ulong from = keep > baseBlock ? keep - baseBlock : 0;
                    int rc = FreeTree(b, level, from, out bool empty);
                    if (rc < 0)
                        result = rc;
                    if (empty)
                    {
                        LittleEndian.Put32(Raw, slot, 0);
                        SubBlocks(1);
                        rc = Ext.FreeBlock(b);
                        if (rc < 0)
                            result = rc;
                    }
                }
                baseBlock += span;
                span *= p;
            }
            return result;
        }

        // Frees the entries of map block `block` (at `level`) covering file blocks from `from` on
        // (relative to the block's range); `empty` when no entry is left so the block can go too.
        private int FreeTree(ulong block, int level, ulong from, out bool empty)
        {
            empty = false;
            if (!Ext.InFs(block))
                return Ext.Corrupt("ext2: indirect block outside the file system");
            ulong p = (ulong)PointersPerBlock;
            ulong childSpan = 1;
            for (int i = 1; i < level; i++)
                childSpan *= p;
            int result = 0;
            int rc = Ext.Cache.Get(block, out int h);
            if (rc < 0)
                return rc;
            bool anyLeft = false;
            for (ulong e = 0; e < p; e++)
            {
                Span<byte> map = Ext.Cache.Data(h);
                ulong child = LittleEndian.U32(map, (int)e * 4);
                if (child == 0)
                    continue;
                ulong childStart = e * childSpan;
                if (childStart + childSpan <= from)
                {
                    anyLeft = true;
                    continue;
                }
                bool freeChild = true;
                if (level > 1)
                {
                    ulong sub = from > childStart ? from - childStart : 0;
                    rc = FreeTree(child, level - 1, sub, out freeChild);
                    if (rc < 0)
                        result = rc;
                }
                if (freeChild)
                {
                    map = Ext.Cache.Data(h);
                    LittleEndian.Put32(map, (int)e * 4, 0);
                    Ext.Cache.MarkDirty(h, Ino);
                    SubBlocks(1);
                    rc = Ext.FreeBlock(child);
                    if (rc < 0)
                        result = rc;
                }
                else
                    anyLeft = true;
            }
            Ext.Cache.Put(h);
            empty = !anyLeft;
            return result;
        }

        // ---- file data ----

        public override long Read(ulong offset, Span<byte> dst)
        {
            if (IsDirectory)
                return -Errno.EISDIR;
            if (!IsRegular)
                return -Errno.EINVAL;
            if (offset >= Size || dst.Length == 0)
                return 0;
            ulong end = offset + (ulong)dst.Length;
            if (end > Size || end < offset)
                end = Size;
            int bs = Ext.BlockSize;
            ulong pos = offset;
            while (pos < end)
            {
                ulong fb = pos >> Ext.BlockShift;
                int within = (int)(pos & (ulong)(bs - 1));
                int n = bs - within;
                if ((ulong)n > end - pos)
                    n = (int)(end - pos);
                Span<byte> to = dst.Slice((int)(pos - offset), n);
                if (ReadMappedPage(pos, to))
                {
                    pos += (ulong)n;
                    continue;
                }
                int rc = MapBlock(fb, false, out ulong block, out _);
                if (rc == 0 && block != 0)
                {
                    rc = Ext.Cache.Get(block, out int h);
                    if (rc == 0)
                    {
                        Ext.Cache.Data(h).Slice(within, n).CopyTo(to);
                        Ext.Cache.Put(h);
                    }
                }
                else if (rc == 0)
                    to.Clear();
                if (rc < 0)
                    return pos > offset ? (long)(pos - offset) : rc;
                pos += (ulong)n;
            }
            return (long)(end - offset);
        }

        public override long Write(ulong offset, ReadOnlySpan<byte> src)
        {
            if (IsDirectory)
                return -Errno.EISDIR;
            if (!IsRegular)
                return -Errno.EINVAL;
            if (Ext.ReadOnly)
                return -Errno.EROFS;
            if (src.Length == 0)
                return 0;
            ulong max = MaxFileSize;
            if (offset >= max)
                return -Errno.EFBIG;
            ulong end = offset + (ulong)src.Length;
            if (end > max)
                end = max;
            int bs = Ext.BlockSize;
            ulong pos = offset;
            ulong oldSize = Size;
            int rc = 0;
            while (pos < end)
            {
                ulong fb = pos >> Ext.BlockShift;
                int within = (int)(pos & (ulong)(bs - 1));
                int n = bs - within;
                if ((ulong)n > end - pos)
                    n = (int)(end - pos);
                rc = MapBlock(fb, true, out ulong block, out bool fresh);
                if (rc < 0)
                    break;
                int h;
                rc = fresh ? Ext.Cache.GetZeroed(block, out h, Ino) : Ext.Cache.Get(block, out h);
                if (rc < 0)
                    break;
                src.Slice((int)(pos - offset), n).CopyTo(Ext.Cache.Data(h).Slice(within, n));
                Ext.Cache.MarkDirty(h, Ino);
                Ext.Cache.Put(h);
                pos += (ulong)n;
                if (pos > Size)
                    Size = pos;
            }
            if (pos > offset)
            {
                ResizeCachedPages(oldSize);
                UpdateCachedPages(offset, src.Slice(0, (int)(pos - offset)));
                TouchModified();
            }
            return pos > offset ? (long)(pos - offset) : rc;
        }

        public override int Truncate(ulong size)
        {
            if (IsDirectory)
                return -Errno.EISDIR;
            if (!IsRegular)
                return -Errno.EINVAL;
            if (Ext.ReadOnly)
                return -Errno.EROFS;
            if (size > MaxFileSize)
                return -Errno.EFBIG;
            int rc = 0;
            if (size < Size)
            {
                int bs = Ext.BlockSize;
                ulong keep = (size + (ulong)bs - 1) >> Ext.BlockShift;
                rc = FreeBlocksFrom(keep);
                int within = (int)(size & (ulong)(bs - 1));
                if (within != 0)
                {
                    // The rest of the last block must read as zeros if the file grows again.
                    int r2 = MapBlock(size >> Ext.BlockShift, false, out ulong block, out _);
                    if (r2 == 0 && block != 0 && (r2 = Ext.Cache.Get(block, out int h)) == 0)
                    {
                        Ext.Cache.Data(h).Slice(within).Clear();
                        Ext.Cache.MarkDirty(h, Ino);
                        Ext.Cache.Put(h);
                    }
                    if (r2 < 0 && rc == 0)
                        rc = r2;
                }
            }
            ulong oldSize = Size;
            Size = size;
            ResizeCachedPages(oldSize);
            TouchModified();
            return rc;
        }

        // ---- symbolic links ----

        private bool IsFastSymlink
        {
            get
            {
                ulong acl = LittleEndian.U32(Raw, L.IFileAcl) != 0 ? (ulong)(Ext.BlockSize >> 9) : 0;
                return !UsesExtents && _blocks512 <= acl && Size < L.InlineBytes;
            }
        }

        public override int ReadLink(Span<byte> dst)
        {
            if (!IsSymlink)
                return -Errno.EINVAL;
            int length = (int)Size;
            int n = length < dst.Length ? length : dst.Length;
            if (IsFastSymlink)
            {
                new ReadOnlySpan<byte>(Raw, L.IBlock, n).CopyTo(dst);
                return n;
            }
            int rc = MapBlock(0, false, out ulong block, out _);
            if (rc < 0)
                return rc;
            if (block == 0)
                return Ext.Corrupt("ext2: symlink without a block");
            rc = Ext.Cache.Get(block, out int h);
            if (rc < 0)
                return rc;
            Ext.Cache.Data(h).Slice(0, n).CopyTo(dst);
            Ext.Cache.Put(h);
            return n;
        }
    }
}
