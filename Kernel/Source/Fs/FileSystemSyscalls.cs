using System;
using Kernel.Arch;
using Kernel.Fs.Proc;
using Kernel.Logic.Block;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Processes;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Fs
{
    /// <summary>System calls on names in the file system: open, stat, directories, links, renames, permissions and owners, times, the working and root directories, truncate, statfs, mount.</summary>
    public static unsafe class FileSystemSyscalls
    {
        private const int AtFdCwd = -100;
        private const int AtSymlinkNofollow = 0x100, AtRemoveDir = 0x200, AtSymlinkFollow = 0x400, AtEaccess = 0x200, AtEmptyPath = 0x1000;

        public static void Register()
        {
            Syscalls.Register("openat"u8, &OpenAt);
            Syscalls.Register("newfstatat"u8, &NewFstatAt);
            Syscalls.Register("statx"u8, &Statx);
            Syscalls.Register("getdents64"u8, &Getdents64);
            Syscalls.Register("mkdirat"u8, &MkdirAt);
            Syscalls.Register("mknodat"u8, &MknodAt);
            Syscalls.Register("unlinkat"u8, &UnlinkAt);
            Syscalls.Register("renameat"u8, &RenameAt);
            Syscalls.Register("renameat2"u8, &RenameAt2);
            Syscalls.Register("linkat"u8, &LinkAt);
            Syscalls.Register("symlinkat"u8, &SymlinkAt);
            Syscalls.Register("readlinkat"u8, &ReadlinkAt);
            Syscalls.Register("fchmod"u8, &Fchmod);
            Syscalls.Register("fchmodat"u8, &FchmodAt);
            Syscalls.Register("fchown"u8, &Fchown);
            Syscalls.Register("fchownat"u8, &FchownAt);
            Syscalls.Register("utimensat"u8, &UtimensAt);
            Syscalls.Register("faccessat"u8, &FaccessAt);
            Syscalls.Register("faccessat2"u8, &FaccessAt2);
            Syscalls.Register("getcwd"u8, &Getcwd);
            Syscalls.Register("chdir"u8, &Chdir);
            Syscalls.Register("fchdir"u8, &Fchdir);
            Syscalls.Register("chroot"u8, &Chroot);
            Syscalls.Register("truncate"u8, &Truncate);
            Syscalls.Register("ftruncate"u8, &Ftruncate);
            Syscalls.Register("statfs"u8, &Statfs);
            Syscalls.Register("fstatfs"u8, &Fstatfs);
            Syscalls.Register("mount"u8, &Mount);
            Syscalls.Register("umount2"u8, &Umount2);
            Syscalls.Register("getxattr"u8, &GetXattr);
            Syscalls.Register("lgetxattr"u8, &LgetXattr);
            Syscalls.Register("fgetxattr"u8, &FgetXattr);
            Syscalls.Register("listxattr"u8, &ListXattr);
            Syscalls.Register("llistxattr"u8, &LlistXattr);
            Syscalls.Register("flistxattr"u8, &FlistXattr);
            Syscalls.Register("setxattr"u8, &SetXattr);
            Syscalls.Register("lsetxattr"u8, &LsetXattr);
            Syscalls.Register("fsetxattr"u8, &FsetXattr);
            Syscalls.Register("removexattr"u8, &RemoveXattr);
            Syscalls.Register("lremovexattr"u8, &LremoveXattr);
            Syscalls.Register("fremovexattr"u8, &FremoveXattr);
        }

        private static FsContext Fsc => Current.Fs!;

        /// <summary>The directory relative paths start from: the cwd, or the directory open as <paramref name="dirfd"/>.</summary>
        private static int StartDirectory(int dirfd, ReadOnlySpan<byte> path, out Inode? start)
        {
            start = null;
            if ((path.Length > 0 && path[0] == '/') || dirfd == AtFdCwd)
            {
                start = Fsc.Cwd;
                return 0;
            }
            OpenFile? f = File(dirfd);
            if (f == null)
                return -Errno.EBADF;
            if (f.Node == null || !f.Node.IsDirectory)
                return -Errno.ENOTDIR;
            start = f.Node;
            return 0;
        }

        private static int ReadPath(ulong address, Span<byte> buffer)
        {
            int n = UserMemory.ReadString(address, buffer);
            return n;
        }

        /// <summary>Resolves (dirfd, path) with AT_EMPTY_PATH support; the inode is borrowed.</summary>
        private static int Lookup(int dirfd, ulong pathAddress, int atFlags, bool follow, out Inode? node)
        {
            node = null;
            Span<byte> path = stackalloc byte[Vfs.PathMax];
            int n = ReadPath(pathAddress, path);
            if (n < 0)
                return n;
            if (n == 0 && (atFlags & AtEmptyPath) != 0)
            {
                if (dirfd == AtFdCwd)
                {
                    node = Fsc.Cwd;
                    return 0;
                }
                OpenFile? f = File(dirfd);
                if (f == null)
                    return -Errno.EBADF;
                node = f.Node;
                return node != null ? 0 : -Errno.EBADF;
            }
            ReadOnlySpan<byte> p = path.Slice(0, n);
            int r = StartDirectory(dirfd, p, out Inode? start);
            if (r < 0)
                return r;
            return Vfs.Resolve(Fsc.Root, start!, p, follow ? 0 : Vfs.NoFollow, out node);
        }

        private static long OpenAt(TrapFrame* f)
        {
            int dirfd = Int(f, 0), flags = Int(f, 2);
            uint mode = (uint)f->X[3] & InodeMode.PermissionMask;
            Span<byte> path = stackalloc byte[Vfs.PathMax];
            int n = ReadPath(f->X[1], path);
            if (n < 0)
                return n;
            ReadOnlySpan<byte> p = path.Slice(0, n);
            int r = StartDirectory(dirfd, p, out Inode? start);
            if (r < 0)
                return r;
            Process proc = Current;
            r = FileOpen.Open(proc, start!, p, flags, mode, out OpenFile? file);
            if (r < 0)
                return r;
            return proc.Files!.Install(file!, (flags & OpenFlags.CloseOnExec) != 0);
        }

        private static long NewFstatAt(TrapFrame* f)
        {
            int flags = Int(f, 3);
            if ((flags & ~(AtSymlinkNofollow | AtEmptyPath | 0x800 /* AT_NO_AUTOMOUNT */)) != 0)
                return -Errno.EINVAL;
            Span<byte> st = stackalloc byte[128];
            if ((flags & AtEmptyPath) != 0 && Int(f, 0) != AtFdCwd && UserMemory.Read(f->X[1], out byte first) == 0 && first == 0)
            {
                // fstat through newfstatat(fd, "", AT_EMPTY_PATH): any open file, pipes included.
                OpenFile? open = File(Int(f, 0));
                if (open == null)
                    return -Errno.EBADF;
                int s = open.Stat(st);
                return s < 0 ? s : UserMemory.CopyOut(f->X[2], st);
            }
            int r = Lookup(Int(f, 0), f->X[1], flags, (flags & AtSymlinkNofollow) == 0, out Inode? node);
            if (r < 0)
                return r;
            StatLayout.WriteStat(node!, st);
            return UserMemory.CopyOut(f->X[2], st);
        }

        private static long Statx(TrapFrame* f)
        {
            int flags = Int(f, 2);
            if ((f->X[3] & 0x80000000UL) != 0) // STATX__RESERVED
                return -Errno.EINVAL;
            int r = Lookup(Int(f, 0), f->X[1], flags, (flags & AtSymlinkNofollow) == 0, out Inode? node);
            if (r < 0)
                return r;
            Span<byte> sx = stackalloc byte[256];
            StatLayout.WriteStatx(node!, sx);
            return UserMemory.CopyOut(f->X[4], sx);
        }

        private static long Getdents64(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file.Node == null || !file.Node.IsDirectory)
                return -Errno.ENOTDIR;
            ulong size = f->X[2];
            int chunk = size > 4096 ? 4096 : (int)size;
            byte* buffer = stackalloc byte[4096];
            ulong cookie = (ulong)file.Offset;
            int n = StatLayout.FillDirents(file.Node, ref cookie, new Span<byte>(buffer, chunk));
            if (n < 0)
                return n;
            if (n > 0 && UserMemory.CopyOut(f->X[1], new ReadOnlySpan<byte>(buffer, n)) < 0)
                return -Errno.EFAULT;
            file.Offset = (long)cookie;
            return n;
        }

        /// <summary>Non-root callers need write and search permission on the directory a name is added to or removed from.</summary>
        private static int CheckParentWritable(Inode start, ReadOnlySpan<byte> path)
        {
            Process p = Current;
            if (p.Euid == 0)
                return 0;
            int r = Vfs.ResolveParent(Fsc.Root, start, path, out Inode? dir, out _, out _);
            if (r < 0)
                return 0; // the operation itself reports the lookup error
            if (!Permissions.MayAccess(dir!, p, Permissions.Write | Permissions.Search))
                return -Errno.EACCES;
            // Sticky directories: only the owner of the entry or of the directory may remove or rename it.
            return 0;
        }

        /// <summary>Reads a path argument and its start directory.</summary>
        private static int PathArgument(int dirfd, ulong address, Span<byte> buffer, out ReadOnlySpan<byte> path, out Inode? start)
        {
            path = default;
            start = null;
            int n = ReadPath(address, buffer);
            if (n < 0)
                return n;
            path = buffer.Slice(0, n);
            return StartDirectory(dirfd, path, out start);
        }

        private static long MkdirAt(TrapFrame* f)
        {
            Span<byte> buffer = stackalloc byte[Vfs.PathMax];
            int r = PathArgument(Int(f, 0), f->X[1], buffer, out ReadOnlySpan<byte> path, out Inode? start);
            if (r < 0)
                return r;
            Process p = Current;
            r = CheckParentWritable(start!, path);
            if (r < 0)
                return r;
            return Vfs.Mkdir(Fsc.Root, start!, path, ((uint)f->X[2] & InodeMode.PermissionMask) & ~p.Umask, p.Euid, p.Egid, out _);
        }

        private static long MknodAt(TrapFrame* f)
        {
            Span<byte> buffer = stackalloc byte[Vfs.PathMax];
            int r = PathArgument(Int(f, 0), f->X[1], buffer, out ReadOnlySpan<byte> path, out Inode? start);
            if (r < 0)
                return r;
            Process p = Current;
            uint mode = (uint)f->X[2];
            uint type = mode & InodeMode.S_IFMT;
            if (type == 0)
                mode |= InodeMode.S_IFREG;
            else if (type != InodeMode.S_IFREG && type != InodeMode.S_IFCHR && type != InodeMode.S_IFBLK && type != InodeMode.S_IFIFO && type != InodeMode.S_IFSOCK)
                return -Errno.EINVAL;
            if ((type == InodeMode.S_IFCHR || type == InodeMode.S_IFBLK) && p.Euid != 0)
                return -Errno.EPERM;
            mode = (mode & InodeMode.S_IFMT) | ((mode & InodeMode.PermissionMask) & ~p.Umask);
            return Vfs.Mknod(Fsc.Root, start!, path, mode, f->X[3], p.Euid, p.Egid, out _);
        }

        private static long UnlinkAt(TrapFrame* f)
        {
            int flags = Int(f, 2);
            if ((flags & ~AtRemoveDir) != 0)
                return -Errno.EINVAL;
            Span<byte> buffer = stackalloc byte[Vfs.PathMax];
            int r = PathArgument(Int(f, 0), f->X[1], buffer, out ReadOnlySpan<byte> path, out Inode? start);
            if (r < 0)
                return r;
            r = CheckParentWritable(start!, path);
            if (r < 0)
                return r;
            return (flags & AtRemoveDir) != 0 ? Vfs.Rmdir(Fsc.Root, start!, path) : Vfs.Unlink(Fsc.Root, start!, path);
        }

        private static long Rename(int oldDirfd, ulong oldPath, int newDirfd, ulong newPath, uint flags)
        {
            Span<byte> a = stackalloc byte[Vfs.PathMax];
            Span<byte> b = stackalloc byte[Vfs.PathMax];
            int r = PathArgument(oldDirfd, oldPath, a, out ReadOnlySpan<byte> from, out Inode? fromStart);
            if (r < 0)
                return r;
            r = PathArgument(newDirfd, newPath, b, out ReadOnlySpan<byte> to, out Inode? toStart);
            if (r < 0)
                return r;
            r = CheckParentWritable(fromStart!, from);
            if (r == 0)
                r = CheckParentWritable(toStart!, to);
            if (r < 0)
                return r;
            return Vfs.Rename(Fsc.Root, fromStart!, from, toStart!, to, flags);
        }

        private static long RenameAt(TrapFrame* f) => Rename(Int(f, 0), f->X[1], Int(f, 2), f->X[3], 0);

        private static long RenameAt2(TrapFrame* f)
        {
            uint flags = (uint)f->X[4];
            if ((flags & ~(Vfs.RenameNoReplace | Vfs.RenameExchange)) != 0 || flags == (Vfs.RenameNoReplace | Vfs.RenameExchange))
                return -Errno.EINVAL;
            return Rename(Int(f, 0), f->X[1], Int(f, 2), f->X[3], flags);
        }

        private static long LinkAt(TrapFrame* f)
        {
            int flags = Int(f, 4);
            if ((flags & ~(AtSymlinkFollow | AtEmptyPath)) != 0)
                return -Errno.EINVAL;
            Span<byte> a = stackalloc byte[Vfs.PathMax];
            Span<byte> b = stackalloc byte[Vfs.PathMax];
            int r = PathArgument(Int(f, 0), f->X[1], a, out ReadOnlySpan<byte> from, out Inode? fromStart);
            if (r < 0)
                return r;
            r = PathArgument(Int(f, 2), f->X[3], b, out ReadOnlySpan<byte> to, out Inode? toStart);
            if (r < 0)
                return r;
            return Vfs.Link(Fsc.Root, fromStart!, from, (flags & AtSymlinkFollow) != 0, toStart!, to);
        }

        private static long SymlinkAt(TrapFrame* f)
        {
            Span<byte> target = stackalloc byte[Vfs.PathMax];
            int n = ReadPath(f->X[0], target);
            if (n < 0)
                return n;
            if (n == 0)
                return -Errno.ENOENT;
            Span<byte> buffer = stackalloc byte[Vfs.PathMax];
            int r = PathArgument(Int(f, 1), f->X[2], buffer, out ReadOnlySpan<byte> path, out Inode? start);
            if (r < 0)
                return r;
            Process p = Current;
            r = CheckParentWritable(start!, path);
            if (r < 0)
                return r;
            return Vfs.Symlink(Fsc.Root, start!, target.Slice(0, n), path, p.Euid, p.Egid, out _);
        }

        private static long ReadlinkAt(TrapFrame* f)
        {
            long size = (long)f->X[3];
            if (size <= 0)
                return -Errno.EINVAL;
            int r = Lookup(Int(f, 0), f->X[1], AtEmptyPath, false, out Inode? node);
            if (r < 0)
                return r;
            if (!node!.IsSymlink)
                return -Errno.EINVAL;
            Span<byte> text = stackalloc byte[Vfs.PathMax];
            int n = node.ReadLink(text);
            if (n < 0)
                return n;
            if (n > size)
                n = (int)size;
            return UserMemory.CopyOut(f->X[2], text.Slice(0, n)) < 0 ? -Errno.EFAULT : n;
        }

        private static int ChangeMode(Inode node, uint mode)
        {
            Process p = Current;
            if (p.Euid != 0 && p.Euid != node.Uid)
                return -Errno.EPERM;
            return Vfs.SetMode(node, mode & InodeMode.PermissionMask);
        }

        private static long Fchmod(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file.Node == null)
                return -Errno.EINVAL;
            return ChangeMode(file.Node, (uint)f->X[1]);
        }

        private static long FchmodAt(TrapFrame* f)
        {
            int r = Lookup(Int(f, 0), f->X[1], 0, true, out Inode? node);
            return r < 0 ? r : ChangeMode(node!, (uint)f->X[2]);
        }

        private static int ChangeOwner(Inode node, uint uid, uint gid)
        {
            Process p = Current;
            if (p.Euid != 0)
                return -Errno.EPERM;
            return Vfs.SetOwner(node, uid, gid);
        }

        private static long Fchown(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file.Node == null)
                return -Errno.EINVAL;
            return ChangeOwner(file.Node, (uint)f->X[1], (uint)f->X[2]);
        }

        private static long FchownAt(TrapFrame* f)
        {
            int flags = Int(f, 4);
            int r = Lookup(Int(f, 0), f->X[1], flags, (flags & AtSymlinkNofollow) == 0, out Inode? node);
            return r < 0 ? r : ChangeOwner(node!, (uint)f->X[2], (uint)f->X[3]);
        }

        private static long UtimensAt(TrapFrame* f)
        {
            int dirfd = Int(f, 0), flags = Int(f, 3);
            Inode? node;
            int r;
            if (f->X[1] == 0)
            {
                // utimensat(fd, NULL, ...) is futimens.
                OpenFile? file = File(dirfd);
                if (file == null)
                    return -Errno.EBADF;
                node = file.Node;
                if (node == null)
                    return -Errno.EINVAL;
            }
            else
            {
                r = Lookup(dirfd, f->X[1], flags, (flags & AtSymlinkNofollow) == 0, out node);
                if (r < 0)
                    return r;
            }
            Timespec atime = new Timespec(0, Timespec.UtimeNow), mtime = new Timespec(0, Timespec.UtimeNow);
            if (f->X[2] != 0)
            {
                if (UserMemory.Read(f->X[2], out long aSec) < 0 || UserMemory.Read(f->X[2] + 8, out long aNsec) < 0
                    || UserMemory.Read(f->X[2] + 16, out long mSec) < 0 || UserMemory.Read(f->X[2] + 24, out long mNsec) < 0)
                    return -Errno.EFAULT;
                atime = new Timespec(aSec, aNsec);
                mtime = new Timespec(mSec, mNsec);
            }
            return Vfs.SetTimes(node!, atime, mtime);
        }

        private static long Access(int dirfd, ulong path, int mode, int flags)
        {
            if ((mode & ~7) != 0 || (flags & ~(AtSymlinkNofollow | AtEaccess | AtEmptyPath)) != 0)
                return -Errno.EINVAL;
            int r = Lookup(dirfd, path, flags, (flags & AtSymlinkNofollow) == 0, out Inode? node);
            if (r < 0)
                return r;
            Process p = Current;
            if (mode == 0)
                return 0;
            if (p.Uid == 0)
            {
                // Root may do anything, except execute a file no one may execute.
                if ((mode & Permissions.Execute) != 0 && !node!.IsDirectory && (node.Mode & InodeMode.S_IXUGO) == 0)
                    return -Errno.EACCES;
                return 0;
            }
            return Permissions.MayAccess(node!, p, mode) ? 0 : -Errno.EACCES;
        }

        private static long FaccessAt(TrapFrame* f) => Access(Int(f, 0), f->X[1], Int(f, 2), 0);
        private static long FaccessAt2(TrapFrame* f) => Access(Int(f, 0), f->X[1], Int(f, 2), Int(f, 3));

        private static long Getcwd(TrapFrame* f)
        {
            Span<byte> buffer = stackalloc byte[Vfs.PathMax];
            int n = Vfs.PathOf(Fsc.Root, Fsc.Cwd, buffer);
            if (n == -Errno.ERANGE)
                return -Errno.ENAMETOOLONG; // longer than Linux's one-page buffer (PATH_MAX), whatever the caller's size
            if (n < 0)
                return n;
            if ((ulong)n > f->X[1])
                return -Errno.ERANGE;
            return UserMemory.CopyOut(f->X[0], buffer.Slice(0, n)) < 0 ? -Errno.EFAULT : n;
        }

        private static long Chdir(TrapFrame* f)
        {
            int r = Lookup(AtFdCwd, f->X[0], 0, true, out Inode? node);
            if (r < 0)
                return r;
            if (!node!.IsDirectory)
                return -Errno.ENOTDIR;
            Fsc.SetCwd(node);
            return 0;
        }

        private static long Fchdir(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file.Node == null || !file.Node.IsDirectory)
                return -Errno.ENOTDIR;
            Fsc.SetCwd(file.Node);
            return 0;
        }

        private static long Chroot(TrapFrame* f)
        {
            if (Current.Euid != 0)
                return -Errno.EPERM;
            int r = Lookup(AtFdCwd, f->X[0], 0, true, out Inode? node);
            if (r < 0)
                return r;
            if (!node!.IsDirectory)
                return -Errno.ENOTDIR;
            FsContext c = Fsc;
            node.Acquire();
            c.Root.Release();
            c.Root = node;
            return 0;
        }

        private static long Truncate(TrapFrame* f)
        {
            int r = Lookup(AtFdCwd, f->X[0], 0, true, out Inode? node);
            if (r < 0)
                return r;
            if (node!.IsDirectory)
                return -Errno.EISDIR;
            return Vfs.Truncate(node, (long)f->X[1]);
        }

        private static long Ftruncate(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file.Node == null || !file.Node.IsRegular || !file.CanWrite)
                return -Errno.EINVAL;
            return Vfs.Truncate(file.Node, (long)f->X[1]);
        }

        private static int FillStatfs(Inode node, ulong address)
        {
            Span<byte> st = stackalloc byte[120];
            st.Clear();
            const ulong StRdonly = 1, StValid = 0x20;
            if (node.Fs?.Operations is FileSystemOperations ops)
            {
                int rc = ops.StatFs(out StatFsInfo info);
                if (rc < 0)
                    return rc;
                LittleEndian.Put64(st, 0, info.Type);
                LittleEndian.Put64(st, 8, info.BlockSize);
                LittleEndian.Put64(st, 16, info.Blocks);
                LittleEndian.Put64(st, 24, info.BlocksFree);
                LittleEndian.Put64(st, 32, info.BlocksAvailable);
                LittleEndian.Put64(st, 40, info.Files);
                LittleEndian.Put64(st, 48, info.FilesFree);
                LittleEndian.Put64(st, 56, node.Fs.Dev);       // f_fsid
                LittleEndian.Put64(st, 64, info.NameMax);
                LittleEndian.Put64(st, 72, info.BlockSize);    // f_frsize
                LittleEndian.Put64(st, 80, StValid | (node.Fs.ReadOnly ? StRdonly : 0)); // f_flags
                return UserMemory.CopyOut(address, st);
            }
            ulong total = Memory.MemoryManager.TotalBytes / PageAllocator.PageSize, free = Memory.MemoryManager.Pages.FreeBytes / PageAllocator.PageSize;
            Logic.Fs.FileSystem? fs = node.Fs;
            ulong blocks = fs != null && fs.PageLimit != 0 ? fs.PageLimit : 0;
            ulong used = fs != null ? fs.PagesInUse : 0;
            ulong left = blocks > used ? blocks - used : 0;
            if (left > free)
                left = free;
            LittleEndian.Put64(st, 0, fs == ProcFs.Instance ? 0x9fa0UL : 0x01021994UL); // PROC_SUPER_MAGIC / TMPFS_MAGIC
            LittleEndian.Put64(st, 8, 4096);       // f_bsize
            LittleEndian.Put64(st, 16, blocks);    // f_blocks: the tmpfs's size (0 for /proc and the like)
            LittleEndian.Put64(st, 24, left);      // f_bfree
            LittleEndian.Put64(st, 32, left);      // f_bavail
            LittleEndian.Put64(st, 40, total / 4); // f_files
            LittleEndian.Put64(st, 48, total / 4); // f_ffree
            LittleEndian.Put64(st, 64, 255);       // f_namelen
            LittleEndian.Put64(st, 72, 4096);      // f_frsize
            return UserMemory.CopyOut(address, st);
        }

        // ---- Extended attributes: no file system of this kernel supports them ----
        // As Linux answers for a file system without xattr handlers: getting, setting or removing one
        // is EOPNOTSUPP, and a list is empty. The file must exist all the same.

        private static int XattrTarget(TrapFrame* f, bool follow) => Lookup(AtFdCwd, f->X[0], 0, follow, out _);

        private static int XattrFile(TrapFrame* f) => File(Int(f, 0)) == null ? -Errno.EBADF : 0;

        private static long GetXattr(TrapFrame* f) => XattrTarget(f, true) is int r and < 0 ? r : -Errno.EOPNOTSUPP;
        private static long LgetXattr(TrapFrame* f) => XattrTarget(f, false) is int r and < 0 ? r : -Errno.EOPNOTSUPP;
        private static long FgetXattr(TrapFrame* f) => XattrFile(f) is int r and < 0 ? r : -Errno.EOPNOTSUPP;
        private static long ListXattr(TrapFrame* f) => XattrTarget(f, true) is int r and < 0 ? r : 0;
        private static long LlistXattr(TrapFrame* f) => XattrTarget(f, false) is int r and < 0 ? r : 0;
        private static long FlistXattr(TrapFrame* f) => XattrFile(f) is int r and < 0 ? r : 0;
        private static long SetXattr(TrapFrame* f) => XattrTarget(f, true) is int r and < 0 ? r : -Errno.EOPNOTSUPP;
        private static long LsetXattr(TrapFrame* f) => XattrTarget(f, false) is int r and < 0 ? r : -Errno.EOPNOTSUPP;
        private static long FsetXattr(TrapFrame* f) => XattrFile(f) is int r and < 0 ? r : -Errno.EOPNOTSUPP;
        private static long RemoveXattr(TrapFrame* f) => XattrTarget(f, true) is int r and < 0 ? r : -Errno.EOPNOTSUPP;
        private static long LremoveXattr(TrapFrame* f) => XattrTarget(f, false) is int r and < 0 ? r : -Errno.EOPNOTSUPP;
        private static long FremoveXattr(TrapFrame* f) => XattrFile(f) is int r and < 0 ? r : -Errno.EOPNOTSUPP;

        private static long Statfs(TrapFrame* f)
        {
            int r = Lookup(AtFdCwd, f->X[0], 0, true, out Inode? node);
            return r < 0 ? r : FillStatfs(node!, f->X[1]);
        }

        private static long Fstatfs(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file.Node == null)
                return -Errno.EINVAL;
            return FillStatfs(file.Node, f->X[1]);
        }

        private static long Mount(TrapFrame* f)
        {
            if (Current.Euid != 0)
                return -Errno.EPERM;
            Span<byte> source = stackalloc byte[256];
            Span<byte> type = stackalloc byte[64];
            Span<byte> target = stackalloc byte[Vfs.PathMax];
            const ulong MsReadOnly = 1, MsRemount = 32, MsBind = 4096, MsMove = 8192;
            ulong flags = f->X[3];
            int sn = f->X[0] != 0 ? ReadPath(f->X[0], source) : 0;
            int tn = ReadPath(f->X[1], target);
            if (sn < 0 || tn < 0)
                return sn < 0 ? sn : tn;
            int r = Vfs.Resolve(Fsc.Root, Fsc.Cwd, target.Slice(0, tn), 0, out Inode? node);
            if (r < 0)
                return r;
            if ((flags & MsRemount) != 0)
                return FileSystems.Remount(node!, (flags & MsReadOnly) != 0);
            if ((flags & (MsBind | MsMove)) != 0)
                return -Errno.EINVAL;
            int yn = f->X[2] != 0 ? ReadPath(f->X[2], type) : -Errno.EINVAL;
            if (yn < 0)
                return yn == -Errno.ENAMETOOLONG ? -Errno.ENODEV : yn;
            // The path as mounted, for /proc/mounts.
            Span<byte> canonical = stackalloc byte[Vfs.PathMax];
            int cn = FileSystems.PathOf(node!, Fsc.Root, canonical);
            if (cn < 0)
                return cn;
            if (FileSystems.IsDiskType(type.Slice(0, yn)))
                return MountDisk(source.Slice(0, sn), node!, canonical.Slice(0, cn), type.Slice(0, yn), (flags & MsReadOnly) != 0);
            // Mount options reach only the file systems that take any (devpts).
            Span<byte> data = stackalloc byte[256];
            int dn = 0;
            if (f->X[4] != 0 && Bytes.Equal(type.Slice(0, yn), "devpts"u8))
            {
                dn = ReadPath(f->X[4], data);
                if (dn < 0)
                    return dn == -Errno.ENAMETOOLONG ? -Errno.EINVAL : dn;
            }
            return FileSystems.Mount(source.Slice(0, sn), node!, canonical.Slice(0, cn), type.Slice(0, yn), data.Slice(0, dn));
        }

        /// <summary>The disk half of mount(2): the source must name a block device of a disk the kernel has.</summary>
        private static int MountDisk(ReadOnlySpan<byte> source, Inode target, ReadOnlySpan<byte> targetPath, ReadOnlySpan<byte> type, bool readOnly)
        {
            if (source.Length == 0)
                return -Errno.ENOENT;
            int r = Vfs.Resolve(Fsc.Root, Fsc.Cwd, source, 0, out Inode? device);
            if (r < 0)
                return r;
            if (device!.Type != InodeMode.S_IFBLK)
                return -Errno.ENOTBLK;
            ulong rdev = device.Rdev;
            IBlockDevice? disk = BlockDevices.Find(DeviceNumber.Major(rdev), DeviceNumber.Minor(rdev));
            if (disk == null)
                return -Errno.ENXIO;
            return FileSystems.MountDisk(source, disk, rdev, target, targetPath, type, readOnly, out _);
        }

        private static long Umount2(TrapFrame* f)
        {
            if (Current.Euid != 0)
                return -Errno.EPERM;
            int r = Lookup(AtFdCwd, f->X[0], 0, (Int(f, 1) & 8) == 0, out Inode? node);
            if (r < 0)
                return r;
            return FileSystems.Unmount(node!);
        }
    }
}
