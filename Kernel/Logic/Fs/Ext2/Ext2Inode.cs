using System;
using L = Kernel.Logic.Fs.Ext2.Ext2Layout;

namespace Kernel.Logic.Fs.Ext2
{
    /// <summary>
    /// An ext2/ext4 inode in the inode cache. The object keeps the on-disk image (<see cref="Raw"/>)
    /// and the attributes as <see cref="Inode"/> fields; <see cref="WriteBack"/> folds the fields
    /// into the image and the image into the inode table (the VFS changes attributes directly, so
    /// write-back compares instead of tracking changes). This file: life cycle and attributes;
    /// Ext2InodeData.cs: block maps and file data; Ext2InodeDirectory.cs: directories;
    /// Ext2InodePages.cs: the page cache.
    /// </summary>
    public sealed partial class Ext2Inode : Inode
    {
        internal readonly Ext2FileSystem Ext;
        internal byte[] Raw;
        internal Ext2Inode? HashNext, LruPrev, LruNext;
        private Ext2Inode? _parent;
        private uint _flags;
        private ulong _blocks512;
        private ulong _lastBlock; // allocation goal: the last block this file took

        internal Ext2Inode(Ext2FileSystem ext, uint ino, byte[] raw)
        {
            Ext = ext;
            Fs = ext.Vfs;
            Ino = ino;
            Raw = raw;
        }

        private uint Ino32 => (uint)Ino;
        private bool UsesExtents => (_flags & L.FlagExtents) != 0;

        public override ulong Blocks => _blocks512;

        public override Inode? Parent => IsDirectory ? (_parent ?? this) : null;

        private static long DecodeTime(uint seconds, uint extra, bool hasExtra, out long nsec)
        {
            long sec = (int)seconds;
            nsec = 0;
            if (hasExtra)
            {
                sec += (long)(extra & 3) << 32;
                nsec = extra >> 2;
                if (nsec > 999999999)
                    nsec = 0;
            }
            return sec;
        }

        private bool HasExtra(int field) => Raw.Length > L.GoodOldInodeSize && L.GoodOldInodeSize + LittleEndian.U16(Raw, L.IExtraIsize) >= field + 4;

        private Timespec ReadTime(int field, int extraField)
        {
            bool has = HasExtra(extraField);
            long sec = DecodeTime(LittleEndian.U32(Raw, field), has ? LittleEndian.U32(Raw, extraField) : 0, has, out long nsec);
            return new Timespec(sec, nsec);
        }

        private void WriteTime(int field, int extraField, Timespec t)
        {
            LittleEndian.Put32(Raw, field, (uint)t.Sec);
            if (HasExtra(extraField))
            {
                long epoch = (t.Sec - (int)(uint)t.Sec) >> 32;
                LittleEndian.Put32(Raw, extraField, (uint)((t.Nsec << 2) | (epoch & 3)));
            }
        }

        /// <summary>Reads the attributes from the on-disk image and checks them; 0 or -EUCLEAN.</summary>
        internal int Parse()
        {
            byte[] r = Raw;
            Mode = LittleEndian.U16(r, L.IMode);
            Uid = LittleEndian.U16(r, L.IUid) | (uint)LittleEndian.U16(r, L.IUidHigh) << 16;
            Gid = LittleEndian.U16(r, L.IGid) | (uint)LittleEndian.U16(r, L.IGidHigh) << 16;
            Nlink = LittleEndian.U16(r, L.ILinks);
            Size = LittleEndian.U32(r, L.ISizeLo) | (ulong)LittleEndian.U32(r, L.ISizeHigh) << 32;
            _flags = LittleEndian.U32(r, L.IFlags);
            _blocks512 = LittleEndian.U32(r, L.IBlocksLo);
            if (Ext.HugeFile)
            {
                _blocks512 |= (ulong)LittleEndian.U16(r, L.IBlocksHi) << 32;
                if ((_flags & L.FlagHugeFile) != 0)
                    _blocks512 <<= Ext.BlockShift - 9;
            }
            if (r.Length > L.GoodOldInodeSize)
            {
                int extra = LittleEndian.U16(r, L.IExtraIsize);
                if (extra > r.Length - L.GoodOldInodeSize || (extra & 3) != 0)
                    return Ext.Corrupt("ext2: bad i_extra_isize");
            }
            Atime = ReadTime(L.IAtime, L.IAtimeExtra);
            Mtime = ReadTime(L.IMtime, L.IMtimeExtra);
            Ctime = ReadTime(L.ICtime, L.ICtimeExtra);
            if (Nlink == 0 && Ino != L.RootIno)
                return Ext.Corrupt("ext2: a directory entry names an unused inode");
            if (Nlink == 0)
                return Ext.Corrupt("ext2: the root inode is unused");
            switch (Type)
            {
                case InodeMode.S_IFREG:
                case InodeMode.S_IFDIR:
                case InodeMode.S_IFLNK:
                    break;
                case InodeMode.S_IFCHR:
                case InodeMode.S_IFBLK:
                    Rdev = DecodeDevice();
                    break;
                case InodeMode.S_IFIFO:
                case InodeMode.S_IFSOCK:
                    break;
                default:
                    return Ext.Corrupt("ext2: inode of unknown type");
            }
            if ((_flags & L.FlagInlineData) != 0)
                return Ext.Corrupt("ext4: inline data is not supported");
            if (UsesExtents)
            {
                if ((Ext.Incompat & L.IncompatExtents) == 0)
                    return Ext.Corrupt("ext2: extent-mapped inode without the extents feature");
                int rc = CheckExtentHeader(new ReadOnlySpan<byte>(r, L.IBlock, L.InlineBytes), -1);
                if (rc < 0)
                    return rc;
            }
            if (IsDirectory && (Size > 0xFFFFFFFF || (Size & (ulong)(Ext.BlockSize - 1)) != 0))
                return Ext.Corrupt("ext2: directory size is not a whole number of blocks");
            if (IsSymlink && (Size == 0 || Size >= (ulong)Ext.BlockSize))
                return Ext.Corrupt("ext2: bad symlink size");
            return 0;
        }

        private ulong DecodeDevice()
        {
            uint old = LittleEndian.U32(Raw, L.IBlock);
            if (old != 0)
                return DeviceNumber.Make((old >> 8) & 0xFF, old & 0xFF);
            uint n = LittleEndian.U32(Raw, L.IBlock + 4);
            return DeviceNumber.Make((n & 0xFFF00) >> 8, (n & 0xFF) | ((n >> 12) & 0xFFF00));
        }

        private void EncodeDevice()
        {
            uint major = DeviceNumber.Major(Rdev), minor = DeviceNumber.Minor(Rdev);
            if (major < 256 && minor < 256)
            {
                LittleEndian.Put32(Raw, L.IBlock, (major << 8) | minor);
                LittleEndian.Put32(Raw, L.IBlock + 4, 0);
            }
            else
            {
                LittleEndian.Put32(Raw, L.IBlock, 0);
                LittleEndian.Put32(Raw, L.IBlock + 4, (minor & 0xFF) | (major << 8) | ((minor & ~0xFFu) << 12));
            }
        }

        /// <summary>Sets up a freshly allocated inode (zeroed image).</summary>
        internal void InitNew(uint mode, uint uid, uint gid, uint generation)
        {
            Mode = mode;
            Uid = uid;
            Gid = gid;
            Timespec now = Now();
            Atime = now;
            Mtime = now;
            Ctime = now;
            if (Raw.Length > L.GoodOldInodeSize)
                LittleEndian.Put16(Raw, L.IExtraIsize, 32 <= Raw.Length - L.GoodOldInodeSize ? (ushort)32 : (ushort)0);
            LittleEndian.Put32(Raw, L.IGeneration, generation);
        }

        /// <summary>Folds the attributes into the image and the image into the inode table block (marked dirty only when it changed).</summary>
        internal int WriteBack()
        {
            if (Ext.ReadOnly || Raw == null)
                return 0;
            // What shared mappings stored first: it can allocate blocks and changes the times. The
            // inode is written even when that failed (a hole that found no free block: -ENOSPC).
            int mapped = WriteBackMappedPages();
            byte[] r = Raw;
            LittleEndian.Put16(r, L.IMode, (ushort)Mode);
            LittleEndian.Put16(r, L.IUid, (ushort)Uid);
            LittleEndian.Put16(r, L.IUidHigh, (ushort)(Uid >> 16));
            LittleEndian.Put16(r, L.IGid, (ushort)Gid);
            LittleEndian.Put16(r, L.IGidHigh, (ushort)(Gid >> 16));
            LittleEndian.Put16(r, L.ILinks, (ushort)Nlink);
            LittleEndian.Put32(r, L.ISizeLo, (uint)Size);
            LittleEndian.Put32(r, L.ISizeHigh, (uint)(Size >> 32));
            LittleEndian.Put32(r, L.IFlags, _flags);
            LittleEndian.Put32(r, L.IBlocksLo, (uint)_blocks512);
            WriteTime(L.IAtime, L.IAtimeExtra, Atime);
            WriteTime(L.IMtime, L.IMtimeExtra, Mtime);
            WriteTime(L.ICtime, L.ICtimeExtra, Ctime);
            if (Type == InodeMode.S_IFCHR || Type == InodeMode.S_IFBLK)
                EncodeDevice();
            int rc = Ext.InodeLocation(Ino32, out ulong block, out int offset);
            if (rc < 0)
                return rc;
            rc = Ext.Cache.Get(block, out int h);
            if (rc < 0)
                return rc;
            Span<byte> slot = Ext.Cache.Data(h).Slice(offset, r.Length);
            if (!Bytes.Equal(slot, r))
            {
                new ReadOnlySpan<byte>(r).CopyTo(slot);
                Ext.Cache.MarkDirty(h);
            }
            Ext.Cache.Put(h);
            return mapped;
        }

        internal void SetParent(Ext2Inode? parent)
        {
            if (parent == this)
                parent = null;
            parent?.Acquire();
            Ext2Inode? old = _parent;
            _parent = parent;
            old?.Release();
        }

        internal bool HasParent => _parent != null;

        internal void DropRaw()
        {
            Owned.Free(Raw);
            Raw = null!;
        }

        /// <summary>Eviction: lets go of the parent and the image (the caller wrote it back).</summary>
        internal void DropForEviction()
        {
            FreeCachedPagesFrom(0);
            SetParent(null);
            DropRaw();
        }

        /// <summary>The last name and the last holder are gone: free the blocks and the inode on disk.</summary>
        protected override void FreeStorage()
        {
            FreeCachedPagesFrom(0);
            if (!Ext.ReadOnly && Raw != null)
            {
                bool dir = IsDirectory;
                FreeBlocksFrom(0);
                FreeXattrBlock();
                Size = 0;
                Nlink = 0;
                Timespec now = Now();
                Ctime = now;
                LittleEndian.Put32(Raw, L.IDtime, (uint)now.Sec);
                WriteBack();
                Ext.FreeInodeNumber(Ino32, dir);
            }
            Ext.Forget(this);
            SetParent(null);
            DropRaw();
        }

        // The extended-attribute block (i_file_acl) is shared by reference count.
        private void FreeXattrBlock()
        {
            ulong acl = LittleEndian.U32(Raw, L.IFileAcl);
            if (acl == 0)
                return;
            LittleEndian.Put32(Raw, L.IFileAcl, 0);
            if (!Ext.InFs(acl))
                return;
            if (Ext.Cache.Get(acl, out int h) < 0)
                return;
            Span<byte> b = Ext.Cache.Data(h);
            uint refs = LittleEndian.U32(b, 4);
            bool last = LittleEndian.U32(b, 0) != 0xEA020000 || refs <= 1;
            if (!last)
            {
                LittleEndian.Put32(b, 4, refs - 1);
                Ext.Cache.MarkDirty(h);
            }
            Ext.Cache.Put(h);
            SubBlocks(1);
            if (last)
                Ext.FreeBlock(acl);
        }

        private void AddBlocks(ulong count) => _blocks512 += count << (Ext.BlockShift - 9);

        private void SubBlocks(ulong count)
        {
            ulong n = count << (Ext.BlockShift - 9);
            _blocks512 = _blocks512 > n ? _blocks512 - n : 0;
        }
    }
}
