using System;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Processes;
using Kernel.Threading;

namespace Kernel.Fs.Proc
{
    /// <summary>
    /// /proc/PID/task: an entry per thread of the process, named by its thread id: the thread's own
    /// directory (<see cref="ProcThreadDir"/>).
    /// </summary>
    public sealed class ProcTaskDir : Inode
    {
        private Process? _process;

        public ProcTaskDir(Process p) { _process = p; }

        public override Inode? Parent => _process != null ? ProcFs.DirectoryOf(_process) : ProcFs.Instance?.Root;

        public void Detach() => _process = null;

        public override int Lookup(ReadOnlySpan<byte> name, out Inode? node)
        {
            node = null;
            if (_process == null || !ProcFs.ParsePid(name, out int tid))
                return -Errno.ENOENT;
            for (KernelThread? t = _process.Thread; t != null; t = t.NextInGroup)
            {
                if (t.Tid == tid)
                {
                    node = ProcFs.DirectoryOf(t);
                    return node != null ? 0 : -Errno.ENOENT;
                }
            }
            return -Errno.ENOENT;
        }

        public override int ReadDir(ulong cookie, ref DirEntry entry)
        {
            if (_process == null)
                return 0;
            // Cookies 0 and 1 are "." and ".." (Vfs.ReadDir); then the live thread with the smallest id
            // >= cookie - 2 (ids, unlike list positions, survive threads ending).
            int wanted = cookie < 2 ? 0 : (int)(cookie - 2);
            KernelThread? best = null;
            for (KernelThread? t = _process.Thread; t != null; t = t.NextInGroup)
                if (t.Tid >= wanted && (best == null || t.Tid < best.Tid))
                    best = t;
            if (best == null)
                return 0;
            Span<byte> name = stackalloc byte[12];
            var text = new TextBuilder(name);
            text.Decimal((ulong)best.Tid);
            entry.Ino = ProcFs.DirectoryOf(best)?.Ino ?? 0;
            entry.Type = InodeMode.DT_DIR;
            entry.NextCookie = (ulong)best.Tid + 3;
            entry.SetName(text.Text);
            return 1;
        }
    }
}
