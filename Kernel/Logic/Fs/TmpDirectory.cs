using System;

namespace Kernel.Logic.Fs
{
    /// <summary>
    /// A tmpfs directory: entries in insertion order, each with a cookie that never changes, so
    /// getdents continues correctly across creations and removals. Names are byte arrays the
    /// directory owns. A directory holds a reference to its parent (so ".." of a removed directory
    /// stays valid).
    /// </summary>
    public sealed class TmpDirectory : Inode
    {
        private struct Slot
        {
            public ulong Cookie;
            public uint Hash;
            public byte[] Name;
            public Inode Node;
        }

        private Slot[]? _slots;
        private int _count;
        private ulong _nextCookie = 2;
        private Inode? _parent; // null for a file system's root (".." is itself)

        /// <param name="parent">The containing directory (acquired here), or null for a root.</param>
        public TmpDirectory(Inode? parent)
        {
            _parent = parent;
            parent?.Acquire();
        }

        public override Inode? Parent => _parent ?? this;

        public override bool IsEmptyDirectory => _count == 0;

        /// <summary>Number of entries (without "." and "..").</summary>
        public int Count => _count;

        protected override void FreeStorage()
        {
            for (int i = 0; i < _count; i++)
                Owned.Free(_slots![i].Name); // only at file-system teardown: a removed directory is empty
            Owned.Free(_slots);
            _slots = null;
            _count = 0;
            Inode? parent = _parent;
            _parent = null;
            parent?.Release();
        }

        private static uint Hash(ReadOnlySpan<byte> name)
        {
            uint h = 2166136261;
            for (int i = 0; i < name.Length; i++)
                h = (h ^ name[i]) * 16777619;
            return h;
        }

        private int Find(ReadOnlySpan<byte> name)
        {
            uint h = Hash(name);
            Slot[]? slots = _slots;
            for (int i = 0; i < _count; i++)
                if (slots![i].Hash == h && Bytes.Equal(slots[i].Name, name))
                    return i;
            return -1;
        }

        public override int Lookup(ReadOnlySpan<byte> name, out Inode? node)
        {
            int i = Find(name);
            if (i < 0)
            {
                node = null;
                return -Errno.ENOENT;
            }
            node = _slots![i].Node;
            return 0;
        }

        public override int ReadDir(ulong cookie, ref DirEntry entry)
        {
            // Slots are sorted by cookie: binary search for the first one at or after the cookie.
            int lo = 0, hi = _count;
            while (lo < hi)
            {
                int mid = (lo + hi) >> 1;
                if (_slots![mid].Cookie < cookie)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo >= _count)
                return 0;
            ref Slot s = ref _slots![lo];
            entry.Ino = s.Node.Ino;
            entry.Type = InodeMode.DirentType(s.Node.Mode);
            entry.NextCookie = s.Cookie + 1;
            entry.SetName(s.Name);
            return 1;
        }

        private void Add(ReadOnlySpan<byte> name, Inode node)
        {
            if (_slots == null || _count == _slots.Length)
            {
                var bigger = new Slot[_slots == null ? 8 : _slots.Length * 2];
                for (int i = 0; i < _count; i++)
                    bigger[i] = _slots![i];
                Owned.Free(_slots);
                _slots = bigger;
            }
            byte[] copy = new byte[name.Length];
            for (int i = 0; i < name.Length; i++)
                copy[i] = name[i];
            ref Slot s = ref _slots[_count++];
            s.Cookie = _nextCookie++;
            s.Hash = Hash(name);
            s.Name = copy;
            s.Node = node;
        }

        private void RemoveSlot(int index)
        {
            Owned.Free(_slots![index].Name);
            for (int i = index; i + 1 < _count; i++)
                _slots[i] = _slots[i + 1];
            _count--;
            _slots[_count] = default;
        }

        // Checks common to every operation that adds a name.
        private int CheckNewName(ReadOnlySpan<byte> name)
        {
            if (Nlink == 0)
                return -Errno.ENOENT; // removed directory
            if (name.Length == 0)
                return -Errno.ENOENT;
            if (name.Length > DirEntry.NameMax)
                return -Errno.ENAMETOOLONG;
            if (Find(name) >= 0)
                return -Errno.EEXIST;
            return 0;
        }

        public override int CreateNode(ReadOnlySpan<byte> name, uint mode, ulong rdev, uint uid, uint gid, out Inode? node)
        {
            node = null;
            int rc = CheckNewName(name);
            if (rc < 0)
                return rc;
            FileSystem fs = Fs!;
            Inode created;
            uint type = mode & InodeMode.S_IFMT;
            switch (type)
            {
                case InodeMode.S_IFREG:
                    created = new TmpFile();
                    break;
                case InodeMode.S_IFDIR:
                    created = new TmpDirectory(this);
                    break;
                case InodeMode.S_IFCHR:
                case InodeMode.S_IFBLK:
                case InodeMode.S_IFIFO:
                case InodeMode.S_IFSOCK:
                    created = new TmpSpecial();
                    break;
                default:
                    return -Errno.EINVAL;
            }
            fs.InitInode(created, mode, uid, gid);
            if (type == InodeMode.S_IFCHR || type == InodeMode.S_IFBLK)
                created.Rdev = rdev;
            if (type == InodeMode.S_IFDIR)
            {
                created.Nlink = 2;
                Nlink++;
            }
            else
                created.Nlink = 1;
            Add(name, created);
            TouchModified();
            node = created;
            return 0;
        }

        public override int CreateSymlink(ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, uint uid, uint gid, out Inode? node)
        {
            node = null;
            int rc = CheckNewName(name);
            if (rc < 0)
                return rc;
            var link = new TmpSymlink(target);
            Fs!.InitInode(link, InodeMode.S_IFLNK | 0x1FF, uid, gid);
            link.Size = (ulong)target.Length;
            link.Nlink = 1;
            Add(name, link);
            TouchModified();
            node = link;
            return 0;
        }

        public override int Link(ReadOnlySpan<byte> name, Inode target)
        {
            if (target.Fs != Fs)
                return -Errno.EXDEV;
            if (target.IsDirectory)
                return -Errno.EPERM;
            int rc = CheckNewName(name);
            if (rc < 0)
                return rc;
            Add(name, target);
            target.Nlink++;
            target.TouchChanged();
            TouchModified();
            return 0;
        }

        public override int Remove(ReadOnlySpan<byte> name)
        {
            int i = Find(name);
            if (i < 0)
                return -Errno.ENOENT;
            Inode node = _slots![i].Node;
            if (node.IsDirectory && !node.IsEmptyDirectory)
                return -Errno.ENOTEMPTY;
            RemoveSlot(i);
            TouchModified();
            Unlinked(node);
            return 0;
        }

        // Drops the link a removed entry held; a directory loses all of its links and its ".." in us.
        private void Unlinked(Inode node)
        {
            if (node.IsDirectory)
            {
                node.Nlink = 0;
                Nlink--;
            }
            else
                node.Nlink--;
            node.TouchChanged();
            node.FreeIfUnused();
        }

        private void Reparent(Inode newParent)
        {
            newParent.Acquire();
            Inode? old = _parent;
            _parent = newParent;
            old?.Release();
        }

        public override int Rename(ReadOnlySpan<byte> oldName, Inode newDir, ReadOnlySpan<byte> newName, uint flags)
        {
            if (newDir is not TmpDirectory dst || newDir.Fs != Fs)
                return -Errno.EXDEV;
            if (dst.Nlink == 0)
                return -Errno.ENOENT;
            if (newName.Length > DirEntry.NameMax)
                return -Errno.ENAMETOOLONG;
            int si = Find(oldName);
            if (si < 0)
                return -Errno.ENOENT;
            Inode src = _slots![si].Node;
            int di = dst.Find(newName);
            Inode? victim = di >= 0 ? dst._slots![di].Node : null;
            if (victim == src)
                return 0;
            bool exchange = (flags & Vfs.RenameExchange) != 0;
            if (exchange)
            {
                if (victim == null)
                    return -Errno.ENOENT;
                _slots[si].Node = victim;
                dst._slots![di].Node = src;
                if (dst != this)
                {
                    if (src.IsDirectory)
                    {
                        Nlink--;
                        dst.Nlink++;
                        ((TmpDirectory)src).Reparent(dst);
                    }
                    if (victim.IsDirectory)
                    {
                        dst.Nlink--;
                        Nlink++;
                        ((TmpDirectory)victim).Reparent(this);
                    }
                }
                victim.TouchChanged();
            }
            else
            {
                if (victim != null)
                {
                    int rc = Vfs.CheckReplace(src, victim, flags);
                    if (rc < 0)
                        return rc;
                    dst._slots![di].Node = src; // the entry keeps its name and cookie
                }
                else
                    dst.Add(newName, src);
                // Adding may have moved our slots (same directory): look the old name up again.
                RemoveSlot(Find(oldName));
                if (src.IsDirectory && dst != this)
                {
                    Nlink--;
                    dst.Nlink++;
                    ((TmpDirectory)src).Reparent(dst);
                }
            }
            src.TouchChanged();
            TouchModified();
            if (dst != this)
                dst.TouchModified();
            if (victim != null && !exchange)
                dst.Unlinked(victim);
            return 0;
        }
    }
}
