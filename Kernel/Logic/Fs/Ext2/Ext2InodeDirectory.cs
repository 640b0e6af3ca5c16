using System;
using L = Kernel.Logic.Fs.Ext2.Ext2Layout;

namespace Kernel.Logic.Fs.Ext2
{
    // Directories: linked lists of entries (inode u32, rec_len u16, name_len u8, file_type u8,
    // name) filling each block. htree directories are read linearly (their index blocks look like
    // one empty entry); changing one clears the index flag, as Linux's ext2 does.
    public sealed partial class Ext2Inode
    {
        private ulong DirBlocks => Size >> Ext.BlockShift;

        private int NameLength(ReadOnlySpan<byte> b, int e)
            => Ext.HasFiletype ? b[e + 6] : LittleEndian.U16(b, e + 6);

        private static int EntrySize(int nameLength) => (L.DirentHeader + nameLength + 3) & ~3;

        /// <summary>
        /// Takes directory block <paramref name="fileBlock"/> and checks it: every entry inside the
        /// block, rec_len a multiple of 4 holding its name, inode numbers in range, and with
        /// metadata_csum the leaf's checksum tail. -EUCLEAN/-EBADMSG for a bad block.
        /// </summary>
        private int GetDirBlock(ulong fileBlock, out int handle)
        {
            handle = -1;
            int rc = MapBlock(fileBlock, false, out ulong block, out _);
            if (rc < 0)
                return rc;
            if (block == 0)
                return Ext.Corrupt("ext2: hole in a directory");
            rc = Ext.Cache.Get(block, out int h);
            if (rc < 0)
                return rc;
            rc = CheckDirBlock(Ext.Cache.Data(h), fileBlock);
            if (rc < 0)
            {
                Ext.Cache.Put(h);
                return rc;
            }
            handle = h;
            return 0;
        }

        private int CheckDirBlock(ReadOnlySpan<byte> b, ulong fileBlock)
        {
            int bs = b.Length;
            int off = 0;
            while (off < bs)
            {
                if (off + L.DirentHeader > bs)
                    return Ext.Corrupt("ext2: directory entry crosses the block end");
                uint ino = LittleEndian.U32(b, off);
                int rec = LittleEndian.U16(b, off + 4);
                int nameLen = NameLength(b, off);
                if (rec < L.DirentHeader || (rec & 3) != 0 || off + rec > bs || nameLen > DirEntry.NameMax
                    || L.DirentHeader + nameLen > rec)
                    return Ext.Corrupt("ext2: bad directory entry length");
                if (ino > Ext.InodesCount || (ino != 0 && nameLen == 0))
                    return Ext.Corrupt("ext2: bad directory entry");
                off += rec;
            }
            if (Ext.MetadataCsum)
            {
                int t = bs - L.DirTailSize;
                bool hasTail = LittleEndian.U32(b, t) == 0 && LittleEndian.U16(b, t + 4) == L.DirTailSize && b[t + 6] == 0
                    && b[t + 7] == L.DirTailFileType;
                if (hasTail)
                {
                    if (Crc32c.Update(InodeSeed(), b.Slice(0, t)) != LittleEndian.U32(b, t + 8))
                        return Ext.BadChecksum("ext4: directory block checksum mismatch");
                }
                else if ((_flags & L.FlagIndex) == 0 || !(fileBlock == 0 || (LittleEndian.U32(b, 0) == 0 && LittleEndian.U16(b, 4) == bs)))
                    return Ext.BadChecksum("ext4: directory block without a checksum");
            }
            return 0;
        }

        private static bool IsDotOrDotDot(ReadOnlySpan<byte> b, int e, int nameLen)
            => (nameLen == 1 && b[e + 8] == '.') || (nameLen == 2 && b[e + 8] == '.' && b[e + 9] == '.');

        // Finds `name`: its block, offset and the previous entry's offset in the block (-1 for the first).
        private int FindEntry(ReadOnlySpan<byte> name, out ulong fileBlock, out int offset, out int previous, out uint ino)
        {
            fileBlock = 0;
            offset = -1;
            previous = -1;
            ino = 0;
            ulong count = DirBlocks;
            for (ulong fb = 0; fb < count; fb++)
            {
                int rc = GetDirBlock(fb, out int h);
                if (rc < 0)
                    return rc;
                ReadOnlySpan<byte> b = Ext.Cache.Data(h);
                int prev = -1;
                for (int off = 0; off < b.Length; off += LittleEndian.U16(b, off + 4))
                {
                    uint n = LittleEndian.U32(b, off);
                    int len = NameLength(b, off);
                    if (n != 0 && len == name.Length && Bytes.Equal(b.Slice(off + 8, len), name))
                    {
                        fileBlock = fb;
                        offset = off;
                        previous = prev;
                        ino = n;
                        Ext.Cache.Put(h);
                        return 0;
                    }
                    prev = off;
                }
                Ext.Cache.Put(h);
            }
            return -Errno.ENOENT;
        }

        public override int Lookup(ReadOnlySpan<byte> name, out Inode? node)
        {
            node = null;
            if (!IsDirectory)
                return -Errno.ENOTDIR;
            if (Nlink == 0)
                return -Errno.ENOENT;
            int rc = FindEntry(name, out _, out _, out _, out uint ino);
            if (rc < 0)
                return rc;
            rc = Ext.LoadInode(ino, out Ext2Inode? child);
            if (rc < 0)
                return rc;
            if (child!.IsDirectory && !child.HasParent && child.Ino != L.RootIno)
                child.SetParent(this);
            node = child;
            return 0;
        }

        public override int ReadDir(ulong cookie, ref DirEntry entry)
        {
            if (!IsDirectory)
                return -Errno.ENOTDIR;
            if (cookie < 2)
                cookie = 2;
            ulong pos = cookie - 2;
            ulong count = DirBlocks;
            for (ulong fb = pos >> Ext.BlockShift; fb < count; fb++)
            {
                int start = fb == pos >> Ext.BlockShift ? (int)(pos & (ulong)(Ext.BlockSize - 1)) : 0;
                int rc = GetDirBlock(fb, out int h);
                if (rc < 0)
                    return rc;
                ReadOnlySpan<byte> b = Ext.Cache.Data(h);
                for (int off = 0; off < b.Length; off += LittleEndian.U16(b, off + 4))
                {
                    uint n = LittleEndian.U32(b, off);
                    int len = NameLength(b, off);
                    if (off < start || n == 0 || IsDotOrDotDot(b, off, len))
                        continue;
                    entry.Ino = n;
                    entry.Type = Ext.HasFiletype ? L.DirentTypeOf(b[off + 7]) : InodeMode.DT_UNKNOWN;
                    entry.NextCookie = (fb << Ext.BlockShift) + (ulong)off + LittleEndian.U16(b, off + 4) + 2;
                    entry.SetName(b.Slice(off + 8, len));
                    Ext.Cache.Put(h);
                    return 1;
                }
                Ext.Cache.Put(h);
            }
            return 0;
        }

        public override bool IsEmptyDirectory
        {
            get
            {
                if (!IsDirectory)
                    return false;
                ulong count = DirBlocks;
                for (ulong fb = 0; fb < count; fb++)
                {
                    if (GetDirBlock(fb, out int h) < 0)
                        return false; // unreadable: do not let rmdir drop it
                    ReadOnlySpan<byte> b = Ext.Cache.Data(h);
                    for (int off = 0; off < b.Length; off += LittleEndian.U16(b, off + 4))
                        if (LittleEndian.U32(b, off) != 0 && !IsDotOrDotDot(b, off, NameLength(b, off)))
                        {
                            Ext.Cache.Put(h);
                            return false;
                        }
                    Ext.Cache.Put(h);
                }
                return true;
            }
        }

        private void WriteEntry(Span<byte> b, int off, uint ino, int rec, ReadOnlySpan<byte> name, byte fileType)
        {
            LittleEndian.Put32(b, off, ino);
            LittleEndian.Put16(b, off + 4, (ushort)rec);
            if (Ext.HasFiletype)
            {
                b[off + 6] = (byte)name.Length;
                b[off + 7] = fileType;
            }
            else
                LittleEndian.Put16(b, off + 6, (ushort)name.Length);
            name.CopyTo(b.Slice(off + 8));
        }

        // A directory change: an htree index would now be stale, so drop it (the entries stay valid).
        private void Changed()
        {
            _flags &= ~L.FlagIndex;
            TouchModified();
        }

        /// <summary>Adds an entry, reusing space in existing blocks or appending a block; 0, -ENOSPC, -EUCLEAN.</summary>
        private int AddEntry(ReadOnlySpan<byte> name, uint ino, uint mode)
        {
            int need = EntrySize(name.Length);
            byte ft = Ext.HasFiletype ? L.FileTypeOf(mode) : (byte)0;
            ulong count = DirBlocks;
            for (ulong fb = 0; fb < count; fb++)
            {
                int rc = GetDirBlock(fb, out int h);
                if (rc < 0)
                    return rc;
                Span<byte> b = Ext.Cache.Data(h);
                for (int off = 0; off < b.Length; off += LittleEndian.U16(b, off + 4))
                {
                    uint n = LittleEndian.U32(b, off);
                    int rec = LittleEndian.U16(b, off + 4);
                    int used = n == 0 ? 0 : EntrySize(NameLength(b, off));
                    if (rec - used < need)
                        continue;
                    if (n == 0)
                        WriteEntry(b, off, ino, rec, name, ft);
                    else
                    {
                        LittleEndian.Put16(b, off + 4, (ushort)used);
                        WriteEntry(b, off + used, ino, rec - used, name, ft);
                    }
                    Ext.Cache.MarkDirty(h, 0);
                    Ext.Cache.Put(h);
                    Changed();
                    return 0;
                }
                Ext.Cache.Put(h);
            }
            if (Size + (ulong)Ext.BlockSize > 0xFFFFFFFF)
                return -Errno.ENOSPC;
            int r = MapBlock(count, true, out ulong block, out _);
            if (r < 0)
                return r;
            r = Ext.Cache.GetZeroed(block, out int nh, 0);
            if (r < 0)
                return r;
            WriteEntry(Ext.Cache.Data(nh), 0, ino, Ext.BlockSize, name, ft);
            Ext.Cache.Put(nh);
            Size += (ulong)Ext.BlockSize;
            Changed();
            return 0;
        }

        private int RemoveEntry(ReadOnlySpan<byte> name)
        {
            int rc = FindEntry(name, out ulong fb, out int off, out int prev, out _);
            if (rc < 0)
                return rc;
            rc = GetDirBlock(fb, out int h);
            if (rc < 0)
                return rc;
            Span<byte> b = Ext.Cache.Data(h);
            if (prev >= 0)
                LittleEndian.Put16(b, prev + 4, (ushort)(LittleEndian.U16(b, prev + 4) + LittleEndian.U16(b, off + 4)));
            else
                LittleEndian.Put32(b, off, 0);
            Ext.Cache.MarkDirty(h, 0);
            Ext.Cache.Put(h);
            Changed();
            return 0;
        }

        // Points an existing entry at another inode.
        private int RetargetEntry(ReadOnlySpan<byte> name, uint ino, uint mode)
        {
            int rc = FindEntry(name, out ulong fb, out int off, out _, out _);
            if (rc < 0)
                return rc;
            rc = GetDirBlock(fb, out int h);
            if (rc < 0)
                return rc;
            Span<byte> b = Ext.Cache.Data(h);
            LittleEndian.Put32(b, off, ino);
            if (Ext.HasFiletype)
                b[off + 7] = L.FileTypeOf(mode);
            Ext.Cache.MarkDirty(h, 0);
            Ext.Cache.Put(h);
            Changed();
            return 0;
        }

        // Rewrites ".." (the second entry of block 0) of this directory.
        private int SetDotDot(uint parentIno)
        {
            int rc = GetDirBlock(0, out int h);
            if (rc < 0)
                return rc;
            Span<byte> b = Ext.Cache.Data(h);
            int second = LittleEndian.U16(b, 4);
            if (second + L.DirentHeader + 2 > b.Length || NameLength(b, second) != 2 || b[second + 8] != '.' || b[second + 9] != '.')
            {
                Ext.Cache.Put(h);
                return Ext.Corrupt("ext2: directory without \"..\"");
            }
            LittleEndian.Put32(b, second, parentIno);
            Ext.Cache.MarkDirty(h, 0);
            Ext.Cache.Put(h);
            Changed();
            return 0;
        }

        private int CheckNewName(ReadOnlySpan<byte> name)
        {
            if (!IsDirectory)
                return -Errno.ENOTDIR;
            if (Ext.ReadOnly)
                return -Errno.EROFS;
            if (Nlink == 0 || name.Length == 0)
                return -Errno.ENOENT;
            if (name.Length > DirEntry.NameMax)
                return -Errno.ENAMETOOLONG;
            int rc = FindEntry(name, out _, out _, out _, out _);
            if (rc == 0)
                return -Errno.EEXIST;
            return rc == -Errno.ENOENT ? 0 : rc;
        }

        private static uint s_generation = 0x5EED;

        // A new inode in this directory's group (directories too: simple and local).
        private int NewChild(uint mode, uint uid, uint gid, out Ext2Inode? node)
        {
            node = null;
            bool dir = (mode & InodeMode.S_IFMT) == InodeMode.S_IFDIR;
            int rc = Ext.AllocateInode(Ext.GroupOfIno(Ino32), dir, out uint ino);
            if (rc < 0)
                return rc;
            s_generation = s_generation * 1103515245 + 12345;
            node = Ext.NewInode(ino, mode, uid, gid, s_generation);
            return 0;
        }

        // Undoes NewChild after a later step failed.
        private static void Abandon(Ext2Inode node)
        {
            node.Nlink = 0;
            node.FreeIfUnused();
        }

        public override int CreateNode(ReadOnlySpan<byte> name, uint mode, ulong rdev, uint uid, uint gid, out Inode? node)
        {
            node = null;
            int rc = CheckNewName(name);
            if (rc < 0)
                return rc;
            uint type = mode & InodeMode.S_IFMT;
            if (type != InodeMode.S_IFREG && type != InodeMode.S_IFDIR && type != InodeMode.S_IFCHR && type != InodeMode.S_IFBLK
                && type != InodeMode.S_IFIFO && type != InodeMode.S_IFSOCK)
                return -Errno.EINVAL;
            if (type == InodeMode.S_IFDIR && Nlink >= 65000)
                return -Errno.EMLINK;
            rc = NewChild(mode, uid, gid, out Ext2Inode? child);
            if (rc < 0)
                return rc;
            child!.Nlink = 1;
            if (type == InodeMode.S_IFCHR || type == InodeMode.S_IFBLK)
                child.Rdev = rdev;
            if (type == InodeMode.S_IFDIR)
            {
                child.Nlink = 2;
                int h = -1;
                rc = child.MapBlock(0, true, out ulong block, out _);
                if (rc == 0)
                    rc = Ext.Cache.GetZeroed(block, out h, 0);
                if (rc < 0)
                {
                    Abandon(child);
                    return rc;
                }
                Span<byte> b = Ext.Cache.Data(h);
                WriteEntry(b, 0, child.Ino32, 12, "."u8, L.FileTypeOf(InodeMode.S_IFDIR));
                WriteEntry(b, 12, Ino32, Ext.BlockSize - 12, ".."u8, L.FileTypeOf(InodeMode.S_IFDIR));
                Ext.Cache.Put(h);
                child.Size = (ulong)Ext.BlockSize;
            }
            rc = AddEntry(name, child.Ino32, mode);
            if (rc < 0)
            {
                Abandon(child);
                return rc;
            }
            if (type == InodeMode.S_IFDIR)
            {
                Nlink++;
                child.SetParent(this);
            }
            node = child;
            return 0;
        }

        public override int CreateSymlink(ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, uint uid, uint gid, out Inode? node)
        {
            node = null;
            int rc = CheckNewName(name);
            if (rc < 0)
                return rc;
            if (target.Length == 0 || target.Length >= Ext.BlockSize)
                return -Errno.ENAMETOOLONG;
            rc = NewChild(InodeMode.S_IFLNK | 0x1FF, uid, gid, out Ext2Inode? link);
            if (rc < 0)
                return rc;
            link!.Nlink = 1;
            if (target.Length < L.InlineBytes)
                target.CopyTo(new Span<byte>(link.Raw, L.IBlock, L.InlineBytes));
            else
            {
                int h = -1;
                rc = link.MapBlock(0, true, out ulong block, out _);
                if (rc == 0)
                    rc = Ext.Cache.GetZeroed(block, out h, link.Ino);
                if (rc < 0)
                {
                    link.Size = 0;
                    Abandon(link);
                    return rc;
                }
                target.CopyTo(Ext.Cache.Data(h));
                Ext.Cache.Put(h);
            }
            link.Size = (ulong)target.Length;
            rc = AddEntry(name, link.Ino32, link.Mode);
            if (rc < 0)
            {
                Abandon(link);
                return rc;
            }
            node = link;
            return 0;
        }

        public override int Link(ReadOnlySpan<byte> name, Inode target)
        {
            if (target is not Ext2Inode t || t.Ext != Ext)
                return -Errno.EXDEV;
            if (t.IsDirectory)
                return -Errno.EPERM;
            if (t.Nlink >= 65000)
                return -Errno.EMLINK;
            int rc = CheckNewName(name);
            if (rc < 0)
                return rc;
            rc = AddEntry(name, t.Ino32, t.Mode);
            if (rc < 0)
                return rc;
            t.Nlink++;
            t.TouchChanged();
            return 0;
        }

        public override int Remove(ReadOnlySpan<byte> name)
        {
            if (!IsDirectory)
                return -Errno.ENOTDIR;
            if (Ext.ReadOnly)
                return -Errno.EROFS;
            int rc = Lookup(name, out Inode? found);
            if (rc < 0)
                return rc;
            var node = (Ext2Inode)found!;
            if (node.IsDirectory && !node.IsEmptyDirectory)
                return -Errno.ENOTEMPTY;
            rc = RemoveEntry(name);
            if (rc < 0)
                return rc;
            Unlinked(node);
            return 0;
        }

        // Drops the link a removed entry held; a directory loses all of its links and its ".." in us.
        private void Unlinked(Ext2Inode node)
        {
            if (node.IsDirectory)
            {
                node.Nlink = 0;
                if (Nlink > 2)
                    Nlink--;
            }
            else if (node.Nlink > 0)
                node.Nlink--;
            node.TouchChanged();
            node.FreeIfUnused();
        }

        public override int Rename(ReadOnlySpan<byte> oldName, Inode newDir, ReadOnlySpan<byte> newName, uint flags)
        {
            if (newDir is not Ext2Inode dst || dst.Ext != Ext)
                return -Errno.EXDEV;
            if (Ext.ReadOnly)
                return -Errno.EROFS;
            if (dst.Nlink == 0)
                return -Errno.ENOENT;
            if (newName.Length > DirEntry.NameMax)
                return -Errno.ENAMETOOLONG;
            int rc = Lookup(oldName, out Inode? s);
            if (rc < 0)
                return rc;
            var src = (Ext2Inode)s!;
            // Hold the source: adding the new name may load inodes.
            src.Acquire();
            rc = dst.Lookup(newName, out Inode? v);
            if (rc < 0 && rc != -Errno.ENOENT)
            {
                src.Release();
                return rc;
            }
            var victim = (Ext2Inode?)v;
            if (victim == src)
            {
                src.Release();
                return 0;
            }
            victim?.Acquire();
            rc = RenameHeld(oldName, dst, newName, flags, src, victim);
            victim?.Release();
            src.Release();
            return rc;
        }

        private int RenameHeld(ReadOnlySpan<byte> oldName, Ext2Inode dst, ReadOnlySpan<byte> newName, uint flags, Ext2Inode src, Ext2Inode? victim)
        {
            int rc;
            bool exchange = (flags & Vfs.RenameExchange) != 0;
            if (exchange)
            {
                if (victim == null)
                    return -Errno.ENOENT;
                rc = RetargetEntry(oldName, victim.Ino32, victim.Mode);
                if (rc == 0)
                    rc = dst.RetargetEntry(newName, src.Ino32, src.Mode);
                if (rc < 0)
                    return rc;
                if (dst != this)
                {
                    if (src.IsDirectory)
                    {
                        Nlink--;
                        dst.Nlink++;
                        src.SetDotDot(dst.Ino32);
                        src.SetParent(dst);
                    }
                    if (victim.IsDirectory)
                    {
                        dst.Nlink--;
                        Nlink++;
                        victim.SetDotDot(Ino32);
                        victim.SetParent(this);
                    }
                }
                victim.TouchChanged();
            }
            else
            {
                if (victim != null)
                {
                    rc = Vfs.CheckReplace(src, victim, flags);
                    if (rc < 0)
                        return rc;
                    rc = dst.RetargetEntry(newName, src.Ino32, src.Mode);
                }
                else
                {
                    if (src.IsDirectory && dst != this && dst.Nlink >= 65000)
                        return -Errno.EMLINK;
                    rc = dst.AddEntry(newName, src.Ino32, src.Mode);
                }
                if (rc < 0)
                    return rc;
                rc = RemoveEntry(oldName);
                if (rc < 0)
                    return rc;
                if (src.IsDirectory && dst != this)
                {
                    Nlink--;
                    dst.Nlink++;
                    rc = src.SetDotDot(dst.Ino32);
                    src.SetParent(dst);
                }
            }
            src.TouchChanged();
            TouchModified();
            if (dst != this)
                dst.TouchModified();
            if (victim != null && !exchange)
                dst.Unlinked(victim);
            return rc;
        }
    }
}
