using System;
using Kernel.Logic.Fs;
using Kernel.Logic;

namespace Kernel.Fs
{
    /// <summary>
    /// memfd_create's files: regular files of a tmpfs that is mounted nowhere (Linux's internal shm mount),
    /// created and unlinked at once, so that only their descriptors reach them. Readable, writable,
    /// resizable and mappable like any tmpfs file; /proc/PID/fd shows "/memfd:NAME (deleted)".
    /// </summary>
    public static class MemFd
    {
        /// <summary>Longest name accepted (Linux's 249 bytes: NAME_MAX less "memfd:").</summary>
        public const int MaxName = 249;

        private static FileSystem? s_fs;
        private static ulong s_next;

        public static int Create(ReadOnlySpan<byte> name, int flags, uint uid, uint gid, out OpenFile? file)
        {
            file = null;
            s_fs ??= FileSystems.NewTmpfs();
            Span<byte> unique = stackalloc byte[24];
            var t = new TextBuilder(unique);
            t.Decimal(++s_next);
            int r = s_fs.Root.CreateNode(t.Text, InodeMode.S_IFREG | 0x1FF, 0, uid, gid, out Inode? node);
            if (r < 0)
                return r;
            file = new InodeFile(node!, OpenFlags.ReadWrite | flags);
            s_fs.Root.Remove(t.Text);
            Span<byte> path = stackalloc byte[MaxName + 32];
            var p = new TextBuilder(path);
            p.Append("/memfd:"u8);
            p.Append(name);
            p.Append(" (deleted)"u8);
            file.SetPath(p.Text);
            return 0;
        }
    }
}
