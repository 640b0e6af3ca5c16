using System;
using Kernel.Logic;
using Kernel.Logic.Fs;
using Kernel.Processes;

namespace Kernel.Fs
{
    /// <summary>
    /// What open(2) means, decided in one place: resolving or creating the name, the checks Linux makes
    /// (symlinks, directories, permissions), the kind of open file the inode's type calls for (a device,
    /// a FIFO end, a file), truncation, and the canonical path /proc shows. The system call reads its
    /// arguments and installs the result.
    /// </summary>
    public static class FileOpen
    {
        /// <summary>Flags that only matter while opening: the open file does not keep them.</summary>
        private const int OpeningOnly = OpenFlags.CloseOnExec | OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.NoCtty | OpenFlags.Truncate;

        /// <summary>
        /// Opens <paramref name="path"/> (relative to <paramref name="start"/>) for <paramref name="caller"/>
        /// with open(2)'s <paramref name="flags"/> and, when creating, <paramref name="mode"/> (before the
        /// umask). On success <paramref name="file"/> is a new open file the caller owns; else -errno.
        /// </summary>
        public static int Open(Process caller, Inode start, ReadOnlySpan<byte> path, int flags, uint mode, out OpenFile? file)
        {
            file = null;
            FsContext fs = caller.Fs!;
            Inode? node;
            int r;
            int access = flags & OpenFlags.AccessMode;
            bool pathOnly = (flags & OpenFlags.Path) != 0;
            if (pathOnly)
                flags &= OpenFlags.Path | OpenFlags.Directory | OpenFlags.NoFollow | OpenFlags.CloseOnExec;
            if ((flags & OpenFlags.Create) != 0 && !pathOnly)
            {
                if ((flags & OpenFlags.Directory) != 0)
                    return -Errno.EINVAL;
                int vflags = ((flags & OpenFlags.Exclusive) != 0 ? Vfs.Exclusive : 0) | ((flags & OpenFlags.NoFollow) != 0 ? Vfs.NoFollow : 0);
                if (caller.Euid != 0)
                {
                    // Creating needs write and search permission on the directory (unless the file exists).
                    int e = Vfs.Resolve(fs.Root, start, path, (flags & OpenFlags.NoFollow) != 0 ? Vfs.NoFollow : 0, out _);
                    if (e == -Errno.ENOENT && Vfs.ResolveParent(fs.Root, start, path, out Inode? parent, out _, out _) == 0
                        && !Permissions.MayAccess(parent!, caller, Permissions.Write | Permissions.Search))
                        return -Errno.EACCES;
                }
                r = Vfs.Create(fs.Root, start, path, mode & ~caller.Umask, vflags, caller.Euid, caller.Egid, out node, out _);
            }
            else
            {
                int vflags = ((flags & OpenFlags.NoFollow) != 0 ? Vfs.NoFollow : 0) | ((flags & OpenFlags.Directory) != 0 ? Vfs.Directory : 0);
                r = Vfs.Resolve(fs.Root, start, path, vflags, out node);
            }
            if (r < 0)
                return r;
            if (!pathOnly)
            {
                if (node!.IsSymlink)
                    return -Errno.ELOOP;
                if (node.IsDirectory && (access != OpenFlags.ReadOnly || (flags & OpenFlags.Truncate) != 0))
                    return -Errno.EISDIR;
                if ((flags & OpenFlags.Directory) != 0 && !node.IsDirectory)
                    return -Errno.ENOTDIR;
                int wanted = access == OpenFlags.ReadOnly ? Permissions.Read : access == OpenFlags.WriteOnly ? Permissions.Write : Permissions.Read | Permissions.Write;
                if (caller.Euid != 0 && !Permissions.MayAccess(node, caller, wanted))
                    return -Errno.EACCES;
                r = node.CheckOpen();
                if (r < 0)
                    return r;
                if ((node.IsRegular || node.IsDirectory) && Vfs.OnReadOnly(node)
                    && (access != OpenFlags.ReadOnly || (flags & OpenFlags.Truncate) != 0))
                    return -Errno.EROFS;
            }
            r = FileFor(node!, flags, pathOnly, out OpenFile? opened);
            if (r < 0)
                return r;
            Span<byte> canonical = stackalloc byte[Vfs.PathMax];
            int cn = FileSystems.CanonicalPath(fs.Root, start, path, canonical);
            if (cn > 0)
                opened!.SetPath(canonical.Slice(0, cn));
            file = opened;
            return 0;
        }

        /// <summary>The open file for an inode of each type: a device's own, a FIFO's end, or the inode itself.</summary>
        private static int FileFor(Inode node, int flags, bool pathOnly, out OpenFile? file)
        {
            file = null;
            uint type = node.Type;
            if (!pathOnly && type == InodeMode.S_IFCHR)
            {
                int r = Devices.Open(node.Rdev, flags & ~OpenFlags.CloseOnExec, out OpenFile? device);
                if (r < 0)
                    return r;
                device!.Node = node;
                node.Acquire();
                file = device;
                return 0;
            }
            if (!pathOnly && type == InodeMode.S_IFIFO)
                return NamedPipes.Open(node, flags & ~OpeningOnly, out file);
            if (!pathOnly && type == InodeMode.S_IFBLK)
            {
                int r = Devices.OpenBlock(node.Rdev, flags & ~OpeningOnly, out OpenFile? disk);
                if (r < 0)
                    return r;
                disk!.Node = node;
                node.Acquire();
                file = disk;
                return 0;
            }
            if (!pathOnly && type == InodeMode.S_IFSOCK)
                return -Errno.ENXIO;
            if ((flags & OpenFlags.Truncate) != 0 && node.IsRegular)
            {
                int r = Vfs.Truncate(node, 0);
                if (r < 0)
                    return r;
            }
            file = new InodeFile(node, flags & ~OpeningOnly);
            return 0;
        }
    }
}
