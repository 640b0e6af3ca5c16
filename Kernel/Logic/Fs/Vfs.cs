using System;

namespace Kernel.Logic.Fs
{
    /// <summary>
    /// Path resolution and the file operations with Linux errno semantics, over any
    /// <see cref="Inode"/> implementation and across mounts. Every path operation takes the
    /// process's root directory (where "/" and ".." stop) and the directory relative paths start
    /// from (the cwd or an *at() dirfd). Inodes handed out are borrowed (see <see cref="Inode"/>).
    /// There are no permission checks: the caller checks access where it needs to.
    /// </summary>
    public static class Vfs
    {
        public const int PathMax = 4096;
        public const int NameMax = 255;
        public const int MaxSymlinks = 40;

        // Resolution / creation flags.
        /// <summary>Do not follow a symlink in the last component (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, lstat).</summary>
        public const int NoFollow = 1;
        /// <summary>The result must be a directory (O_DIRECTORY).</summary>
        public const int Directory = 2;
        /// <summary>Fail with EEXIST if the name exists (O_EXCL with O_CREAT).</summary>
        public const int Exclusive = 4;

        public const uint RenameNoReplace = 1, RenameExchange = 2, RenameWhiteout = 4;

        private const int NameNormal = 0, NameDot = 1, NameDotDot = 2, NameRoot = 3;

        private struct Level
        {
            public byte[] Text;
            public int Pos;
            public int End;
            public bool Owned;
        }

        private static int NameKind(ReadOnlySpan<byte> name)
        {
            if (name.Length == 0) return NameRoot;
            if (name.Length == 1 && name[0] == '.') return NameDot;
            if (name.Length == 2 && name[0] == '.' && name[1] == '.') return NameDotDot;
            return NameNormal;
        }

        /// <summary>Follows mounts down: the root of whatever is mounted on <paramref name="node"/>.</summary>
        public static Inode CrossMounts(Inode node)
        {
            while (node.MountedHere != null)
                node = node.MountedHere;
            return node;
        }

        // ".." of `current`, never above `root`, leaving mounted roots through their mount points.
        private static Inode DotDot(Inode current, Inode root)
        {
            while (current != root && current.MountPoint != null)
                current = current.MountPoint;
            if (current == root)
                return current;
            Inode? parent = current.Parent;
            return parent == null ? current : CrossMounts(parent);
        }

        /// <summary>
        /// Resolves <paramref name="path"/> (Linux rules: "." and "..", repeated slashes, a trailing
        /// slash requires a directory, up to 40 symlinks, absolute symlinks restart at root).
        /// Flags: <see cref="NoFollow"/>, <see cref="Directory"/>. Errors: ENOENT (also for an empty
        /// path), ENOTDIR, ENAMETOOLONG (a component over 255 bytes, a path of 4096 or more), ELOOP.
        /// </summary>
        public static int Resolve(Inode root, Inode start, ReadOnlySpan<byte> path, int flags, out Inode? node)
        {
            node = null;
            if (path.Length == 0)
                return -Errno.ENOENT;
            if (path.Length >= PathMax)
                return -Errno.ENAMETOOLONG;
            Inode current = path[0] == '/' ? root : start;
            Level[]? levels = null;
            int depth = 0, pos0 = 0, links = 0;
            bool mustDir = (flags & Directory) != 0;
            int rc = 0;
            for (; ; )
            {
                ReadOnlySpan<byte> text;
                int pos;
                if (depth == 0)
                {
                    text = path;
                    pos = pos0;
                }
                else
                {
                    text = new ReadOnlySpan<byte>(levels![depth - 1].Text, 0, levels[depth - 1].End);
                    pos = levels[depth - 1].Pos;
                }
                while (pos < text.Length && text[pos] == '/')
                    pos++;
                if (pos == text.Length)
                {
                    if (depth == 0)
                        break;
                    depth--;
                    if (levels![depth].Owned)
                        Owned.Free(levels[depth].Text);
                    levels[depth] = default;
                    continue;
                }
                int s = pos;
                while (pos < text.Length && text[pos] != '/')
                    pos++;
                ReadOnlySpan<byte> name = text.Slice(s, pos - s);
                bool trailing = pos < text.Length;
                while (pos < text.Length && text[pos] == '/')
                    pos++;
                if (depth == 0)
                    pos0 = pos;
                else
                    levels![depth - 1].Pos = pos;
                bool last = pos == text.Length && (depth == 0 ? true : LowerLevelsDone(levels!, depth, pos0, path.Length));

                if (name.Length > NameMax)
                {
                    rc = -Errno.ENAMETOOLONG;
                    break;
                }
                if (!current.IsDirectory)
                {
                    rc = -Errno.ENOTDIR;
                    break;
                }
                if (last && trailing)
                    mustDir = true;
                int kind = NameKind(name);
                if (kind == NameDot)
                    continue;
                if (kind == NameDotDot)
                {
                    current = DotDot(current, root);
                    continue;
                }
                rc = current.Lookup(name, out Inode? child);
                if (rc < 0)
                    break;
                child = CrossMounts(child!);
                if (child.IsSymlink && (!last || depth > 0 || trailing || (flags & NoFollow) == 0))
                {
                    if (++links > MaxSymlinks)
                    {
                        rc = -Errno.ELOOP;
                        break;
                    }
                    Inode? jump = child.JumpTarget();
                    if (jump != null)
                    {
                        current = CrossMounts(jump);
                        continue;
                    }
                    rc = LinkText(child, out byte[]? target, out int length, out bool owned);
                    if (rc < 0)
                        break;
                    levels ??= new Level[MaxSymlinks];
                    ref Level l = ref levels[depth++];
                    l.Text = target!;
                    l.Pos = 0;
                    l.End = length;
                    l.Owned = owned;
                    if (target![0] == '/')
                        current = root;
                    continue;
                }
                current = child;
            }
            if (levels != null)
            {
                for (int i = 0; i < depth; i++)
                    if (levels[i].Owned)
                        Owned.Free(levels[i].Text);
                Owned.Free(levels);
            }
            if (rc < 0)
                return rc;
            if (mustDir && !current.IsDirectory)
                return -Errno.ENOTDIR;
            node = current;
            return 0;
        }

        private static bool LowerLevelsDone(Level[] levels, int depth, int pos0, int pathLength)
        {
            if (pos0 != pathLength)
                return false;
            for (int i = 0; i < depth - 1; i++)
                if (levels[i].Pos != levels[i].End)
                    return false;
            return true;
        }

        // A symlink's target as an array: the tmpfs link's own (not owned) or a copy read through
        // ReadLink (owned: the caller frees it). An empty target is ENOENT.
        private static int LinkText(Inode link, out byte[]? text, out int length, out bool owned)
        {
            if (link is TmpSymlink t)
            {
                text = t.TargetArray;
                length = text.Length;
                owned = false;
            }
            else
            {
                text = new byte[PathMax];
                owned = true;
                length = link.ReadLink(text);
                if (length < 0)
                {
                    Owned.Free(text);
                    text = null;
                    return length;
                }
            }
            if (length == 0)
            {
                if (owned)
                    Owned.Free(text);
                text = null;
                return -Errno.ENOENT;
            }
            return 0;
        }

        /// <summary>
        /// For operations that create or remove a name: resolves everything but the last component
        /// (following symlinks) and returns the directory and that component (a slice of
        /// <paramref name="path"/>; "." or ".." as given, empty for "/"). <paramref name="trailingSlash"/>
        /// tells whether slashes followed it.
        /// </summary>
        public static int ResolveParent(Inode root, Inode start, ReadOnlySpan<byte> path, out Inode? dir, out ReadOnlySpan<byte> name, out bool trailingSlash)
        {
            dir = null;
            name = default;
            trailingSlash = false;
            if (path.Length == 0)
                return -Errno.ENOENT;
            if (path.Length >= PathMax)
                return -Errno.ENAMETOOLONG;
            int end = path.Length;
            while (end > 0 && path[end - 1] == '/')
                end--;
            trailingSlash = end < path.Length;
            if (end == 0)
            {
                dir = root;
                return 0;
            }
            int s = end;
            while (s > 0 && path[s - 1] != '/')
                s--;
            if (end - s > NameMax)
                return -Errno.ENAMETOOLONG;
            name = path.Slice(s, end - s);
            if (s == 0)
            {
                if (!start.IsDirectory)
                    return -Errno.ENOTDIR;
                dir = start;
                return 0;
            }
            return Resolve(root, start, path.Slice(0, s), Directory, out dir);
        }

        // New files take the directory's group when it is set-group-ID (and new directories keep the bit).
        private static uint InheritGid(Inode dir, uint gid) => (dir.Mode & InodeMode.S_ISGID) != 0 ? dir.Gid : gid;

        /// <summary>
        /// open() with O_CREAT: opens the existing file or creates a regular file with
        /// <paramref name="mode"/>'s permission bits (the caller applies the umask). A dangling
        /// symlink in the last component creates its target, as Linux does. Flags:
        /// <see cref="Exclusive"/> (EEXIST if it exists, symlinks not followed), <see cref="NoFollow"/>
        /// (ELOOP on a symlink). An existing directory gives EISDIR.
        /// </summary>
        public static int Create(Inode root, Inode start, ReadOnlySpan<byte> path, uint mode, int flags, uint uid, uint gid, out Inode? node, out bool created)
        {
            node = null;
            created = false;
            byte[]? owned = null;
            int hops = 0;
            int rc;
            bool exclusive = (flags & Exclusive) != 0;
            for (; ; )
            {
                rc = ResolveParent(root, start, path, out Inode? dir, out ReadOnlySpan<byte> name, out bool trailing);
                if (rc < 0)
                    break;
                if (NameKind(name) != NameNormal)
                {
                    rc = exclusive ? -Errno.EEXIST : -Errno.EISDIR;
                    break;
                }
                rc = dir!.Lookup(name, out Inode? existing);
                if (rc == -Errno.ENOENT)
                {
                    if (trailing)
                    {
                        rc = -Errno.EISDIR;
                        break;
                    }
                    rc = dir.CreateNode(name, InodeMode.S_IFREG | (mode & InodeMode.PermissionMask), 0, uid, InheritGid(dir, gid), out node);
                    created = rc == 0;
                    break;
                }
                if (rc < 0)
                    break;
                existing = CrossMounts(existing!);
                if (exclusive)
                {
                    rc = -Errno.EEXIST;
                    break;
                }
                if (existing.IsSymlink)
                {
                    if ((flags & NoFollow) != 0 && !trailing)
                    {
                        rc = -Errno.ELOOP;
                        break;
                    }
                    if (++hops > MaxSymlinks)
                    {
                        rc = -Errno.ELOOP;
                        break;
                    }
                    Inode? jump = existing.JumpTarget();
                    if (jump == null)
                    {
                        rc = LinkText(existing, out byte[]? target, out int length, out bool isCopy);
                        if (rc < 0)
                            break;
                        ReadOnlySpan<byte> targetPath = new ReadOnlySpan<byte>(target!, 0, length);
                        if (trailing)
                        {
                            // "link/": the target must be an existing directory, which O_CREAT refuses.
                            rc = Resolve(root, dir, targetPath, Directory, out _);
                            if (isCopy)
                                Owned.Free(target);
                            if (rc == 0)
                                rc = -Errno.EISDIR;
                            break;
                        }
                        Owned.Free(owned);
                        owned = isCopy ? target : null;
                        start = dir;
                        path = targetPath;
                        continue;
                    }
                    existing = CrossMounts(jump);
                }
                if (existing.IsDirectory)
                {
                    rc = -Errno.EISDIR;
                    break;
                }
                if (trailing)
                {
                    rc = -Errno.ENOTDIR;
                    break;
                }
                node = existing;
                rc = 0;
                break;
            }
            Owned.Free(owned);
            return rc;
        }

        // Shared front of mkdir/mknod/symlink/link: the parent and a name that must not exist yet.
        private static int PrepareCreate(Inode root, Inode start, ReadOnlySpan<byte> path, bool isDirectory, out Inode? dir, out ReadOnlySpan<byte> name)
        {
            int rc = ResolveParent(root, start, path, out dir, out name, out bool trailing);
            if (rc < 0)
                return rc;
            if (NameKind(name) != NameNormal)
                return -Errno.EEXIST;
            rc = dir!.Lookup(name, out _);
            if (rc == 0)
                return -Errno.EEXIST;
            if (rc != -Errno.ENOENT)
                return rc;
            if (trailing && !isDirectory)
                return -Errno.ENOENT; // "name/" asks for a directory
            return 0;
        }

        /// <summary>mkdir(): permission bits and sticky bit from <paramref name="mode"/> (after umask).</summary>
        public static int Mkdir(Inode root, Inode start, ReadOnlySpan<byte> path, uint mode, uint uid, uint gid, out Inode? node)
        {
            node = null;
            int rc = PrepareCreate(root, start, path, true, out Inode? dir, out ReadOnlySpan<byte> name);
            if (rc < 0)
                return rc;
            uint bits = (mode & (InodeMode.S_ISVTX | 0x1FF)) | (dir!.Mode & InodeMode.S_ISGID);
            return dir.CreateNode(name, InodeMode.S_IFDIR | bits, 0, uid, InheritGid(dir, gid), out node);
        }

        /// <summary>mknod(): a regular file (type 0 or S_IFREG), device, FIFO or socket. S_IFDIR gives EPERM, other types EINVAL.</summary>
        public static int Mknod(Inode root, Inode start, ReadOnlySpan<byte> path, uint mode, ulong rdev, uint uid, uint gid, out Inode? node)
        {
            node = null;
            uint type = mode & InodeMode.S_IFMT;
            if (type == 0)
                type = InodeMode.S_IFREG;
            if (type == InodeMode.S_IFDIR)
                return -Errno.EPERM;
            if (type != InodeMode.S_IFREG && type != InodeMode.S_IFCHR && type != InodeMode.S_IFBLK && type != InodeMode.S_IFIFO && type != InodeMode.S_IFSOCK)
                return -Errno.EINVAL;
            int rc = PrepareCreate(root, start, path, false, out Inode? dir, out ReadOnlySpan<byte> name);
            if (rc < 0)
                return rc;
            return dir!.CreateNode(name, type | (mode & InodeMode.PermissionMask), rdev, uid, InheritGid(dir, gid), out node);
        }

        /// <summary>symlink(): creates <paramref name="linkPath"/> pointing at <paramref name="target"/> (not checked).</summary>
        public static int Symlink(Inode root, Inode start, ReadOnlySpan<byte> target, ReadOnlySpan<byte> linkPath, uint uid, uint gid, out Inode? node)
        {
            node = null;
            if (target.Length == 0)
                return -Errno.ENOENT;
            if (target.Length >= PathMax)
                return -Errno.ENAMETOOLONG;
            int rc = PrepareCreate(root, start, linkPath, false, out Inode? dir, out ReadOnlySpan<byte> name);
            if (rc < 0)
                return rc;
            return dir!.CreateSymlink(name, target, uid, InheritGid(dir, gid), out node);
        }

        /// <summary>link(): a new name for the file at <paramref name="oldPath"/> (followed only with <paramref name="followOld"/>, as AT_SYMLINK_FOLLOW).</summary>
        public static int Link(Inode root, Inode oldStart, ReadOnlySpan<byte> oldPath, bool followOld, Inode newStart, ReadOnlySpan<byte> newPath)
        {
            int rc = Resolve(root, oldStart, oldPath, followOld ? 0 : NoFollow, out Inode? old);
            if (rc < 0)
                return rc;
            return LinkInode(old!, root, newStart, newPath);
        }

        /// <summary>A new name for <paramref name="target"/> (linkat with AT_EMPTY_PATH, and the initramfs's hard links).</summary>
        public static int LinkInode(Inode target, Inode root, Inode newStart, ReadOnlySpan<byte> newPath)
        {
            // Linux's order: the new name first (EEXIST, ENOENT), then the file systems (EXDEV), then the kind (EPERM).
            int rc = PrepareCreate(root, newStart, newPath, false, out Inode? dir, out ReadOnlySpan<byte> name);
            if (rc < 0)
                return rc;
            if (dir!.Fs != target.Fs)
                return -Errno.EXDEV;
            if (target.IsDirectory)
                return -Errno.EPERM;
            if (target.Nlink == 0)
                return -Errno.ENOENT;
            return dir.Link(name, target);
        }

        /// <summary>unlink(): removes a name of a non-directory (EISDIR for a directory).</summary>
        public static int Unlink(Inode root, Inode start, ReadOnlySpan<byte> path)
        {
            int rc = ResolveParent(root, start, path, out Inode? dir, out ReadOnlySpan<byte> name, out bool trailing);
            if (rc < 0)
                return rc;
            if (NameKind(name) != NameNormal)
                return -Errno.EISDIR;
            rc = dir!.Lookup(name, out Inode? node);
            if (rc < 0)
                return rc;
            if (node!.IsDirectory)
                return -Errno.EISDIR;
            if (trailing)
                return -Errno.ENOTDIR;
            if (node.MountedHere != null)
                return -Errno.EBUSY;
            return dir.Remove(name);
        }

        /// <summary>rmdir(): removes an empty directory (ENOTDIR, ENOTEMPTY, EBUSY for mount points and the root, EINVAL for ".").</summary>
        public static int Rmdir(Inode root, Inode start, ReadOnlySpan<byte> path)
        {
            int rc = ResolveParent(root, start, path, out Inode? dir, out ReadOnlySpan<byte> name, out _);
            if (rc < 0)
                return rc;
            switch (NameKind(name))
            {
                case NameDot: return -Errno.EINVAL;
                case NameDotDot: return -Errno.ENOTEMPTY;
                case NameRoot: return -Errno.EBUSY;
            }
            rc = dir!.Lookup(name, out Inode? node);
            if (rc < 0)
                return rc;
            if (!node!.IsDirectory)
                return -Errno.ENOTDIR;
            if (node.MountedHere != null || node == root)
                return -Errno.EBUSY;
            if (!node.IsEmptyDirectory)
                return -Errno.ENOTEMPTY;
            return dir.Remove(name);
        }

        // True when `ancestor` is `node` or one of its parents (within one file system).
        private static bool IsAncestor(Inode ancestor, Inode node)
        {
            for (int guard = 0; guard < 100000; guard++)
            {
                if (node == ancestor)
                    return true;
                Inode? parent = node.Parent;
                if (parent == null || parent == node)
                    return false;
                node = parent;
            }
            return false;
        }

        /// <summary>
        /// rename()/renameat2(): flags <see cref="RenameNoReplace"/> and <see cref="RenameExchange"/>.
        /// Replaces a file or an empty directory; same inode is a no-op; EXDEV across file systems,
        /// EINVAL for a directory into its own subtree, EBUSY for mount points and "."/"..".
        /// </summary>
        public static int Rename(Inode root, Inode oldStart, ReadOnlySpan<byte> oldPath, Inode newStart, ReadOnlySpan<byte> newPath, uint flags)
        {
            if ((flags & ~(RenameNoReplace | RenameExchange)) != 0)
                return -Errno.EINVAL;
            bool exchange = (flags & RenameExchange) != 0;
            if (exchange && (flags & RenameNoReplace) != 0)
                return -Errno.EINVAL;
            int rc = ResolveParent(root, oldStart, oldPath, out Inode? od, out ReadOnlySpan<byte> oname, out bool otrail);
            if (rc < 0)
                return rc;
            rc = ResolveParent(root, newStart, newPath, out Inode? nd, out ReadOnlySpan<byte> nname, out bool ntrail);
            if (rc < 0)
                return rc;
            if (NameKind(oname) != NameNormal || NameKind(nname) != NameNormal)
                return -Errno.EBUSY;
            if (od!.Fs != nd!.Fs)
                return -Errno.EXDEV;
            rc = od.Lookup(oname, out Inode? src);
            if (rc < 0)
                return rc;
            rc = nd.Lookup(nname, out Inode? dst);
            if (rc == -Errno.ENOENT)
                dst = null;
            else if (rc < 0)
                return rc;
            if ((flags & RenameNoReplace) != 0 && dst != null)
                return -Errno.EEXIST;
            if (exchange && dst == null)
                return -Errno.ENOENT;
            if (!src!.IsDirectory && (otrail || (!exchange && ntrail)))
                return -Errno.ENOTDIR;
            if (exchange && !dst!.IsDirectory && ntrail)
                return -Errno.ENOTDIR;
            if (od != nd)
            {
                if (src.IsDirectory && IsAncestor(src, nd))
                    return -Errno.EINVAL;
                if (dst != null && dst.IsDirectory && IsAncestor(dst, od))
                    return exchange ? -Errno.EINVAL : -Errno.ENOTEMPTY;
            }
            if (src == dst)
                return 0;
            if (src.MountedHere != null || (dst != null && dst.MountedHere != null))
                return -Errno.EBUSY;
            if (dst != null && !exchange)
            {
                if (src.IsDirectory && !dst.IsDirectory)
                    return -Errno.ENOTDIR;
                if (!src.IsDirectory && dst.IsDirectory)
                    return -Errno.EISDIR;
                if (dst.IsDirectory && !dst.IsEmptyDirectory)
                    return -Errno.ENOTEMPTY;
            }
            return od.Rename(oname, nd, nname, flags);
        }

        /// <summary>readlink(): the target of the symlink at <paramref name="path"/> (not followed); its length or -errno (EINVAL: not a symlink).</summary>
        public static int ReadLink(Inode root, Inode start, ReadOnlySpan<byte> path, Span<byte> buffer)
        {
            int rc = Resolve(root, start, path, NoFollow, out Inode? node);
            if (rc < 0)
                return rc;
            if (!node!.IsSymlink)
                return -Errno.EINVAL;
            return node.ReadLink(buffer);
        }

        // ---- attributes ----

        /// <summary>chmod(): the permission, set-ID and sticky bits; the type bits stay.</summary>
        public static int SetMode(Inode node, uint mode)
        {
            if (OnReadOnly(node))
                return -Errno.EROFS;
            node.Mode = (node.Mode & InodeMode.S_IFMT) | (mode & InodeMode.PermissionMask);
            node.TouchChanged();
            return 0;
        }

        /// <summary>chown(): uint.MaxValue (-1) leaves an id unchanged. Clears set-user-ID (and set-group-ID of group-executables) on non-directories, as Linux does.</summary>
        public static int SetOwner(Inode node, uint uid, uint gid)
        {
            if (OnReadOnly(node))
                return -Errno.EROFS;
            if (uid != uint.MaxValue)
                node.Uid = uid;
            if (gid != uint.MaxValue)
                node.Gid = gid;
            if (!node.IsDirectory)
            {
                uint mode = node.Mode & ~InodeMode.S_ISUID;
                if ((mode & InodeMode.S_IXGRP) != 0)
                    mode &= ~InodeMode.S_ISGID;
                node.Mode = mode;
            }
            node.TouchChanged();
            return 0;
        }

        /// <summary>utimensat(): each time may be <see cref="Timespec.UtimeNow"/> or <see cref="Timespec.UtimeOmit"/> in Nsec; EINVAL for other nanoseconds outside 0..999999999.</summary>
        public static int SetTimes(Inode node, Timespec atime, Timespec mtime)
        {
            if (!ValidTime(atime) || !ValidTime(mtime))
                return -Errno.EINVAL;
            bool omitA = atime.Nsec == Timespec.UtimeOmit, omitM = mtime.Nsec == Timespec.UtimeOmit;
            if (omitA && omitM)
                return 0;
            if (OnReadOnly(node))
                return -Errno.EROFS;
            Timespec now = node.Fs != null ? node.Fs.Now() : default;
            if (!omitA)
                node.Atime = atime.Nsec == Timespec.UtimeNow ? now : atime;
            if (!omitM)
                node.Mtime = mtime.Nsec == Timespec.UtimeNow ? now : mtime;
            node.Ctime = now;
            return 0;
        }

        private static bool ValidTime(Timespec t)
            => t.Nsec == Timespec.UtimeNow || t.Nsec == Timespec.UtimeOmit || (t.Nsec >= 0 && t.Nsec < 1000000000);

        /// <summary>truncate(): EINVAL for a negative size or a non-regular file, EISDIR for a directory.</summary>
        public static int Truncate(Inode node, long size)
        {
            if (size < 0)
                return -Errno.EINVAL;
            if (node.IsDirectory)
                return -Errno.EISDIR;
            if (!node.IsRegular)
                return -Errno.EINVAL;
            if (OnReadOnly(node))
                return -Errno.EROFS;
            return node.Truncate((ulong)size);
        }

        /// <summary>
        /// rename's checks when the new name exists (for file systems' Rename): EEXIST with
        /// RENAME_NOREPLACE, a directory only over a directory (ENOTDIR/EISDIR), and only an empty one (ENOTEMPTY).
        /// </summary>
        public static int CheckReplace(Inode source, Inode victim, uint flags)
        {
            if ((flags & RenameNoReplace) != 0)
                return -Errno.EEXIST;
            if (source.IsDirectory != victim.IsDirectory)
                return source.IsDirectory ? -Errno.ENOTDIR : -Errno.EISDIR;
            if (victim.IsDirectory && !victim.IsEmptyDirectory)
                return -Errno.ENOTEMPTY;
            return 0;
        }

        /// <summary>True for an inode of a file system mounted read-only (changes answer EROFS).</summary>
        public static bool OnReadOnly(Inode node) => node.Fs != null && node.Fs.ReadOnly;

        // ---- mounts ----

        /// <summary>Mounts the file system whose root is <paramref name="fsRoot"/> on the directory <paramref name="mountPoint"/> (both are held until unmounted).</summary>
        public static int Mount(Inode mountPoint, Inode fsRoot)
        {
            if (!mountPoint.IsDirectory || !fsRoot.IsDirectory)
                return -Errno.ENOTDIR;
            if (mountPoint.MountedHere != null || fsRoot.MountPoint != null || mountPoint == fsRoot)
                return -Errno.EBUSY;
            mountPoint.Acquire();
            fsRoot.Acquire();
            mountPoint.MountedHere = fsRoot;
            fsRoot.MountPoint = mountPoint;
            return 0;
        }

        /// <summary>Detaches the file system whose root is <paramref name="fsRoot"/>; EINVAL if it is not mounted, EBUSY if something is mounted inside it on its root.</summary>
        public static int Unmount(Inode fsRoot)
        {
            Inode? mountPoint = fsRoot.MountPoint;
            if (mountPoint == null)
                return -Errno.EINVAL;
            if (fsRoot.MountedHere != null)
                return -Errno.EBUSY;
            mountPoint.MountedHere = null;
            fsRoot.MountPoint = null;
            fsRoot.Release();
            mountPoint.Release();
            return 0;
        }

        // ---- directories ----

        /// <summary>
        /// Directory iteration for getdents: cookie 0 is ".", 1 is "..", then the directory's own
        /// entries. Returns 1 (entry filled), 0 (end) or -errno (ENOTDIR; ENOENT for a removed directory).
        /// </summary>
        public static int ReadDir(Inode dir, ulong cookie, ref DirEntry entry)
        {
            if (!dir.IsDirectory)
                return -Errno.ENOTDIR;
            if (dir.Nlink == 0)
                return -Errno.ENOENT;
            if (cookie < 2)
            {
                Inode self = cookie == 0 ? dir : (dir.Parent ?? dir);
                entry.Ino = self.Ino;
                entry.Type = InodeMode.DT_DIR;
                entry.NextCookie = cookie + 1;
                entry.SetName(cookie == 0 ? "."u8 : ".."u8);
                return 1;
            }
            return dir.ReadDir(cookie, ref entry);
        }

        /// <summary>
        /// getcwd(): the path of directory <paramref name="node"/> as seen from <paramref name="root"/>,
        /// NUL-terminated in <paramref name="buffer"/>; returns the length with the NUL, ERANGE when it
        /// does not fit, ENOENT for a removed directory.
        /// </summary>
        public static unsafe int PathOf(Inode root, Inode node, Span<byte> buffer)
        {
            if (node.Nlink == 0)
                return -Errno.ENOENT;
            int pos = buffer.Length; // the path is built backwards from the end
            if (pos < 1)
                return -Errno.ERANGE;
            buffer[--pos] = 0;
            DirEntry entry = default;
            for (int guard = 0; guard < 100000; guard++)
            {
                while (node != root && node.MountPoint != null)
                    node = node.MountPoint;
                if (node == root)
                    break;
                Inode? parent = node.Parent;
                if (parent == null || parent == node)
                    break; // a root that is not ours: stop here (Linux shows it as "/" too)
                bool found = false;
                ulong cookie = 2;
                while (parent.ReadDir(cookie, ref entry) == 1)
                {
                    if (entry.Ino == node.Ino && parent.Lookup(new ReadOnlySpan<byte>(entry.Name, entry.NameLength), out Inode? match) == 0 && match == node)
                    {
                        found = true;
                        break;
                    }
                    cookie = entry.NextCookie;
                }
                if (!found)
                    return -Errno.ENOENT;
                if (pos < entry.NameLength + 1)
                    return -Errno.ERANGE;
                pos -= entry.NameLength;
                for (int i = 0; i < entry.NameLength; i++)
                    buffer[pos + i] = entry.Name[i];
                buffer[--pos] = (byte)'/';
                node = parent;
            }
            if (pos == buffer.Length - 1)
            {
                if (pos < 1)
                    return -Errno.ERANGE;
                buffer[--pos] = (byte)'/';
            }
            int length = buffer.Length - pos;
            for (int i = 0; i < length; i++)
                buffer[i] = buffer[pos + i];
            return length;
        }
    }
}
