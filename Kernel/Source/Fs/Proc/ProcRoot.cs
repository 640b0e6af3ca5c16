using System;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Processes;

namespace Kernel.Fs.Proc
{
    /// <summary>/proc itself: the per-system files (meminfo, uptime, mounts...), self, and a directory per live process.</summary>
    public sealed class ProcRoot : ProcFixedDir
    {
        private const ulong PidCookieBase = 0x10000;

        public void Build()
        {
            AddFile("meminfo"u8, ProcContent.MemInfo, null);
            AddFile("uptime"u8, ProcContent.Uptime, null);
            AddFile("mounts"u8, ProcContent.Mounts, null);
            AddFile("cpuinfo"u8, ProcContent.CpuInfo, null);
            AddFile("stat"u8, ProcContent.Stat, null);
            AddFile("loadavg"u8, ProcContent.LoadAvg, null);
            AddFile("version"u8, ProcContent.Version, null);
            AddFile("filesystems"u8, ProcContent.FileSystems, null);
            AddFile("partitions"u8, ProcContent.Partitions, null);
            AddFile("vmstat"u8, ProcContent.VmStat, null);
            var sys = new ProcSysDir { Mode = InodeMode.S_IFDIR | InodeMode.S_IRUGO | InodeMode.S_IXUGO };
            Add("sys"u8, sys);
            sys.Nlink = 3;
            sys.Build();
            var net = new ProcNetDir { Mode = InodeMode.S_IFDIR | InodeMode.S_IRUGO | InodeMode.S_IXUGO };
            Add("net"u8, net);
            net.Nlink = 2;
            net.Build();
            Add("self"u8, new ProcLink(ProcLink.Kind.Self, null) { Mode = InodeMode.S_IFLNK | InodeMode.S_IRWXUGO });
        }

        public override Inode? Parent => this;

        public override int Lookup(ReadOnlySpan<byte> name, out Inode? node)
        {
            if (LookupFixed(name, out node) == 0)
                return 0;
            if (ProcFs.ParsePid(name, out int pid))
            {
                Process? p = Process.Find(pid);
                if (p != null && p.State == ProcessState.Alive)
                {
                    node = ProcFs.DirectoryOf(p);
                    return node != null ? 0 : -Errno.ENOENT;
                }
                // As Linux, /proc/TID of a thread that does not lead its group resolves (to its process's
                // directory here) though ReadDir does not list it.
                Threading.KernelThread? thread = p == null ? Process.FindThread(pid) : null;
                if (thread != null && thread.Process != null && thread.Process.State == ProcessState.Alive)
                {
                    node = ProcFs.DirectoryOf(thread.Process);
                    return node != null ? 0 : -Errno.ENOENT;
                }
            }
            node = null;
            return -Errno.ENOENT;
        }

        public override int ReadDir(ulong cookie, ref DirEntry entry)
        {
            if (cookie < PidCookieBase)
            {
                int r = ReadFixed(cookie, ref entry);
                if (r != 0)
                    return r;
                cookie = PidCookieBase;
            }
            // The live process with the smallest pid >= cookie - base.
            int wanted = (int)(cookie - PidCookieBase);
            Process? best = null;
            for (Process? p = Process.First; p != null; p = p.NextInTable)
                if (p.State == ProcessState.Alive && p.Pid >= wanted && (best == null || p.Pid < best.Pid))
                    best = p;
            if (best == null)
                return 0;
            Span<byte> name = stackalloc byte[12];
            var t = new TextBuilder(name);
            t.Decimal((ulong)best.Pid);
            entry.Ino = ProcFs.DirectoryOf(best)?.Ino ?? 0;
            entry.Type = InodeMode.DT_DIR;
            entry.NextCookie = PidCookieBase + (ulong)best.Pid + 1;
            entry.SetName(t.Text);
            return 1;
        }
    }
}
