using System;
using Kernel.Logic.Block;
using L = Kernel.Logic.Fs.Ext2.Ext2Layout;

namespace Kernel.Logic.Fs.Ext2
{
    /// <summary>
    /// An ext2 file system (read/write) or an ext4 one (read-only) on an <see cref="IBlockDevice"/>.
    /// Metadata and data go through a <see cref="BufferCache"/>; inodes are a cache of the on-disk
    /// inodes (<see cref="Ext2Inode"/>), unique per inode number, written back at <see cref="Sync"/>,
    /// <see cref="FsyncInode"/>, eviction and unmount. See Kernel/Logic/Fs/Ext2/README.md for the rules.
    /// </summary>
    public sealed class Ext2FileSystem : FileSystemOperations
    {
        /// <summary>Default bounds: blocks in the buffer cache, unreferenced inodes kept by <see cref="Trim"/>.</summary>
        public const int DefaultCacheBlocks = 1024, DefaultInodeBound = 512;

        /// <summary>Default <see cref="FileSystem.PageLimit"/> of the page cache: 16 MiB.</summary>
        public const ulong DefaultPageLimit = 4096;

        private readonly IBlockDevice _dev;
        private readonly byte[] _sb = new byte[L.SuperblockSize];
        internal FileSystem Vfs = null!;
        internal BufferCache Cache = null!;
        internal bool ReadOnly;
        internal int BlockSize;
        internal int BlockShift;
        internal ulong BlocksCount;
        internal ulong FirstDataBlock;
        internal uint BlocksPerGroup, InodesPerGroup, InodesCount, FirstIno;
        internal int InodeSize;
        internal uint GroupCount;
        private int _descSize;
        internal uint Incompat, RoCompat, Compat;
        internal bool HasFiletype, MetadataCsum, HugeFile;
        internal uint CsumSeed;
        private ulong _freeBlocks;
        private uint _freeInodes;
        private ulong _reservedBlocks;
        private ulong _overhead;
        private ulong[] _gdBlockBitmap = null!, _gdInodeBitmap = null!, _gdInodeTable = null!;
        private uint[] _gdFreeBlocks = null!, _gdFreeInodes = null!, _gdUsedDirs = null!;
        private bool _errors;
        private bool _unmounted;

        // Inode cache: a hash table by number and a recency list (head = most recent).
        private readonly Ext2Inode?[] _buckets = new Ext2Inode?[1024];
        private Ext2Inode? _lruHead, _lruTail;
        private int _cachedInodes;

        private Ext2FileSystem(IBlockDevice dev)
        {
            _dev = dev;
        }

        /// <summary>Inodes in the inode cache (referenced or not).</summary>
        public int CachedInodes => _cachedInodes;
        /// <summary>Most unreferenced inodes <see cref="Trim"/> leaves in the cache.</summary>
        public int InodeBound { get; set; } = DefaultInodeBound;
        /// <summary>The buffer cache (counters for tests and /proc).</summary>
        public BufferCache Buffers => Cache;
        /// <summary>True once an inconsistency was found; unmount then records the error state on disk.</summary>
        public bool ErrorsSeen => _errors;
        /// <summary>The last inconsistency found (for the kernel log), or null.</summary>
        public string? LastError { get; private set; }
        public bool IsReadOnly => ReadOnly;

        /// <summary>
        /// Mounts the ext2/ext3/ext4 file system on <paramref name="dev"/>. Read-write needs an ext2
        /// feature set (file type, sparse superblocks, large files; ext_attr, resize_inode, dir_index
        /// and a journal are compatible); read-only also takes ext4's extents, flex_bg, 64bit,
        /// metadata_csum, huge_file, dir_nlink, extra_isize and unknown ro_compat features.
        /// On failure returns -errno with <paramref name="error"/> saying why (for the kernel log):
        /// -EINVAL not ext2 or a bad geometry, -EUCLEAN/-EBADMSG corrupt, -EOPNOTSUPP an unsupported
        /// feature (-EROFS when only read-only mounting is possible), -EIO the device.
        /// </summary>
        public static int Mount(IBlockDevice dev, bool readOnly, ulong devNumber, out FileSystem? fs, out string? error,
            int cacheBlocks = DefaultCacheBlocks)
        {
            fs = null;
            var ext = new Ext2FileSystem(dev);
            int rc = ext.Load(readOnly || dev.ReadOnly, devNumber, cacheBlocks, out error);
            if (rc < 0)
            {
                // Nothing of a refused mount may stay behind: inodes it loaded, its caches, the objects.
                ext._unmounted = true;
                while (ext._lruHead != null)
                    ext.Evict(ext._lruHead);
                ext.Release();
                Owned.Free(ext.Vfs);
                Owned.Free(ext);
                return rc;
            }
            fs = ext.Vfs;
            return 0;
        }

        private int Load(bool readOnly, ulong devNumber, int cacheBlocks, out string? error)
        {
            error = null;
            ReadOnly = readOnly;
            if (_dev.SectorCount < 4)
            {
                error = "ext2: device too small";
                return -Errno.EINVAL;
            }
            int rc = _dev.Read(L.SuperblockOffset / 512, _sb);
            if (rc < 0)
            {
                error = "ext2: cannot read the superblock";
                return rc;
            }
            ReadOnlySpan<byte> sb = _sb;
            if (LittleEndian.U16(sb, L.SMagic) != L.Magic)
            {
                error = "ext2: no ext2/ext4 superblock (bad magic)";
                return -Errno.EINVAL;
            }
            uint rev = LittleEndian.U32(sb, L.SRevLevel);
            Compat = rev >= 1 ? LittleEndian.U32(sb, L.SFeatureCompat) : 0;
            Incompat = rev >= 1 ? LittleEndian.U32(sb, L.SFeatureIncompat) : 0;
            RoCompat = rev >= 1 ? LittleEndian.U32(sb, L.SFeatureRoCompat) : 0;
            MetadataCsum = (RoCompat & L.RoCompatMetadataCsum) != 0;
            if (MetadataCsum)
            {
                if (sb[L.SChecksumType] != 1)
                {
                    error = "ext4: unknown metadata checksum type";
                    return -Errno.EOPNOTSUPP;
                }
                if (Crc32c.Update(0xFFFFFFFF, sb.Slice(0, L.SChecksum)) != LittleEndian.U32(sb, L.SChecksum))
                {
                    error = "ext4: superblock checksum mismatch";
                    return -Errno.EBADMSG;
                }
            }
            if ((Incompat & ~L.IncompatReadOnly) != 0)
            {
                error = "ext2: unsupported incompatible features (meta_bg, inline_data, encryption, ...): refusing to mount";
                return -Errno.EOPNOTSUPP;
            }
            if ((Incompat & L.IncompatRecover) != 0)
            {
                error = "ext4: the journal needs recovery (replay it with e2fsck): refusing to mount";
                return -Errno.EOPNOTSUPP;
            }
            if (!readOnly && ((Incompat & ~L.IncompatReadWrite) != 0 || (RoCompat & ~L.RoCompatReadWrite) != 0))
            {
                error = "ext2: features only supported read-only (ext4: extents, 64bit, flex_bg, metadata_csum, ...): mount it read-only";
                return -Errno.EROFS;
            }
            HasFiletype = (Incompat & L.IncompatFiletype) != 0;
            HugeFile = (RoCompat & L.RoCompatHugeFile) != 0;

            uint logBlock = LittleEndian.U32(sb, L.SLogBlockSize);
            if (logBlock > 6)
            {
                error = "ext2: bad block size";
                return -Errno.EINVAL;
            }
            BlockShift = 10 + (int)logBlock;
            BlockSize = 1 << BlockShift;
            BlocksCount = LittleEndian.U32(sb, L.SBlocksCountLo);
            _freeBlocks = LittleEndian.U32(sb, L.SFreeBlocksCountLo);
            _reservedBlocks = LittleEndian.U32(sb, L.SRBlocksCountLo);
            if ((Incompat & L.Incompat64Bit) != 0)
            {
                BlocksCount |= (ulong)LittleEndian.U32(sb, L.SBlocksCountHi) << 32;
                _freeBlocks |= (ulong)LittleEndian.U32(sb, L.SFreeBlocksCountHi) << 32;
                _reservedBlocks |= (ulong)LittleEndian.U32(sb, L.SRBlocksCountHi) << 32;
                _descSize = LittleEndian.U16(sb, L.SDescSize);
                if (_descSize < 64 || _descSize > 1024 || (_descSize & (_descSize - 1)) != 0)
                {
                    error = "ext4: bad group descriptor size";
                    return -Errno.EINVAL;
                }
            }
            else
                _descSize = 32;
            _freeInodes = LittleEndian.U32(sb, L.SFreeInodesCount);
            InodesCount = LittleEndian.U32(sb, L.SInodesCount);
            FirstDataBlock = LittleEndian.U32(sb, L.SFirstDataBlock);
            BlocksPerGroup = LittleEndian.U32(sb, L.SBlocksPerGroup);
            InodesPerGroup = LittleEndian.U32(sb, L.SInodesPerGroup);
            if (rev == 0)
            {
                FirstIno = L.GoodOldFirstIno;
                InodeSize = L.GoodOldInodeSize;
            }
            else
            {
                FirstIno = LittleEndian.U32(sb, L.SFirstIno);
                InodeSize = LittleEndian.U16(sb, L.SInodeSize);
            }
            ulong deviceBlocks = _dev.SectorCount >> (BlockShift - 9);
            if (BlocksPerGroup < 8 || BlocksPerGroup > (uint)BlockSize * 8 || InodesPerGroup < 1 || InodesPerGroup > (uint)BlockSize * 8
                || InodeSize < L.GoodOldInodeSize || InodeSize > BlockSize || (InodeSize & (InodeSize - 1)) != 0
                || FirstDataBlock >= BlocksCount || (BlockSize == 1024 ? FirstDataBlock != 1 : FirstDataBlock != 0)
                || FirstIno < L.GoodOldFirstIno || FirstIno > InodesCount || BlocksCount > deviceBlocks)
            {
                error = "ext2: bad geometry in the superblock (or the file system is larger than the device)";
                return -Errno.EINVAL;
            }
            ulong groups = (BlocksCount - FirstDataBlock + BlocksPerGroup - 1) / BlocksPerGroup;
            if (groups == 0 || groups > 0x10000000 || groups * InodesPerGroup != InodesCount)
            {
                error = "ext2: group count does not match the inode count";
                return -Errno.EINVAL;
            }
            GroupCount = (uint)groups;
            if (MetadataCsum)
                CsumSeed = (Incompat & L.IncompatCsumSeed) != 0
                    ? LittleEndian.U32(sb, L.SChecksumSeed)
                    : Crc32c.Update(0xFFFFFFFF, sb.Slice(L.SUuid, 16));

            Vfs = new FileSystem(devNumber);
            Vfs.Operations = this;
            Vfs.PageLimit = DefaultPageLimit;
            int capacity = cacheBlocks < 16 ? 16 : cacheBlocks;
            Cache = new BufferCache(_dev, BlockSize, capacity);

            rc = LoadGroups(out error);
            if (rc < 0)
                return rc;

            rc = LoadInode(L.RootIno, out Ext2Inode? root);
            if (rc < 0)
            {
                error = "ext2: cannot read the root directory";
                return rc;
            }
            if (!root!.IsDirectory)
            {
                error = "ext2: the root inode is not a directory";
                return -Errno.EUCLEAN;
            }
            Vfs.SetRoot(root);

            if (!ReadOnly)
            {
                // Mounted read-write: not clean on disk until a clean unmount.
                ushort state = LittleEndian.U16(_sb, L.SState);
                LittleEndian.Put16(_sb, L.SState, (ushort)(state & ~L.StateValid));
                LittleEndian.Put16(_sb, L.SMntCount, (ushort)(LittleEndian.U16(_sb, L.SMntCount) + 1));
                LittleEndian.Put32(_sb, L.SMtime, (uint)Vfs.Now().Sec);
                rc = WriteSuperblock();
                if (rc == 0)
                    rc = Cache.SyncAll();
                if (rc < 0)
                {
                    error = "ext2: cannot write the superblock";
                    return rc;
                }
            }
            return 0;
        }

        private ulong DescField(ReadOnlySpan<byte> d, int lo, bool wide32)
        {
            ulong v = wide32 ? LittleEndian.U32(d, lo) : LittleEndian.U16(d, lo);
            if (_descSize >= 64)
                v |= (wide32 ? (ulong)LittleEndian.U32(d, lo + L.GHi) : (ulong)LittleEndian.U16(d, lo + L.GHi)) << (wide32 ? 32 : 16);
            return v;
        }

        private ulong GdtBlock => FirstDataBlock + 1;

        private int LoadGroups(out string? error)
        {
            error = null;
            _gdBlockBitmap = new ulong[GroupCount];
            _gdInodeBitmap = new ulong[GroupCount];
            _gdInodeTable = new ulong[GroupCount];
            _gdFreeBlocks = new uint[GroupCount];
            _gdFreeInodes = new uint[GroupCount];
            _gdUsedDirs = new uint[GroupCount];
            ulong gdtBlocks = ((ulong)GroupCount * (ulong)_descSize + (ulong)BlockSize - 1) >> BlockShift;
            if (GdtBlock + gdtBlocks > BlocksCount)
            {
                error = "ext2: group descriptors run past the end";
                return -Errno.EUCLEAN;
            }
            ulong tableBlocks = ((ulong)InodesPerGroup * (ulong)InodeSize + (ulong)BlockSize - 1) >> BlockShift;
            int perBlock = BlockSize / _descSize;
            for (uint g = 0; g < GroupCount; g++)
            {
                int rc = Cache.Get(GdtBlock + g / (uint)perBlock, out int h);
                if (rc < 0)
                {
                    error = "ext2: cannot read the group descriptors";
                    return rc;
                }
                ReadOnlySpan<byte> d = Cache.Data(h).Slice((int)(g % (uint)perBlock) * _descSize, _descSize);
                _gdBlockBitmap[g] = DescField(d, L.GBlockBitmap, true);
                _gdInodeBitmap[g] = DescField(d, L.GInodeBitmap, true);
                _gdInodeTable[g] = DescField(d, L.GInodeTable, true);
                _gdFreeBlocks[g] = (uint)DescField(d, L.GFreeBlocks, false);
                _gdFreeInodes[g] = (uint)DescField(d, L.GFreeInodes, false);
                _gdUsedDirs[g] = (uint)DescField(d, L.GUsedDirs, false);
                bool csumOk = !MetadataCsum || GroupChecksum(g, d) == LittleEndian.U16(d, L.GChecksum);
                Cache.Put(h);
                if (!csumOk)
                {
                    error = "ext4: group descriptor checksum mismatch";
                    return -Errno.EBADMSG;
                }
                if (!InFs(_gdBlockBitmap[g]) || !InFs(_gdInodeBitmap[g]) || !InFs(_gdInodeTable[g])
                    || _gdInodeTable[g] + tableBlocks > BlocksCount || _gdFreeInodes[g] > InodesPerGroup
                    || _gdFreeBlocks[g] > BlocksPerGroup)
                {
                    error = "ext2: a group descriptor points outside the file system";
                    return -Errno.EUCLEAN;
                }
                if (!ReadOnly && (!InGroup(_gdBlockBitmap[g], g) || !InGroup(_gdInodeBitmap[g], g)
                    || !InGroup(_gdInodeTable[g], g) || !InGroup(_gdInodeTable[g] + tableBlocks - 1, g)))
                {
                    error = "ext2: group metadata outside its group";
                    return -Errno.EUCLEAN;
                }
                _overhead += 2 + tableBlocks + (GroupHasSuper(g) ? 1 + gdtBlocks : 0);
            }
            if (_freeBlocks > BlocksCount || _freeInodes > InodesCount)
            {
                error = "ext2: free counts larger than the file system";
                return -Errno.EUCLEAN;
            }
            return 0;
        }

        private ushort GroupChecksum(uint g, ReadOnlySpan<byte> d)
        {
            uint c = Crc32c.UpdateU32(CsumSeed, g);
            c = Crc32c.Update(c, d.Slice(0, L.GChecksum));
            c = Crc32c.UpdateZeros(c, 2);
            if (L.GChecksum + 2 < _descSize)
                c = Crc32c.Update(c, d.Slice(L.GChecksum + 2, _descSize - L.GChecksum - 2));
            return (ushort)c;
        }

        internal bool InFs(ulong block) => block >= FirstDataBlock && block < BlocksCount && block != 0;

        private bool InGroup(ulong block, uint g)
        {
            ulong start = FirstDataBlock + (ulong)g * BlocksPerGroup;
            return block >= start && block < start + BlocksPerGroup && block < BlocksCount;
        }

        // sparse_super: backups only in groups 0, 1 and powers of 3, 5, 7.
        private bool GroupHasSuper(uint g)
        {
            if (g <= 1 || (RoCompat & L.RoCompatSparseSuper) == 0)
                return true;
            if ((g & 1) == 0)
                return false;
            return IsPower(g, 3) || IsPower(g, 5) || IsPower(g, 7);
        }

        private static bool IsPower(uint g, uint b)
        {
            ulong n = b;
            while (n < g)
                n *= b;
            return n == g;
        }

        /// <summary>Records an inconsistency: the operation fails with -EUCLEAN and unmount marks the file system as having errors.</summary>
        internal int Corrupt(string what)
        {
            _errors = true;
            LastError = what;
            return -Errno.EUCLEAN;
        }

        internal int BadChecksum(string what)
        {
            _errors = true;
            LastError = what;
            return -Errno.EBADMSG;
        }

        // ---- superblock and descriptors write-back ----

        private int WriteSuperblock()
        {
            LittleEndian.Put32(_sb, L.SFreeBlocksCountLo, (uint)_freeBlocks);
            if ((Incompat & L.Incompat64Bit) != 0)
                LittleEndian.Put32(_sb, L.SFreeBlocksCountHi, (uint)(_freeBlocks >> 32));
            LittleEndian.Put32(_sb, L.SFreeInodesCount, _freeInodes);
            ulong block = (ulong)L.SuperblockOffset >> BlockShift;
            int offset = L.SuperblockOffset & (BlockSize - 1);
            int rc = Cache.Get(block, out int h);
            if (rc < 0)
                return rc;
            Span<byte> data = Cache.Data(h).Slice(offset, L.SuperblockSize);
            if (!Bytes.Equal(data, _sb))
            {
                new ReadOnlySpan<byte>(_sb).CopyTo(data);
                Cache.MarkDirty(h);
            }
            Cache.Put(h);
            return 0;
        }

        private void PutDescField(Span<byte> d, int lo, bool wide32, ulong v)
        {
            if (wide32)
                LittleEndian.Put32(d, lo, (uint)v);
            else
                LittleEndian.Put16(d, lo, (ushort)v);
            if (_descSize >= 64)
            {
                if (wide32)
                    LittleEndian.Put32(d, lo + L.GHi, (uint)(v >> 32));
                else
                    LittleEndian.Put16(d, lo + L.GHi, (ushort)(v >> 16));
            }
        }

        private int WriteGroups()
        {
            int perBlock = BlockSize / _descSize;
            Span<byte> copy = stackalloc byte[64];
            for (uint g = 0; g < GroupCount; g++)
            {
                int rc = Cache.Get(GdtBlock + g / (uint)perBlock, out int h);
                if (rc < 0)
                    return rc;
                Span<byte> d = Cache.Data(h).Slice((int)(g % (uint)perBlock) * _descSize, _descSize);
                d.Slice(0, 32).CopyTo(copy);
                PutDescField(d, L.GFreeBlocks, false, _gdFreeBlocks[g]);
                PutDescField(d, L.GFreeInodes, false, _gdFreeInodes[g]);
                PutDescField(d, L.GUsedDirs, false, _gdUsedDirs[g]);
                if (!Bytes.Equal(d.Slice(0, 32), copy.Slice(0, 32)))
                    Cache.MarkDirty(h);
                Cache.Put(h);
            }
            return 0;
        }

        /// <summary>Writes inodes, group descriptors and the superblock into the cache (no device I/O besides reads).</summary>
        private int WriteMetadata()
        {
            for (Ext2Inode? n = _lruHead; n != null; n = n.LruNext)
            {
                int rc = n.WriteBack();
                if (rc < 0)
                    return rc;
            }
            int r = WriteGroups();
            return r < 0 ? r : WriteSuperblock();
        }

        public override int Sync()
        {
            if (ReadOnly || _unmounted)
                return 0;
            int rc = WriteMetadata();
            if (rc < 0)
                return rc;
            return Cache.SyncAll();
        }

        public override int FsyncInode(Inode node)
        {
            if (ReadOnly || _unmounted)
                return 0;
            if (node is not Ext2Inode e || e.Ext != this)
                return -Errno.EINVAL;
            int rc = e.WriteBack();
            if (rc == 0)
                rc = WriteGroups();
            if (rc == 0)
                rc = WriteSuperblock();
            return rc < 0 ? rc : Cache.SyncOwner(e.Ino);
        }

        public override int StatFs(out StatFsInfo info)
        {
            info = default;
            info.Type = L.Magic;
            info.BlockSize = (ulong)BlockSize;
            ulong used = FirstDataBlock + _overhead;
            info.Blocks = BlocksCount > used ? BlocksCount - used : 0;
            info.BlocksFree = _freeBlocks;
            info.BlocksAvailable = _freeBlocks > _reservedBlocks ? _freeBlocks - _reservedBlocks : 0;
            info.Files = InodesCount;
            info.FilesFree = _freeInodes;
            info.NameMax = DirEntry.NameMax;
            info.ReadOnly = ReadOnly;
            return 0;
        }

        public override bool Busy
        {
            get
            {
                // Every reference to a cached inode is either the file system's own (the root's from
                // FileSystem and from its mount, a cached directory's on its parent) or an outside holder.
                long refs = 0, own = 2;
                for (Ext2Inode? n = _lruHead; n != null; n = n.LruNext)
                {
                    refs += n.RefCount;
                    if (n.HasParent)
                        own++;
                }
                return refs > own;
            }
        }

        public override int Remount(bool readOnly)
        {
            if (_unmounted)
                return -Errno.EINVAL;
            if (readOnly == ReadOnly)
                return 0;
            if (readOnly)
            {
                int rc = MarkClean();
                if (rc < 0)
                    return rc;
                ReadOnly = true;
                return 0;
            }
            if (_dev.ReadOnly || (Incompat & ~L.IncompatReadWrite) != 0 || (RoCompat & ~L.RoCompatReadWrite) != 0)
                return -Errno.EROFS;
            ReadOnly = false;
            ushort state = LittleEndian.U16(_sb, L.SState);
            LittleEndian.Put16(_sb, L.SState, (ushort)(state & ~L.StateValid));
            int r = WriteSuperblock();
            return r < 0 ? r : Cache.SyncAll();
        }

        // Writes everything back and records on disk that it is consistent (or that errors were seen).
        private int MarkClean()
        {
            int rc = WriteMetadata();
            ushort state = LittleEndian.U16(_sb, L.SState);
            state = _errors ? (ushort)(state | L.StateErrors) : (ushort)(state | L.StateValid);
            LittleEndian.Put16(_sb, L.SState, state);
            LittleEndian.Put32(_sb, L.SWtime, (uint)Vfs.Now().Sec);
            if (rc == 0)
                rc = WriteSuperblock();
            if (rc == 0)
                rc = Cache.SyncAll();
            return rc;
        }

        public override int Unmount()
        {
            if (_unmounted)
                return -Errno.EINVAL;
            int rc = 0;
            if (!ReadOnly)
                rc = MarkClean();
            _unmounted = true;
            // Drop every cached inode (the caller made sure nothing holds one) and the caches.
            while (_lruHead != null)
                Evict(_lruHead);
            Release();
            return rc;
        }

        // Frees what Load built (also after a failed mount).
        private void Release()
        {
            if (Cache != null)
            {
                Cache.Dispose();
                Owned.Free(Cache);
            }
            Owned.Free(_gdBlockBitmap);
            Owned.Free(_gdInodeBitmap);
            Owned.Free(_gdInodeTable);
            Owned.Free(_gdFreeBlocks);
            Owned.Free(_gdFreeInodes);
            Owned.Free(_gdUsedDirs);
            Owned.Free(_sb);
            Owned.Free(_buckets);
        }

        // ---- allocation ----

        internal uint GroupOfBlock(ulong block) => (uint)((block - FirstDataBlock) / BlocksPerGroup);
        internal uint GroupOfIno(uint ino) => (ino - 1) / InodesPerGroup;

        private uint BlocksInGroup(uint g)
        {
            ulong start = FirstDataBlock + (ulong)g * BlocksPerGroup;
            ulong left = BlocksCount - start;
            return left < BlocksPerGroup ? (uint)left : BlocksPerGroup;
        }

        // Finds and sets a clear bit in [0, bits) of a bitmap block, starting at `start`; -1 when full.
        private static int TakeBit(Span<byte> map, uint bits, uint start)
        {
            if (start >= bits)
                start = 0;
            for (uint n = 0; n < bits; n++)
            {
                uint b = start + n;
                if (b >= bits)
                    b -= bits;
                if ((map[(int)(b >> 3)] & (1 << (int)(b & 7))) == 0)
                {
                    map[(int)(b >> 3)] |= (byte)(1 << (int)(b & 7));
                    return (int)b;
                }
            }
            return -1;
        }

        /// <summary>Allocates a block near <paramref name="goal"/>; 0 or -ENOSPC/-EUCLEAN/-EIO.</summary>
        internal int AllocateBlock(ulong goal, out ulong block)
        {
            block = 0;
            if (ReadOnly)
                return -Errno.EROFS;
            if (_freeBlocks == 0)
                return -Errno.ENOSPC;
            if (!InFs(goal))
                goal = FirstDataBlock;
            uint g0 = GroupOfBlock(goal);
            for (uint i = 0; i < GroupCount; i++)
            {
                uint g = (g0 + i) % GroupCount;
                if (_gdFreeBlocks[g] == 0)
                    continue;
                int rc = Cache.Get(_gdBlockBitmap[g], out int h);
                if (rc < 0)
                    return rc;
                uint start = i == 0 ? (uint)((goal - FirstDataBlock) % BlocksPerGroup) : 0;
                int bit = TakeBit(Cache.Data(h), BlocksInGroup(g), start);
                if (bit < 0)
                {
                    Cache.Put(h);
                    Corrupt("ext2: a group's free block count disagrees with its bitmap");
                    continue;
                }
                ulong b = FirstDataBlock + (ulong)g * BlocksPerGroup + (uint)bit;
                if (IsGroupMetadata(b, g))
                {
                    Cache.Put(h); // leave the bit set: that block is in use anyway
                    return Corrupt("ext2: block bitmap marks metadata free");
                }
                Cache.MarkDirty(h);
                Cache.Put(h);
                _gdFreeBlocks[g]--;
                _freeBlocks--;
                block = b;
                return 0;
            }
            return -Errno.ENOSPC;
        }

        private bool IsGroupMetadata(ulong b, uint g)
        {
            if (b == _gdBlockBitmap[g] || b == _gdInodeBitmap[g])
                return true;
            ulong tableBlocks = ((ulong)InodesPerGroup * (ulong)InodeSize + (ulong)BlockSize - 1) >> BlockShift;
            if (b >= _gdInodeTable[g] && b < _gdInodeTable[g] + tableBlocks)
                return true;
            return b < GdtBlock + (((ulong)GroupCount * (ulong)_descSize + (ulong)BlockSize - 1) >> BlockShift);
        }

        /// <summary>Frees a block; -EUCLEAN when it is outside the file system or already free.</summary>
        internal int FreeBlock(ulong block)
        {
            if (!InFs(block))
                return Corrupt("ext2: freeing a block outside the file system");
            uint g = GroupOfBlock(block);
            int rc = Cache.Get(_gdBlockBitmap[g], out int h);
            if (rc < 0)
                return rc;
            Span<byte> map = Cache.Data(h);
            uint bit = (uint)((block - FirstDataBlock) % BlocksPerGroup);
            int mask = 1 << (int)(bit & 7);
            if ((map[(int)(bit >> 3)] & mask) == 0)
            {
                Cache.Put(h);
                return Corrupt("ext2: freeing a free block");
            }
            map[(int)(bit >> 3)] &= (byte)~mask;
            Cache.MarkDirty(h);
            Cache.Put(h);
            _gdFreeBlocks[g]++;
            _freeBlocks++;
            Cache.Forget(block);
            return 0;
        }

        /// <summary>Allocates an inode number, preferring <paramref name="group"/>; 0 or -ENOSPC.</summary>
        internal int AllocateInode(uint group, bool directory, out uint ino)
        {
            ino = 0;
            if (ReadOnly)
                return -Errno.EROFS;
            if (_freeInodes == 0)
                return -Errno.ENOSPC;
            for (uint i = 0; i < GroupCount; i++)
            {
                uint g = (group + i) % GroupCount;
                if (_gdFreeInodes[g] == 0)
                    continue;
                int rc = Cache.Get(_gdInodeBitmap[g], out int h);
                if (rc < 0)
                    return rc;
                uint start = g == 0 ? FirstIno - 1 : 0;
                int bit = TakeBit(Cache.Data(h), InodesPerGroup, start);
                if (bit < 0 || g * InodesPerGroup + (uint)bit + 1 < FirstIno)
                {
                    Cache.Put(h);
                    Corrupt("ext2: a group's free inode count disagrees with its bitmap");
                    continue;
                }
                Cache.MarkDirty(h);
                Cache.Put(h);
                _gdFreeInodes[g]--;
                _freeInodes--;
                if (directory)
                    _gdUsedDirs[g]++;
                ino = g * InodesPerGroup + (uint)bit + 1;
                return 0;
            }
            return -Errno.ENOSPC;
        }

        internal int FreeInodeNumber(uint ino, bool directory)
        {
            if (ino < FirstIno || ino > InodesCount)
                return Corrupt("ext2: freeing a reserved inode");
            uint g = GroupOfIno(ino);
            int rc = Cache.Get(_gdInodeBitmap[g], out int h);
            if (rc < 0)
                return rc;
            Span<byte> map = Cache.Data(h);
            uint bit = (ino - 1) % InodesPerGroup;
            int mask = 1 << (int)(bit & 7);
            if ((map[(int)(bit >> 3)] & mask) == 0)
            {
                Cache.Put(h);
                return Corrupt("ext2: freeing a free inode");
            }
            map[(int)(bit >> 3)] &= (byte)~mask;
            Cache.MarkDirty(h);
            Cache.Put(h);
            _gdFreeInodes[g]++;
            _freeInodes++;
            if (directory && _gdUsedDirs[g] > 0)
                _gdUsedDirs[g]--;
            return 0;
        }

        // ---- inode table ----

        /// <summary>Where inode <paramref name="ino"/> lives: its inode-table block and the byte offset in it.</summary>
        internal int InodeLocation(uint ino, out ulong block, out int offset)
        {
            block = 0;
            offset = 0;
            if (ino < 1 || ino > InodesCount)
                return Corrupt("ext2: inode number out of range");
            uint g = GroupOfIno(ino);
            ulong byteOffset = (ulong)((ino - 1) % InodesPerGroup) * (ulong)InodeSize;
            block = _gdInodeTable[g] + (byteOffset >> BlockShift);
            offset = (int)(byteOffset & (ulong)(BlockSize - 1));
            return 0;
        }

        internal uint InodeChecksum(uint ino, ReadOnlySpan<byte> raw, uint generation)
        {
            uint c = Crc32c.UpdateU32(CsumSeed, ino);
            c = Crc32c.UpdateU32(c, generation);
            c = Crc32c.Update(c, raw.Slice(0, L.IChecksumLo));
            c = Crc32c.UpdateZeros(c, 2);
            c = Crc32c.Update(c, raw.Slice(L.IChecksumLo + 2, L.GoodOldInodeSize - L.IChecksumLo - 2));
            if (raw.Length > L.GoodOldInodeSize)
            {
                c = Crc32c.Update(c, raw.Slice(L.GoodOldInodeSize, L.IChecksumHi - L.GoodOldInodeSize));
                bool hasHi = LittleEndian.U16(raw, L.IExtraIsize) >= 4;
                if (hasHi)
                    c = Crc32c.UpdateZeros(c, 2);
                else
                    c = Crc32c.Update(c, raw.Slice(L.IChecksumHi, 2));
                c = Crc32c.Update(c, raw.Slice(L.IChecksumHi + 2));
            }
            return c;
        }

        /// <summary>
        /// The cached inode <paramref name="ino"/>, reading it from the inode table on a miss. The
        /// inode is borrowed (see <see cref="Inode"/>). -EUCLEAN for a number out of range or an
        /// inconsistent inode (no links, unknown type, bad extent root), -EBADMSG for a bad checksum.
        /// </summary>
        internal int LoadInode(uint ino, out Ext2Inode? node)
        {
            node = Lookup(ino);
            if (node != null)
            {
                Touch(node);
                return 0;
            }
            if (ino != L.RootIno && ino < FirstIno)
                return Corrupt("ext2: a directory names a reserved inode");
            int rc = InodeLocation(ino, out ulong block, out int offset);
            if (rc < 0)
                return rc;
            rc = Cache.Get(block, out int h);
            if (rc < 0)
                return rc;
            byte[] raw = new byte[InodeSize];
            Cache.Data(h).Slice(offset, InodeSize).CopyTo(raw);
            Cache.Put(h);
            if (MetadataCsum)
            {
                uint want = InodeChecksum(ino, raw, LittleEndian.U32(raw, L.IGeneration));
                bool hasHi = InodeSize > L.GoodOldInodeSize && LittleEndian.U16(raw, L.IExtraIsize) >= 4;
                uint have = LittleEndian.U16(raw, L.IChecksumLo) | (hasHi ? (uint)LittleEndian.U16(raw, L.IChecksumHi) << 16 : 0);
                if (!hasHi)
                    want &= 0xFFFF;
                if (want != have)
                {
                    Owned.Free(raw);
                    return BadChecksum("ext4: inode checksum mismatch");
                }
            }
            var n = new Ext2Inode(this, ino, raw);
            rc = n.Parse();
            if (rc < 0)
            {
                n.DropRaw();
                Owned.Free(n);
                return rc;
            }
            Insert(n);
            Vfs.InodeLoaded();
            node = n;
            return 0;
        }

        /// <summary>Makes the cached object for a newly allocated inode number (zeroed on disk image).</summary>
        internal Ext2Inode NewInode(uint ino, uint mode, uint uid, uint gid, uint generation)
        {
            byte[] raw = new byte[InodeSize];
            var n = new Ext2Inode(this, ino, raw);
            n.InitNew(mode, uid, gid, generation);
            Insert(n);
            Vfs.InodeLoaded();
            return n;
        }

        private Ext2Inode? Lookup(uint ino)
        {
            for (Ext2Inode? n = _buckets[ino & (uint)(_buckets.Length - 1)]; n != null; n = n.HashNext)
                if (n.Ino == ino)
                    return n;
            return null;
        }

        private void Insert(Ext2Inode n)
        {
            uint b = (uint)n.Ino & (uint)(_buckets.Length - 1);
            n.HashNext = _buckets[b];
            _buckets[b] = n;
            n.LruPrev = null;
            n.LruNext = _lruHead;
            if (_lruHead != null)
                _lruHead.LruPrev = n;
            _lruHead = n;
            _lruTail ??= n;
            _cachedInodes++;
        }

        internal void Touch(Ext2Inode n)
        {
            if (_lruHead == n)
                return;
            Unlist(n);
            n.LruNext = _lruHead;
            if (_lruHead != null)
                _lruHead.LruPrev = n;
            _lruHead = n;
            _lruTail ??= n;
        }

        private void Unlist(Ext2Inode n)
        {
            if (n.LruPrev != null)
                n.LruPrev.LruNext = n.LruNext;
            else
                _lruHead = n.LruNext;
            if (n.LruNext != null)
                n.LruNext.LruPrev = n.LruPrev;
            else
                _lruTail = n.LruPrev;
            n.LruPrev = null;
            n.LruNext = null;
        }

        /// <summary>Removes an inode from the cache tables (it is being freed or evicted).</summary>
        internal void Forget(Ext2Inode n)
        {
            uint b = (uint)n.Ino & (uint)(_buckets.Length - 1);
            if (_buckets[b] == n)
                _buckets[b] = n.HashNext;
            else
                for (Ext2Inode? p = _buckets[b]; p != null; p = p.HashNext)
                    if (p.HashNext == n)
                    {
                        p.HashNext = n.HashNext;
                        break;
                    }
            n.HashNext = null;
            Unlist(n);
            _cachedInodes--;
        }

        // Writes back and frees a cached inode nobody holds.
        private void Evict(Ext2Inode n)
        {
            if (!ReadOnly && !_unmounted)
                n.WriteBack();
            Forget(n);
            Vfs.InodeEvicted();
            n.DropForEviction();
            Owned.Free(n);
        }

        // ---- page cache ----

        /// <summary>
        /// A page for <paramref name="requester"/>'s page cache. At the page limit (or when memory is
        /// out) the pages of unreferenced inodes go first, least recently used first: a mapping holds
        /// its inode, so those pages are mapped nowhere. 0 when nothing can be freed.
        /// </summary>
        internal ulong AllocateCachePage(Ext2Inode requester)
        {
            if (Vfs.Pages == null || _unmounted)
                return 0;
            ulong phys = Vfs.AllocatePage();
            for (Ext2Inode? n = _lruTail; phys == 0 && n != null; n = n.LruPrev)
            {
                // Unmapped now, but what a mapping stored must reach the blocks before the pages go.
                if (n == requester || n.RefCount != 0 || n.CachedPages == 0 || n.WriteBackMappedPages() < 0)
                    continue;
                n.FreeCachedPagesFrom(0);
                phys = Vfs.AllocatePage();
            }
            return phys;
        }

        /// <summary>
        /// Evicts unreferenced inodes, least recently used first, until at most
        /// <see cref="InodeBound"/> are cached (referenced inodes do not count against the bound's
        /// victims but stay). Only call where no borrowed inode of this file system is in use.
        /// </summary>
        public override void Trim()
        {
            if (_unmounted)
                return;
            bool progress = true;
            while (_cachedInodes > InodeBound && progress)
            {
                progress = false;
                Ext2Inode? n = _lruTail;
                while (n != null && _cachedInodes > InodeBound)
                {
                    Ext2Inode? prev = n.LruPrev;
                    if (n.RefCount == 0 && n.Nlink != 0)
                    {
                        Evict(n);
                        progress = true;
                    }
                    n = prev;
                }
            }
        }
    }
}
