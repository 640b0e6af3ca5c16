using System;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Logic.Process;
using Kernel.Logic.Fs;
using Kernel.Memory;
using Kernel.Threading;

namespace Kernel.Processes.Fs
{
    /// <summary>
    /// /proc: system files (meminfo, uptime, mounts, cpuinfo, stat, loadavg, version, filesystems),
    /// "self", and a directory per process. A process's directory is made at its first lookup, kept
    /// by the process and cut loose when the process is reaped (open files of it then read nothing).
    /// Text is generated at every read, so offsets index a fresh, consistent rendering.
    /// </summary>
    public static class ProcFs
    {
        public static FileSystem? Instance;

        public static FileSystem Create(ulong dev)
        {
            var fs = new FileSystem(dev);
            var root = new ProcRoot();
            fs.InitInode(root, InodeMode.S_IFDIR | 0x16D, 0, 0);
            root.Nlink = 2;
            root.Build();
            fs.SetRoot(root);
            Instance = fs;
            return fs;
        }

        /// <summary>A pid's directory (created on demand, owned by the process).</summary>
        public static ProcPidDir? DirectoryOf(Process p)
        {
            if (p.ProcDirectory == null && Instance != null)
            {
                var dir = new ProcPidDir(p);
                Instance.InitInode(dir, InodeMode.S_IFDIR | 0x16D, p.Uid, p.Gid);
                dir.Nlink = 2;
                dir.Build();
                p.ProcDirectory = dir;
            }
            return p.ProcDirectory;
        }

        /// <summary>At reap: the directory no longer describes a live process.</summary>
        public static void Detach(Process p)
        {
            ProcPidDir? dir = p.ProcDirectory;
            if (dir == null)
                return;
            p.ProcDirectory = null;
            dir.Detach();
        }

        internal static bool ParsePid(ReadOnlySpan<byte> name, out int pid)
        {
            pid = 0;
            if (name.Length == 0 || name.Length > 7)
                return false;
            for (int i = 0; i < name.Length; i++)
            {
                if (name[i] < '0' || name[i] > '9')
                    return false;
                pid = pid * 10 + (name[i] - '0');
            }
            return pid > 0;
        }
    }

    /// <summary>What a generated /proc file shows.</summary>
    public enum ProcContent
    {
        MemInfo, Uptime, Mounts, CpuInfo, Stat, LoadAvg, Version, FileSystems,
        PidStat, PidStatus, PidCmdline, PidComm, PidMaps, PidStatm,
    }

    /// <summary>A directory with a fixed list of children (kept for its lifetime).</summary>
    public abstract class ProcFixedDir : Inode
    {
        private Inode?[] _children = new Inode?[16];
        private byte[][] _names = new byte[16][];
        private int _count;

        protected void Add(ReadOnlySpan<byte> name, Inode child)
        {
            Fs!.InitInode(child, child.Mode, Uid, Gid);
            child.Nlink = 1;
            byte[] n = new byte[name.Length];
            name.CopyTo(n);
            _names[_count] = n;
            _children[_count] = child;
            _count++;
        }

        protected void AddFile(ReadOnlySpan<byte> name, ProcContent content, Process? process)
            => Add(name, new ProcFile(content, process) { Mode = InodeMode.S_IFREG | 0x124 });

        protected int LookupFixed(ReadOnlySpan<byte> name, out Inode? node)
        {
            for (int i = 0; i < _count; i++)
            {
                if (BootArgs.SameBytes(_names[i], name))
                {
                    node = _children[i];
                    return 0;
                }
            }
            node = null;
            return -Errno.ENOENT;
        }

        /// <summary>Entries with cookies 2 .. 2+count-1.</summary>
        protected int ReadFixed(ulong cookie, ref DirEntry entry)
        {
            ulong index = cookie < 2 ? 0 : cookie - 2;
            if (index >= (ulong)_count)
                return 0;
            Inode child = _children[index]!;
            entry.Ino = child.Ino;
            entry.Type = InodeMode.DirentType(child.Mode);
            entry.NextCookie = cookie < 2 ? 3 : cookie + 1;
            entry.SetName(_names[index]);
            return 1;
        }

        protected int FixedCount => _count;

        public override int Lookup(ReadOnlySpan<byte> name, out Inode? node) => LookupFixed(name, out node);
        public override int ReadDir(ulong cookie, ref DirEntry entry) => ReadFixed(cookie, ref entry);

        /// <summary>Cuts the children loose (each is freed when its last holder lets go).</summary>
        protected void ReleaseChildren()
        {
            for (int i = 0; i < _count; i++)
            {
                Inode child = _children[i]!;
                _children[i] = null;
                Owned.Free(_names[i]);
                if (child is ProcFile f) f.Process = null;
                if (child is ProcLink l) l.Process = null;
                if (child is ProcFdDir d) d.Detach();
                child.Nlink = 0;
                child.FreeIfUnused();
            }
            _count = 0;
        }

        protected override void FreeStorage()
        {
            ReleaseChildren();
            Owned.Free(_children);
            Owned.Free(_names);
        }
    }

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
            Add("self"u8, new ProcLink(ProcLink.Kind.Self, null) { Mode = InodeMode.S_IFLNK | 0x1FF });
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

    public sealed class ProcPidDir : ProcFixedDir
    {
        private Process? _process;

        public ProcPidDir(Process p) { _process = p; }

        public void Build()
        {
            Process p = _process!;
            AddFile("stat"u8, ProcContent.PidStat, p);
            AddFile("status"u8, ProcContent.PidStatus, p);
            AddFile("cmdline"u8, ProcContent.PidCmdline, p);
            AddFile("comm"u8, ProcContent.PidComm, p);
            AddFile("maps"u8, ProcContent.PidMaps, p);
            AddFile("statm"u8, ProcContent.PidStatm, p);
            Add("exe"u8, new ProcLink(ProcLink.Kind.Exe, p) { Mode = InodeMode.S_IFLNK | 0x1FF });
            Add("cwd"u8, new ProcLink(ProcLink.Kind.Cwd, p) { Mode = InodeMode.S_IFLNK | 0x1FF });
            Add("root"u8, new ProcLink(ProcLink.Kind.Root, p) { Mode = InodeMode.S_IFLNK | 0x1FF });
            var fd = new ProcFdDir(p) { Mode = InodeMode.S_IFDIR | 0x16D };
            Add("fd"u8, fd);
            fd.Nlink = 2;
        }

        public override Inode? Parent => ProcFs.Instance?.Root;

        public void Detach()
        {
            _process = null;
            ReleaseChildren();
            Nlink = 0;
            FreeIfUnused();
        }
    }

    /// <summary>/proc/PID/fd: a link per open descriptor.</summary>
    public sealed class ProcFdDir : Inode
    {
        private Process? _process;
        private ProcLink?[]? _links;

        public ProcFdDir(Process p) { _process = p; }

        public override Inode? Parent => _process != null ? ProcFs.DirectoryOf(_process) : ProcFs.Instance?.Root;

        public void Detach()
        {
            _process = null;
            if (_links == null)
                return;
            for (int i = 0; i < _links.Length; i++)
            {
                ProcLink? l = _links[i];
                if (l == null)
                    continue;
                _links[i] = null;
                l.Process = null;
                l.Nlink = 0;
                l.FreeIfUnused();
            }
        }

        protected override void FreeStorage()
        {
            Detach();
            Owned.Free(_links);
            _links = null;
        }

        public override int Lookup(ReadOnlySpan<byte> name, out Inode? node)
        {
            node = null;
            if (_process == null)
                return -Errno.ENOENT;
            int fd = 0;
            if (name.Length == 0 || name.Length > 3)
                return -Errno.ENOENT;
            for (int i = 0; i < name.Length; i++)
            {
                if (name[i] < '0' || name[i] > '9')
                    return -Errno.ENOENT;
                fd = fd * 10 + name[i] - '0';
            }
            if (_process.Files?.Get(fd) == null)
                return -Errno.ENOENT;
            _links ??= new ProcLink?[FdTable.Max];
            if (_links[fd] == null)
            {
                var link = new ProcLink(ProcLink.Kind.Fd, _process) { Mode = InodeMode.S_IFLNK | 0x1C0, Fd = fd };
                Fs!.InitInode(link, link.Mode, Uid, Gid);
                link.Nlink = 1;
                _links[fd] = link;
            }
            node = _links[fd];
            return 0;
        }

        public override int ReadDir(ulong cookie, ref DirEntry entry)
        {
            if (_process?.Files == null)
                return 0;
            for (ulong fd = cookie < 2 ? 0 : cookie - 2; fd < FdTable.Max; fd++)
            {
                if (_process.Files.Get((int)fd) == null)
                    continue;
                Span<byte> name = stackalloc byte[4];
                var t = new TextBuilder(name);
                t.Decimal(fd);
                entry.Ino = 0x200000 + fd;
                entry.Type = InodeMode.DT_LNK;
                entry.NextCookie = fd + 3;
                entry.SetName(t.Text);
                return 1;
            }
            return 0;
        }
    }

    /// <summary>/proc/self, /proc/PID/{exe,cwd,root,fd/N}.</summary>
    public sealed class ProcLink : Inode
    {
        public enum Kind { Self, Exe, Cwd, Root, Fd }

        private readonly Kind _kind;
        public Process? Process;
        public int Fd;

        public ProcLink(Kind kind, Process? p)
        {
            _kind = kind;
            Process = p;
        }

        public override int ReadLink(Span<byte> dst)
        {
            Span<byte> text = stackalloc byte[512];
            int n = Render(text);
            if (n < 0)
                return n;
            int count = n < dst.Length ? n : dst.Length;
            text.Slice(0, count).CopyTo(dst);
            return count;
        }

        private int Render(Span<byte> text)
        {
            var t = new TextBuilder(text);
            switch (_kind)
            {
                case Kind.Self:
                    {
                        Process? me = Scheduler.Current.Process;
                        if (me == null)
                            return -Errno.ENOENT;
                        t.Decimal((ulong)me.Pid);
                        return t.Length;
                    }
                case Kind.Exe:
                    if (Process?.ExecutablePath == null)
                        return -Errno.ENOENT;
                    t.Append(new ReadOnlySpan<byte>(Process.ExecutablePath, 0, Process.ExecutablePathLength));
                    return t.Length;
                case Kind.Cwd:
                case Kind.Root:
                    if (Process?.Fs == null)
                        return -Errno.ENOENT;
                    return FileSystems.PathOf(_kind == Kind.Cwd ? Process.Fs.Cwd : Process.Fs.Root, Process.Fs.Root, text);
                default:
                    {
                        OpenFile? f = Process?.Files?.Get(Fd);
                        if (f == null)
                            return -Errno.ENOENT;
                        return f.Describe(text, Process!.Fs!.Root);
                    }
            }
        }

        public override Inode? JumpTarget()
        {
            if (_kind == Kind.Self)
                return null;
            if (_kind == Kind.Exe)
                return Process?.Executable;
            if (_kind == Kind.Cwd)
                return Process?.Fs?.Cwd;
            if (_kind == Kind.Root)
                return Process?.Fs?.Root;
            return Process?.Files?.Get(Fd)?.Node;
        }
    }

    /// <summary>A generated text file.</summary>
    public sealed unsafe class ProcFile : Inode
    {
        private const int MaxText = 65536;
        private readonly ProcContent _content;
        public Process? Process;

        public ProcFile(ProcContent content, Process? process)
        {
            _content = content;
            Process = process;
        }

        public override long Read(ulong offset, Span<byte> dst)
        {
            byte[] buffer = new byte[MaxText];
            var t = new TextBuilder(buffer);
            ProcText.Render(_content, Process, ref t);
            long n = 0;
            if (offset < (ulong)t.Length)
            {
                n = t.Length - (long)offset;
                if (n > dst.Length)
                    n = dst.Length;
                t.Text.Slice((int)offset, (int)n).CopyTo(dst);
            }
            Owned.Free(buffer);
            return n;
        }
    }

    /// <summary>The text of each /proc file, in Linux's formats.</summary>
    public static class ProcText
    {
        public static void Render(ProcContent content, Process? p, ref TextBuilder t)
        {
            switch (content)
            {
                case ProcContent.MemInfo:
                    {
                        ulong total = MemoryManager.TotalBytes >> 10, free = MemoryManager.Pages.FreeBytes >> 10;
                        MemLine(ref t, "MemTotal:"u8, total);
                        MemLine(ref t, "MemFree:"u8, free);
                        MemLine(ref t, "MemAvailable:"u8, free);
                        MemLine(ref t, "Buffers:"u8, 0);
                        MemLine(ref t, "Cached:"u8, 0);
                        MemLine(ref t, "SwapCached:"u8, 0);
                        MemLine(ref t, "SwapTotal:"u8, 0);
                        MemLine(ref t, "SwapFree:"u8, 0);
                        MemLine(ref t, "Shmem:"u8, 0);
                        break;
                    }
                case ProcContent.Uptime:
                    {
                        ulong centis = Time.MonotonicNanoseconds() / 10_000_000;
                        t.Fixed(centis, 2);
                        t.Append((byte)' ');
                        t.Fixed(centis, 2);
                        t.Append((byte)'\n');
                        break;
                    }
                case ProcContent.Mounts:
                    FileSystems.RenderMounts(ref t);
                    break;
                case ProcContent.CpuInfo:
                    t.Append("processor\t: 0\nBogoMIPS\t: 125.00\nFeatures\t: fp asimd evtstrm cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x1\nCPU part\t: 0xd07\nCPU revision\t: 0\n\n"u8);
                    break;
                case ProcContent.Stat:
                    {
                        ulong user = 0, system = 0;
                        for (Process? q = Process.First; q != null; q = q.NextInTable)
                        {
                            user += q.UserTicks;
                            system += q.SystemTicks;
                        }
                        ulong total = SystemTimer.Ticks;
                        ulong idle = total > user + system ? total - user - system : 0;
                        t.Append("cpu  "u8); CpuLine(ref t, user, system, idle);
                        t.Append("cpu0 "u8); CpuLine(ref t, user, system, idle);
                        t.Append("intr 0\nctxt "u8); t.Decimal(Scheduler.Switches);
                        t.Append("\nbtime "u8); t.Decimal((Time.RealtimeNanoseconds() - Time.MonotonicNanoseconds()) / 1_000_000_000);
                        t.Append("\nprocesses "u8); t.Decimal(Process.Forks);
                        t.Append("\nprocs_running 1\nprocs_blocked 0\n"u8);
                        break;
                    }
                case ProcContent.LoadAvg:
                    t.Append("0.00 0.00 0.00 1/"u8);
                    t.Decimal((ulong)Process.Count);
                    t.Append((byte)' ');
                    t.Decimal((ulong)Process.LastPid);
                    t.Append((byte)'\n');
                    break;
                case ProcContent.Version:
                    t.Append("Linux version 6.1.0-managed (Managed kernel 0.1, C# on NativeAOT) #1 SMP PREEMPT\n"u8);
                    break;
                case ProcContent.FileSystems:
                    t.Append("nodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\nnodev\tsysfs\n"u8);
                    break;
                default:
                    if (p != null)
                        RenderProcess(content, p, ref t);
                    break;
            }
        }

        private static void MemLine(ref TextBuilder t, ReadOnlySpan<byte> name, ulong kib)
        {
            t.Append(name);
            for (int i = name.Length; i < 16; i++)
                t.Append((byte)' ');
            t.Decimal(kib, 8);
            t.Append(" kB\n"u8);
        }

        private static void CpuLine(ref TextBuilder t, ulong user, ulong system, ulong idle)
        {
            t.Decimal(user); t.Append(" 0 "u8); t.Decimal(system); t.Append((byte)' '); t.Decimal(idle);
            t.Append(" 0 0 0 0 0 0\n"u8);
        }

        private static byte StateLetter(Process p)
        {
            if (p.State == ProcessState.Zombie) return (byte)'Z';
            if (p.Stopped) return (byte)'T';
            Threading.KernelThread? th = p.Thread;
            return th != null && th.State == Threading.ThreadState.Blocked ? (byte)'S' : (byte)'R';
        }

        private static void RenderProcess(ProcContent content, Process p, ref TextBuilder t)
        {
            ReadOnlySpan<byte> name = new ReadOnlySpan<byte>(p.Name, 0, p.NameLength);
            ulong pages = p.Memory?.ResidentPages ?? 0;
            ulong vsize = p.Memory?.MappedBytes ?? 0;
            switch (content)
            {
                case ProcContent.PidStat:
                    t.Decimal((ulong)p.Pid); t.Append(" ("u8); t.Append(name); t.Append(") "u8);
                    t.Append(StateLetter(p)); t.Append((byte)' ');
                    t.Decimal((long)(p.Parent?.Pid ?? 0)); t.Append((byte)' ');
                    t.Decimal((long)p.Pgid); t.Append((byte)' ');
                    t.Decimal((long)p.Sid); t.Append((byte)' ');
                    t.Decimal((long)(Console.IsControllingTerminalOf(p) ? (204 << 8) | 64 : 0)); t.Append((byte)' ');
                    t.Decimal((long)(Console.IsControllingTerminalOf(p) ? Console.ForegroundGroup : -1)); t.Append((byte)' ');
                    t.Append("4194560 "u8);
                    t.Decimal(p.MinorFaults); t.Append(" 0 0 0 "u8);
                    t.Decimal(p.UserTicks); t.Append((byte)' ');
                    t.Decimal(p.SystemTicks); t.Append((byte)' ');
                    t.Decimal(p.ChildUserTicks); t.Append((byte)' ');
                    t.Decimal(p.ChildSystemTicks); t.Append(" 20 0 1 0 "u8);
                    t.Decimal(Time.CounterToNanoseconds(p.StartCounter - Time.BootCounter) / 10_000_000); t.Append((byte)' ');
                    t.Decimal(vsize); t.Append((byte)' ');
                    t.Decimal(pages);
                    t.Append(" 18446744073709551615 4194304 4194304 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"u8);
                    break;
                case ProcContent.PidStatus:
                    t.Append("Name:\t"u8); t.Append(name);
                    t.Append("\nUmask:\t"u8); t.Decimal((ulong)Octal(p.Umask), 4, (byte)'0');
                    t.Append("\nState:\t"u8); t.Append(StateLetter(p));
                    t.Append(StateLetter(p) == 'S' ? " (sleeping)"u8 : StateLetter(p) == 'R' ? " (running)"u8 : StateLetter(p) == 'T' ? " (stopped)"u8 : " (zombie)"u8);
                    t.Append("\nTgid:\t"u8); t.Decimal((ulong)p.Pid);
                    t.Append("\nNgid:\t0\nPid:\t"u8); t.Decimal((ulong)p.Pid);
                    t.Append("\nPPid:\t"u8); t.Decimal((ulong)(p.Parent?.Pid ?? 0));
                    t.Append("\nTracerPid:\t0\nUid:\t"u8);
                    t.Decimal(p.Uid); t.Append((byte)'\t'); t.Decimal(p.Euid); t.Append((byte)'\t'); t.Decimal(p.Suid); t.Append((byte)'\t'); t.Decimal(p.Euid);
                    t.Append("\nGid:\t"u8);
                    t.Decimal(p.Gid); t.Append((byte)'\t'); t.Decimal(p.Egid); t.Append((byte)'\t'); t.Decimal(p.Sgid); t.Append((byte)'\t'); t.Decimal(p.Egid);
                    t.Append("\nFDSize:\t"u8); t.Decimal((ulong)FdTable.Max);
                    t.Append("\nVmSize:\t"u8); t.Decimal(vsize >> 10, 8); t.Append(" kB\nVmRSS:\t"u8); t.Decimal(pages * 4, 8);
                    t.Append(" kB\nThreads:\t1\nSigPnd:\t"u8); t.Hex(p.PendingSignals, 16);
                    t.Append("\nShdPnd:\t"u8); t.Hex(p.PendingSignals, 16);
                    t.Append("\nSigBlk:\t"u8); t.Hex(p.BlockedSignals, 16);
                    ulong ignored = 0, caught = 0;
                    for (int s = 1; s <= Signals.NSIG; s++)
                    {
                        if (p.Actions[s].Handler == 1) ignored |= Signals.Bit(s);
                        else if (p.Actions[s].Handler > 1) caught |= Signals.Bit(s);
                    }
                    t.Append("\nSigIgn:\t"u8); t.Hex(ignored, 16);
                    t.Append("\nSigCgt:\t"u8); t.Hex(caught, 16);
                    t.Append((byte)'\n');
                    break;
                case ProcContent.PidCmdline:
                    if (p.CommandLine != null)
                        t.Append(new ReadOnlySpan<byte>(p.CommandLine, 0, p.CommandLineLength));
                    break;
                case ProcContent.PidComm:
                    t.Append(name);
                    t.Append((byte)'\n');
                    break;
                case ProcContent.PidStatm:
                    t.Decimal(vsize >> 12); t.Append((byte)' '); t.Decimal(pages); t.Append(" 0 0 0 0 0\n"u8);
                    break;
                case ProcContent.PidMaps:
                    for (Vma? v = p.Memory?.Areas; v != null; v = v.Next)
                    {
                        t.Hex(v.Start, 8); t.Append((byte)'-'); t.Hex(v.End, 8); t.Append((byte)' ');
                        t.Append((v.Prot & 1) != 0 ? (byte)'r' : (byte)'-');
                        t.Append((v.Prot & 2) != 0 ? (byte)'w' : (byte)'-');
                        t.Append((v.Prot & 4) != 0 ? (byte)'x' : (byte)'-');
                        t.Append(v.Shared ? (byte)'s' : (byte)'p');
                        t.Append((byte)' '); t.Hex(v.FileOffset, 8); t.Append(" 00:00 0"u8);
                        if (p.Memory != null && v.Start <= p.Memory.BrkStart && v.End > p.Memory.BrkStart && v.File == null)
                            t.Append("                          [heap]"u8);
                        else if (v.End == AddressSpace.StackTop)
                            t.Append("                          [stack]"u8);
                        t.Append((byte)'\n');
                    }
                    break;
            }
        }

        private static uint Octal(uint value)
        {
            uint result = 0, scale = 1;
            while (value != 0)
            {
                result += (value & 7) * scale;
                scale *= 10;
                value >>= 3;
            }
            return result;
        }
    }
}
