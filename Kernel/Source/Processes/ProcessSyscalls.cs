using System;
using Kernel.Arch;
using Kernel.Crypto;
using Kernel.Drivers;
using Kernel.Fs;
using Kernel.Logic.Process;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;
using Kernel.Time;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Processes
{
    /// <summary>System calls of processes: identity, credentials, groups and sessions, limits, clone/execve/wait, and the machine.</summary>
    public static unsafe class ProcessSyscalls
    {
        public static void Register()
        {
            Syscalls.Register("exit"u8, &Exit);
            Syscalls.Register("exit_group"u8, &ExitGroup);
            Syscalls.Register("getpid"u8, &GetPid);
            Syscalls.Register("getppid"u8, &GetPpid);
            Syscalls.Register("gettid"u8, &GetTid);
            Syscalls.Register("getuid"u8, &GetUid);
            Syscalls.Register("geteuid"u8, &GetEuid);
            Syscalls.Register("getgid"u8, &GetGid);
            Syscalls.Register("getegid"u8, &GetEgid);
            Syscalls.Register("setuid"u8, &SetUid);
            Syscalls.Register("setgid"u8, &SetGid);
            Syscalls.Register("setreuid"u8, &SetReuid);
            Syscalls.Register("setregid"u8, &SetRegid);
            Syscalls.Register("setresuid"u8, &SetResuid);
            Syscalls.Register("setresgid"u8, &SetResgid);
            Syscalls.Register("getresuid"u8, &GetResuid);
            Syscalls.Register("getresgid"u8, &GetResgid);
            Syscalls.Register("getgroups"u8, &GetGroups);
            Syscalls.Register("setgroups"u8, &SetGroups);
            Syscalls.Register("set_tid_address"u8, &SetTidAddress);
            Syscalls.Register("setpgid"u8, &SetPgid);
            Syscalls.Register("getpgid"u8, &GetPgid);
            Syscalls.Register("getsid"u8, &GetSid);
            Syscalls.Register("setsid"u8, &SetSid);
            Syscalls.Register("prlimit64"u8, &Prlimit64);
            Syscalls.Register("getrlimit"u8, &GetRlimit);
            Syscalls.Register("setrlimit"u8, &SetRlimit);
            Syscalls.Register("getrusage"u8, &GetRusage);
            Syscalls.Register("uname"u8, &Uname);
            Syscalls.Register("sethostname"u8, &SetHostname);
            Syscalls.Register("setdomainname"u8, &SetDomainname);
            Syscalls.Register("sysinfo"u8, &SysInfo);
            Syscalls.Register("getrandom"u8, &GetRandom);
            Syscalls.Register("clone"u8, &Clone);
            Syscalls.Register("clone3"u8, &Clone3);
            Syscalls.Register("wait4"u8, &Wait4);
            Syscalls.Register("waitid"u8, &WaitId);
            Syscalls.Register("sched_yield"u8, &SchedYield);
            Syscalls.Register("sched_getaffinity"u8, &SchedGetAffinity);
            Syscalls.Register("sched_setaffinity"u8, &SchedSetAffinity);
            Syscalls.Register("times"u8, &Times);
            Syscalls.Register("reboot"u8, &Reboot);
            Syscalls.Register("prctl"u8, &Prctl);
        }

        /// <summary>exit: ends the calling thread (the process too when it is the last one).</summary>
        private static long Exit(TrapFrame* f)
        {
            Current.ExitThread((Int(f, 0) & 0xFF) << 8);
            return 0;
        }

        private static long ExitGroup(TrapFrame* f)
        {
            Current.Exit((Int(f, 0) & 0xFF) << 8);
            return 0;
        }

        private static long GetPid(TrapFrame* f) => Current.Pid;
        private static long GetPpid(TrapFrame* f) => Current.Parent?.Pid ?? 0;
        private static long GetTid(TrapFrame* f) => Scheduler.Current.Tid;
        private static long GetUid(TrapFrame* f) => Current.Uid;
        private static long GetEuid(TrapFrame* f) => Current.Euid;
        private static long GetGid(TrapFrame* f) => Current.Gid;
        private static long GetEgid(TrapFrame* f) => Current.Egid;

        private static long SetUid(TrapFrame* f)
        {
            Process p = Current;
            return SetId(p, ref p.Uid, ref p.Euid, ref p.Suid, (uint)f->X[0]);
        }

        private static long SetGid(TrapFrame* f)
        {
            Process p = Current;
            return SetId(p, ref p.Gid, ref p.Egid, ref p.Sgid, (uint)f->X[0]);
        }

        private static long SetResuid(TrapFrame* f)
        {
            Process p = Current;
            return SetIds(p, ref p.Uid, ref p.Euid, ref p.Suid, (uint)f->X[0], (uint)f->X[1], (uint)f->X[2]);
        }

        private static long SetResgid(TrapFrame* f)
        {
            Process p = Current;
            return SetIds(p, ref p.Gid, ref p.Egid, ref p.Sgid, (uint)f->X[0], (uint)f->X[1], (uint)f->X[2]);
        }

        private static long SetReuid(TrapFrame* f)
        {
            Process p = Current;
            return SetIds(p, ref p.Uid, ref p.Euid, ref p.Suid, (uint)f->X[0], (uint)f->X[1], Unchanged);
        }

        private static long SetRegid(TrapFrame* f)
        {
            Process p = Current;
            return SetIds(p, ref p.Gid, ref p.Egid, ref p.Sgid, (uint)f->X[0], (uint)f->X[1], Unchanged);
        }

        /// <summary>An id argument of -1: leave that id as it is.</summary>
        private const uint Unchanged = uint.MaxValue;

        /// <summary>
        /// setuid and setgid: a privileged caller (effective uid 0) sets the real, effective and saved id;
        /// anyone else only the effective one, and only to the real or the saved id.
        /// </summary>
        private static long SetId(Process p, ref uint real, ref uint effective, ref uint saved, uint id)
        {
            uint before = effective;
            if (p.Euid == 0)
                real = effective = saved = id;
            else if (id != real && id != saved)
                return -Errno.EPERM;
            else
                effective = id;
            if (effective != before)
                p.Dumpable = false;
            return 0;
        }

        /// <summary>
        /// setresuid and setresgid (setreuid and setregid leave the saved id): each id given (not -1) is set;
        /// an unprivileged caller may only take ids among its current real, effective and saved ones.
        /// </summary>
        private static long SetIds(Process p, ref uint real, ref uint effective, ref uint saved, uint r, uint e, uint s)
        {
            if (p.Euid != 0 && (!IsHeld(r, real, effective, saved) || !IsHeld(e, real, effective, saved) || !IsHeld(s, real, effective, saved)))
                return -Errno.EPERM;
            if (r != Unchanged) real = r;
            if (e != Unchanged && e != effective)
            {
                effective = e;
                p.Dumpable = false; // Linux: a change of effective id makes the process non-dumpable
            }
            if (s != Unchanged) saved = s;
            return 0;
        }

        private static bool IsHeld(uint id, uint real, uint effective, uint saved)
            => id == Unchanged || id == real || id == effective || id == saved;

        private static long GetResuid(TrapFrame* f)
        {
            Process p = Current;
            int r = UserMemory.Write(f->X[0], p.Uid);
            if (r == 0) r = UserMemory.Write(f->X[1], p.Euid);
            if (r == 0) r = UserMemory.Write(f->X[2], p.Suid);
            return r;
        }

        private static long GetResgid(TrapFrame* f)
        {
            Process p = Current;
            int r = UserMemory.Write(f->X[0], p.Gid);
            if (r == 0) r = UserMemory.Write(f->X[1], p.Egid);
            if (r == 0) r = UserMemory.Write(f->X[2], p.Sgid);
            return r;
        }

        /// <summary>getgroups(size, list): the count when size is 0, EINVAL when size is below it.</summary>
        private static long GetGroups(TrapFrame* f)
        {
            uint[]? groups = Current.Groups;
            int count = groups?.Length ?? 0;
            int size = Int(f, 0);
            if (size < 0)
                return -Errno.EINVAL;
            if (size == 0)
                return count;
            if (size < count)
                return -Errno.EINVAL;
            if (count > 0)
            {
                fixed (uint* g = groups)
                    if (UserMemory.CopyOut(f->X[1], new ReadOnlySpan<byte>(g, count * sizeof(uint))) < 0)
                        return -Errno.EFAULT;
            }
            return count;
        }

        /// <summary>
        /// setgroups(size, list): CAP_SETGID (effective uid 0 here) or EPERM; at most NGROUPS_MAX ids,
        /// none of them -1 (EINVAL); the list is kept sorted and replaces the old one.
        /// </summary>
        private static long SetGroups(TrapFrame* f)
        {
            Process p = Current;
            if (p.Euid != 0)
                return -Errno.EPERM;
            ulong size = f->X[0] & 0xFFFFFFFF; // an int, compared unsigned as Linux does
            if (size > GroupList.Max)
                return -Errno.EINVAL;
            uint[]? groups = null;
            if (size > 0)
            {
                groups = new uint[(int)size];
                int r;
                fixed (uint* g = groups)
                    r = UserMemory.CopyIn(f->X[1], new Span<byte>(g, (int)size * sizeof(uint)));
                if (r < 0)
                {
                    Owned.Free(groups);
                    return -Errno.EFAULT;
                }
                for (int i = 0; i < groups.Length; i++)
                {
                    if (groups[i] == Unchanged)
                    {
                        Owned.Free(groups);
                        return -Errno.EINVAL;
                    }
                }
                GroupList.Sort(groups);
            }
            Owned.Free(p.Groups);
            p.Groups = groups;
            return 0;
        }

        private static long SetTidAddress(TrapFrame* f)
        {
            Scheduler.Current.ClearChildTid = f->X[0];
            return Scheduler.Current.Tid;
        }

        private static long SetPgid(TrapFrame* f)
        {
            Process self = Current;
            int pid = Int(f, 0), pgid = Int(f, 1);
            if (pgid < 0)
                return -Errno.EINVAL;
            if (pid < 0)
                return -Errno.EINVAL;
            Process? target = pid == 0 ? self : Process.Find(pid);
            if (target == null || (target != self && target.Parent != self))
                return -Errno.ESRCH;
            if (target.Sid == target.Pid)
                return -Errno.EPERM; // a session leader cannot change group
            if (target.Sid != self.Sid)
                return -Errno.EPERM;
            if (pgid == 0)
                pgid = target.Pid;
            if (pgid != target.Pid)
            {
                bool exists = false;
                for (Process? p = Process.First; p != null; p = p.NextInTable)
                    if (p.Pgid == pgid && p.Sid == self.Sid)
                        exists = true;
                if (!exists)
                    return -Errno.EPERM;
            }
            target.Pgid = pgid;
            return 0;
        }

        private static long GetPgid(TrapFrame* f)
        {
            int pid = Int(f, 0);
            Process? p = pid == 0 ? Current : Process.Find(pid);
            return p == null ? -Errno.ESRCH : p.Pgid;
        }

        private static long GetSid(TrapFrame* f)
        {
            int pid = Int(f, 0);
            Process? p = pid == 0 ? Current : Process.Find(pid);
            return p == null ? -Errno.ESRCH : p.Sid;
        }

        private static long SetSid(TrapFrame* f)
        {
            Process p = Current;
            for (Process? q = Process.First; q != null; q = q.NextInTable)
                if (q.Pgid == p.Pid)
                    return -Errno.EPERM;
            // The new session has no controlling terminal (terminals are held by session id).
            p.Sid = p.Pgid = p.Pid;
            p.TtyOldGroup = 0;
            return p.Sid;
        }

        private static long Prlimit64(TrapFrame* f)
        {
            int pid = Int(f, 0);
            uint resource = (uint)f->X[1];
            Process? p = ByPidOrTid(pid);
            if (p == null)
                return -Errno.ESRCH;
            if (resource >= Process.RlimitCount)
                return -Errno.EINVAL;
            ulong oldCur = p.LimitCur[resource], oldMax = p.LimitMax[resource];
            if (f->X[2] != 0)
            {
                if (UserMemory.Read(f->X[2], out ulong cur) < 0 || UserMemory.Read(f->X[2] + 8, out ulong max) < 0)
                    return -Errno.EFAULT;
                if (cur > max)
                    return -Errno.EINVAL;
                if (max > p.LimitMax[resource] && Current.Euid != 0)
                    return -Errno.EPERM;
                if (resource == Process.RlimitNofile && max > FdTable.NrOpen)
                    return -Errno.EPERM; // above fs.nr_open, even for root
                p.LimitCur[resource] = cur;
                p.LimitMax[resource] = max;
                if (resource == Process.RlimitNofile && p.Files != null)
                    p.Files.Limit = (int)cur;
            }
            if (f->X[3] != 0)
            {
                if (UserMemory.Write(f->X[3], oldCur) < 0 || UserMemory.Write(f->X[3] + 8, oldMax) < 0)
                    return -Errno.EFAULT;
            }
            return 0;
        }

        private static long GetRlimit(TrapFrame* f)
        {
            f->X[3] = f->X[1];
            f->X[2] = 0;
            f->X[1] = f->X[0];
            f->X[0] = 0;
            return Prlimit64(f);
        }

        private static long SetRlimit(TrapFrame* f)
        {
            f->X[3] = 0;
            f->X[2] = f->X[1];
            f->X[1] = f->X[0];
            f->X[0] = 0;
            return Prlimit64(f);
        }

        private static long GetRusage(TrapFrame* f)
        {
            Process p = Current;
            int who = Int(f, 0);
            ulong user, system;
            if (who == 0) { user = p.UserTicks; system = p.SystemTicks; }
            else if (who == -1) { user = p.ChildUserTicks; system = p.ChildSystemTicks; }
            else return -Errno.EINVAL;
            return WriteRusage(f->X[1], user, system, who == 0 ? (p.Memory?.ResidentPages ?? 0) * 4 : 0, who == 0 ? p.MinorFaults : 0);
        }

        private static int WriteRusage(ulong address, ulong userTicks, ulong systemTicks, ulong maxRssKib, ulong minorFaults)
        {
            Span<byte> ru = stackalloc byte[144];
            ru.Clear();
            ulong usPerTick = 1_000_000 / SystemTimer.Hz;
            LittleEndian.Put64(ru, 0, userTicks * usPerTick / 1_000_000);
            LittleEndian.Put64(ru, 8, userTicks * usPerTick % 1_000_000);
            LittleEndian.Put64(ru, 16, systemTicks * usPerTick / 1_000_000);
            LittleEndian.Put64(ru, 24, systemTicks * usPerTick % 1_000_000);
            LittleEndian.Put64(ru, 32, maxRssKib);    // ru_maxrss in KiB
            LittleEndian.Put64(ru, 64, minorFaults);  // ru_minflt
            return UserMemory.CopyOut(address, ru);
        }

        // uname's nodename and domainname (NUL-padded, at most 64 bytes each), as sethostname and setdomainname set them.
        private static readonly byte[] HostName = NewName("managed"u8);

        /// <summary>The host name (NUL-padded, as sethostname left it): /proc/sys/kernel/hostname.</summary>
        public static ReadOnlySpan<byte> CurrentHostName
        {
            get
            {
                int n = 0;
                while (n < 64 && HostName[n] != 0)
                    n++;
                return new ReadOnlySpan<byte>(HostName, 0, n);
            }
        }
        private static readonly byte[] DomainName = NewName("(none)"u8);

        private static byte[] NewName(ReadOnlySpan<byte> initial)
        {
            byte[] name = new byte[65];
            initial.CopyTo(name);
            return name;
        }

        private static long SetHostname(TrapFrame* f) => SetName(HostName, f->X[0], (long)f->X[1]);

        private static long SetDomainname(TrapFrame* f) => SetName(DomainName, f->X[0], (long)f->X[1]);

        private static long SetName(byte[] name, ulong address, long length)
        {
            if (Current.Euid != 0)
                return -Errno.EPERM;
            if (length < 0 || length > 64)
                return -Errno.EINVAL;
            Span<byte> text = stackalloc byte[64];
            if (length > 0 && UserMemory.CopyIn(address, text.Slice(0, (int)length)) < 0)
                return -Errno.EFAULT;
            new Span<byte>(name).Clear();
            text.Slice(0, (int)length).CopyTo(name);
            return 0;
        }

        private static long Uname(TrapFrame* f)
        {
            Span<byte> u = stackalloc byte[65 * 6];
            u.Clear();
            Put(u, 0, "Linux"u8);
            Put(u, 65, new ReadOnlySpan<byte>(HostName, 0, 64));
            Put(u, 130, "6.1.0-managed"u8);
            Put(u, 195, "#1 SMP PREEMPT Managed kernel 0.1 (C# on NativeAOT)"u8);
            Put(u, 260, "aarch64"u8);
            Put(u, 325, new ReadOnlySpan<byte>(DomainName, 0, 64));
            return UserMemory.CopyOut(f->X[0], u);
        }

        private static void Put(Span<byte> buffer, int at, ReadOnlySpan<byte> text) => text.CopyTo(buffer.Slice(at));

        private static long SysInfo(TrapFrame* f)
        {
            Span<byte> si = stackalloc byte[112];
            si.Clear();
            LittleEndian.Put64(si, 0, Clock.MonotonicNanoseconds() / 1_000_000_000);
            LittleEndian.Put64(si, 32, Memory.MemoryManager.TotalBytes);
            LittleEndian.Put64(si, 40, Memory.MemoryManager.Pages.FreeBytes);
            si[80] = (byte)Process.Count;
            si[81] = (byte)(Process.Count >> 8);
            LittleEndian.Put32(si, 104, 1); // mem_unit
            return UserMemory.CopyOut(f->X[0], si);
        }

        private static long GetRandom(TrapFrame* f)
        {
            ulong buffer = f->X[0], length = f->X[1];
            uint flags = (uint)f->X[2];
            if ((flags & ~7u) != 0)
                return -Errno.EINVAL;
            if (length > 33554431)
                length = 33554431;
            Span<byte> chunk = stackalloc byte[256];
            ulong done = 0;
            while (done < length)
            {
                int n = length - done > 256 ? 256 : (int)(length - done);
                Random.Fill(chunk.Slice(0, n));
                if (UserMemory.CopyOut(buffer + done, chunk.Slice(0, n)) < 0)
                    return done > 0 ? (long)done : -Errno.EFAULT;
                done += (ulong)n;
            }
            return (long)done;
        }

        private const ulong CloneVm = 0x100, CloneFs = 0x200, CloneFiles = 0x400, CloneSighand = 0x800, CloneVfork = 0x4000;
        private const ulong CloneThread = 0x10000, CloneSettls = 0x80000, CloneParentSettid = 0x100000;
        private const ulong CloneChildCleartid = 0x200000, CloneChildSettid = 0x1000000;

        // arm64: clone(flags, stack, parent_tid, tls, child_tid)
        private static long Clone(TrapFrame* f) => DoClone(f, f->X[0], f->X[1], f->X[2], f->X[3], f->X[4]);

        private const ulong ClonePidfd = 0x1000, CloneSignalMask = 0xFF;
        /// <summary>struct clone_args's sizes: version 0 (up to tls), 1 (set_tid), 2 (cgroup).</summary>
        private const ulong CloneArgsSize0 = 64, CloneArgsSize2 = 88;

        /// <summary>
        /// clone3(args, size): the same as clone with the arguments in a structure; the stack is given as
        /// its lowest address and size. CLONE_PIDFD, set_tid and cgroup (CLONE_INTO_CGROUP) are not
        /// supported (EINVAL); bytes of a larger structure than this kernel knows must be zero (E2BIG).
        /// </summary>
        private static long Clone3(TrapFrame* f)
        {
            ulong address = f->X[0], size = f->X[1];
            if (size < CloneArgsSize0 || size > PageAllocator.PageSize)
                return -Errno.EINVAL;
            Span<ulong> a = stackalloc ulong[(int)(CloneArgsSize2 / 8)];
            a.Clear();
            ulong known = size < CloneArgsSize2 ? size & ~7UL : CloneArgsSize2;
            for (int i = 0; i < (int)(known / 8); i++)
                if (UserMemory.Read(address + (ulong)i * 8, out a[i]) < 0)
                    return -Errno.EFAULT;
            for (ulong o = known; o < size; o++)
            {
                if (UserMemory.Read(address + o, out byte extra) < 0)
                    return -Errno.EFAULT;
                if (extra != 0)
                    return -Errno.E2BIG;
            }
            ulong flags = a[0], pidfd = a[1], childTid = a[2], parentTid = a[3], exitSignal = a[4], stack = a[5], stackSize = a[6], tls = a[7];
            ulong setTidSize = a[9];
            if ((flags & (ClonePidfd | CloneSignalMask)) != 0 || pidfd != 0 || setTidSize != 0 || a[10] != 0 || exitSignal > (ulong)Signals.NSIG)
                return -Errno.EINVAL;
            if ((stack == 0) != (stackSize == 0))
                return -Errno.EINVAL;
            return DoClone(f, flags | exitSignal, stack == 0 ? 0 : stack + stackSize, parentTid, tls, childTid);
        }

        private static long DoClone(TrapFrame* f, ulong flags, ulong stack, ulong parentTidAddress, ulong tls, ulong childTidAddress)
        {
            if ((flags & CloneThread) != 0)
            {
                // A thread shares everything a process holds: its memory, descriptors, working
                // directory and signal actions, so all four flags must come with it (as musl and glibc
                // pass them). Linux allows a thread with its own descriptor table or fs; this kernel does not.
                const ulong Shared = CloneVm | CloneFs | CloneFiles | CloneSighand;
                if ((flags & Shared) != Shared || (flags & CloneVfork) != 0)
                    return -Errno.EINVAL;
                int tid = Current.CreateThread(f, stack, tls, (flags & CloneSettls) != 0,
                    (flags & CloneChildCleartid) != 0 ? childTidAddress : 0);
                if (tid > 0 && (flags & CloneParentSettid) != 0)
                    UserMemory.Write(parentTidAddress, tid);
                if (tid > 0 && (flags & CloneChildSettid) != 0)
                    UserMemory.Write(childTidAddress, tid);
                return tid;
            }
            if ((flags & (CloneSighand | CloneFiles | CloneFs)) != 0)
                return -Errno.EINVAL; // sharing these without sharing the thread group is not supported
            if ((flags & CloneVm) != 0 && (flags & CloneVfork) == 0)
                return -Errno.EINVAL;
            // CLONE_VM|CLONE_VFORK (vfork, posix_spawn) runs as a copy-on-write fork: the child gets its own
            // copy of the memory it shares on Linux, which is all a vfork child may use before execve.
            Process p = Current;
            int pid = p.Fork(f, stack, childTidAddress, (flags & CloneChildSettid) != 0,
                (flags & CloneChildCleartid) != 0, tls, (flags & CloneSettls) != 0);
            if (pid > 0 && (flags & CloneParentSettid) != 0)
                UserMemory.Write(parentTidAddress, pid);
            return pid;
        }

        private static long Wait4(TrapFrame* f)
        {
            int pid = Int(f, 0);
            int options = Int(f, 2);
            if ((options & ~(Process.WNOHANG | Process.WUNTRACED | Process.WCONTINUED | 0x40000000 | unchecked((int)0x80000000))) != 0)
                return -Errno.EINVAL;
            int r = Current.Wait(pid, options, out int status, out ulong childUser, out ulong childSystem);
            if (r > 0 && f->X[1] != 0 && UserMemory.Write(f->X[1], status) < 0)
                return -Errno.EFAULT;
            if (r >= 0 && f->X[3] != 0 && WriteRusage(f->X[3], childUser, childSystem, 0, 0) < 0)
                return -Errno.EFAULT;
            return r;
        }

        private static long WaitId(TrapFrame* f)
        {
            // waitid(idtype, id, infop, options, rusage): P_ALL 0, P_PID 1, P_PGID 2.
            int idType = Int(f, 0), id = Int(f, 1), options = Int(f, 3);
            const int WExited = 4, WStopped = 2, WContinued = 8, WNoWait = 0x1000000;
            if ((options & (WExited | WStopped | WContinued)) == 0)
                return -Errno.EINVAL;
            int pid = idType switch { 0 => -1, 1 => id, 2 => id == 0 ? 0 : -id, _ => int.MinValue };
            if (pid == int.MinValue)
                return -Errno.EINVAL;
            int waitOptions = (options & 1) | ((options & WStopped) != 0 ? Process.WUNTRACED : 0) | ((options & WContinued) != 0 ? Process.WCONTINUED : 0);
            int r = Current.Wait(pid, waitOptions | (options & WNoWait), out int status, out _, out _);
            if (r < 0)
                return r;
            if (f->X[2] != 0)
            {
                Span<byte> info = stackalloc byte[128];
                info.Clear();
                if (r > 0)
                {
                    int code, value;
                    if ((status & 0x7F) == 0) { code = SigInfo.CLD_EXITED; value = (status >> 8) & 0xFF; }
                    else if ((status & 0xFF) == 0x7F) { code = SigInfo.CLD_STOPPED; value = (status >> 8) & 0xFF; }
                    else if (status == 0xFFFF) { code = SigInfo.CLD_CONTINUED; value = Signals.SIGCONT; }
                    else { code = (status & 0x80) != 0 ? SigInfo.CLD_DUMPED : SigInfo.CLD_KILLED; value = status & 0x7F; }
                    LittleEndian.Put32(info, 0, Signals.SIGCHLD);
                    LittleEndian.Put32(info, 8, (uint)code);
                    LittleEndian.Put32(info, 16, (uint)r);
                    LittleEndian.Put32(info, 24, (uint)value);
                }
                if (UserMemory.CopyOut(f->X[2], info) < 0)
                    return -Errno.EFAULT;
            }
            return 0;
        }

        private static long SchedYield(TrapFrame* f)
        {
            Scheduler.Yield();
            return 0;
        }

        /// <summary>The process a pid argument names: 0 the caller's, else a process or any thread of one (as Linux takes a thread id).</summary>
        private static Process? ByPidOrTid(int id) => id == 0 ? Current : Process.Find(id) ?? Process.FindThread(id)?.Process;

        /// <summary>sched_setaffinity: one CPU, so a mask must include CPU 0 (EINVAL otherwise), and changes nothing.</summary>
        private static long SchedSetAffinity(TrapFrame* f)
        {
            if (ByPidOrTid(Int(f, 0)) == null)
                return -Errno.ESRCH;
            if (f->X[1] == 0)
                return -Errno.EINVAL;
            if (UserMemory.Read(f->X[2], out byte first) < 0)
                return -Errno.EFAULT;
            return (first & 1) != 0 ? 0 : -Errno.EINVAL;
        }

        private static long SchedGetAffinity(TrapFrame* f)
        {
            if (ByPidOrTid(Int(f, 0)) == null)
                return -Errno.ESRCH;
            ulong size = f->X[1];
            if (size < 8 || (size & 7) != 0)
                return -Errno.EINVAL;
            if (UserMemory.Clear(f->X[2], size) < 0 || UserMemory.Write(f->X[2], 1UL) < 0)
                return -Errno.EFAULT;
            return 8;
        }

        private static long Times(TrapFrame* f)
        {
            Process p = Current;
            if (f->X[0] != 0)
            {
                Span<ulong> t = stackalloc ulong[4];
                ulong scale = 100 / (ulong)SystemTimer.Hz is 0 ? 1 : 100 / (ulong)SystemTimer.Hz;
                ulong div = SystemTimer.Hz > 100 ? SystemTimer.Hz / 100 : 1;
                t[0] = p.UserTicks * scale / div;
                t[1] = p.SystemTicks * scale / div;
                t[2] = p.ChildUserTicks * scale / div;
                t[3] = p.ChildSystemTicks * scale / div;
                fixed (ulong* pt = t)
                    if (UserMemory.CopyOut(f->X[0], new ReadOnlySpan<byte>(pt, 32)) < 0)
                        return -Errno.EFAULT;
            }
            return (long)(Clock.MonotonicNanoseconds() / 10_000_000);
        }

        private static long Reboot(TrapFrame* f)
        {
            const uint Magic1 = 0xfee1dead;
            // Privilege first, then the magic numbers (Linux's order).
            if (Current.Euid != 0)
                return -Errno.EPERM;
            if ((uint)f->X[0] != Magic1)
                return -Errno.EINVAL;
            uint command = (uint)f->X[2];
            switch (command)
            {
                case 0x4321FEDC: // LINUX_REBOOT_CMD_POWER_OFF
                case 0xCDEF0123: // LINUX_REBOOT_CMD_HALT
                    Power.Off();
                    return 0;
                case 0x01234567: // LINUX_REBOOT_CMD_RESTART
                    Power.Restart();
                    return 0;
                case 0x89ABCDEF: // CAD_ON
                case 0: // CAD_OFF
                    return 0;
                default:
                    return -Errno.EINVAL;
            }
        }

        private static long Prctl(TrapFrame* f)
        {
            int option = Int(f, 0);
            Process p = Current;
            if (option == 15) // PR_SET_NAME
            {
                Span<byte> name = stackalloc byte[16];
                name.Clear();
                for (int i = 0; i < 15; i++)
                {
                    if (UserMemory.Read(f->X[1] + (ulong)i, out byte c) < 0)
                        return -Errno.EFAULT;
                    if (c == 0)
                        break;
                    name[i] = c;
                }
                name.CopyTo(p.Name);
                return 0;
            }
            if (option == 16) // PR_GET_NAME
                return UserMemory.CopyOut(f->X[1], new ReadOnlySpan<byte>(p.Name));
            if (option == 36) // PR_SET_CHILD_SUBREAPER
            {
                p.ChildSubreaper = f->X[1] != 0;
                return 0;
            }
            if (option == 37) // PR_GET_CHILD_SUBREAPER
                return UserMemory.Write(f->X[1], p.ChildSubreaper ? 1 : 0);
            if (option == 1) // PR_SET_PDEATHSIG
            {
                if (f->X[1] > Signals.NSIG)
                    return -Errno.EINVAL;
                p.ParentDeathSignal = (int)f->X[1];
                return 0;
            }
            if (option == 2) // PR_GET_PDEATHSIG
                return UserMemory.Write(f->X[1], p.ParentDeathSignal);
            return -Errno.EINVAL;
        }
    }
}
