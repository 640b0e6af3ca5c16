using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Threading;

namespace Kernel.Processes
{
    public enum ProcessState { Alive, Zombie }

    /// <summary>Signal numbers used by the kernel itself (Linux arm64 values).</summary>
    public static class Signal
    {
        public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8;
        public const int SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15;
        public const int SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22;
        public const int Count = 64;
        public static ulong Bit(int signal) => 1UL << (signal - 1);
    }

    /// <summary>A signal's disposition (the kernel struct sigaction on arm64).</summary>
    public struct SigAction
    {
        public ulong Handler, Flags, Restorer, Mask;
    }

    /// <summary>
    /// A process: one user thread, its address space, descriptors, working directory, credentials,
    /// signal state and its place in the process tree. A process that exits stays a zombie (holding
    /// only its exit status) until its parent waits for it.
    /// </summary>
    public sealed unsafe class Process
    {
        public const int MaxProcesses = 32768;
        public const int RlimitCount = 16;
        public const int RlimitNproc = 6, RlimitNofile = 7, RlimitStack = 3;

        private static Process? s_first;
        private static int s_nextPid = 1;
        public static int Count;
        public static Process? Init;

        public int Pid, Pgid, Sid;
        public Process? Parent;
        public Process? FirstChild, NextSibling;
        private Process? _nextInTable;
        public KernelThread? Thread;
        public AddressSpace? Memory;
        public FdTable? Files;
        public Fs.FsContext? Fs;
        public uint Umask = 0x12;
        public uint Uid, Euid, Suid, Gid, Egid, Sgid;
        public ProcessState State;
        public int ExitStatus;
        public ulong PendingSignals, BlockedSignals;
        public SigAction[] Actions = new SigAction[Signal.Count + 1];
        public ulong AltStackSp, AltStackSize;
        public int AltStackFlags;
        public ulong ClearChildTid;
        public readonly byte[] Name = new byte[16];
        public ulong StartCounter;
        public ulong UserTicks, SystemTicks, ChildUserTicks, ChildSystemTicks;
        public readonly ulong[] LimitCur = new ulong[RlimitCount];
        public readonly ulong[] LimitMax = new ulong[RlimitCount];
        public bool Stopped;
        public int StopSignal;
        public bool StopReported = true, ContinueReported = true;
        public ulong AlarmAt, AlarmInterval;
        public ulong MinorFaults;
        /// <summary>The syscall being run: original x0 and number, for restarts.</summary>
        public ulong SyscallOriginalX0;
        public bool InSigsuspend;
        /// <summary>x0 of the user frame holds a system call's result (for -ERESTARTSYS handling).</summary>
        public bool InSyscallReturn;
        public ulong FaultAddress;
        /// <summary>What a stopped process blocks on until SIGCONT.</summary>
        public readonly object StopChannel = new object();
        /// <summary>What sigsuspend and pause block on: any signal sent wakes the thread anyway.</summary>
        public readonly object SignalChannel = new object();
        public ulong SavedMaskForSigsuspend;
        public byte[]? CommandLine;
        public int CommandLineLength;

        private Process() { }

        public static Process? Find(int pid)
        {
            for (Process? p = s_first; p != null; p = p._nextInTable)
                if (p.Pid == pid)
                    return p;
            return null;
        }

        public static Process? First => s_first;
        public Process? NextInTable => _nextInTable;

        private static int AllocatePid()
        {
            for (int tries = 0; tries < MaxProcesses; tries++)
            {
                int pid = s_nextPid;
                s_nextPid = s_nextPid >= MaxProcesses - 1 ? 2 : s_nextPid + 1;
                if (Find(pid) == null && FindGroupMember(pid) == null)
                    return pid;
            }
            return -Errno.EAGAIN;
        }

        private static Process? FindGroupMember(int pgid)
        {
            for (Process? p = s_first; p != null; p = p._nextInTable)
                if (p.Pgid == pgid || p.Sid == pgid)
                    return p;
            return null;
        }

        private void Link()
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            _nextInTable = s_first;
            s_first = this;
            Count++;
            Cpu.RestoreInterrupts(daif);
        }

        private void Unlink()
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            UnlinkLocked();
            Cpu.RestoreInterrupts(daif);
        }

        private void UnlinkLocked()
        {
            if (s_first == this)
            {
                s_first = _nextInTable;
            }
            else
            {
                for (Process? p = s_first; p != null; p = p._nextInTable)
                {
                    if (p._nextInTable == this)
                    {
                        p._nextInTable = _nextInTable;
                        break;
                    }
                }
            }
            Count--;
        }

        /// <summary>The first process (pid 1): an empty address space and no descriptors yet.</summary>
        public static Process? CreateInit(Fs.FsContext fs)
        {
            var p = new Process();
            p.Pid = AllocatePid();
            p.Pgid = p.Sid = p.Pid;
            p.Memory = AddressSpace.Create();
            p.Files = new FdTable();
            p.Fs = fs;
            p.StartCounter = SystemTimer.Counter();
            for (int i = 0; i < RlimitCount; i++)
                p.LimitCur[i] = p.LimitMax[i] = ulong.MaxValue;
            p.LimitCur[RlimitStack] = 8 << 20;
            p.LimitCur[RlimitNofile] = p.LimitMax[RlimitNofile] = FdTable.Max;
            p.LimitCur[RlimitNproc] = p.LimitMax[RlimitNproc] = 4096;
            KernelThread? t = KernelThread.CreateUser("init", p);
            if (p.Memory == null || t == null)
                return null;
            p.Thread = t;
            p.Link();
            Init = p;
            return p;
        }

        /// <summary>Number of live processes owned by <paramref name="uid"/> (for RLIMIT_NPROC).</summary>
        public static int CountForUser(uint uid)
        {
            int n = 0;
            for (Process? p = s_first; p != null; p = p._nextInTable)
                if (p.State == ProcessState.Alive && p.Uid == uid)
                    n++;
            return n;
        }

        /// <summary>fork: a copy of this process whose thread returns 0 from the system call.</summary>
        public int Fork(TrapFrame* frame, ulong childStack, ulong childTidPointer, bool setChildTid, bool clearChildTid, ulong tls, bool setTls)
        {
            if (Uid != 0 && (ulong)CountForUser(Uid) >= LimitCur[RlimitNproc])
                return -Errno.EAGAIN;
            if (Count >= MaxProcesses - 1)
                return -Errno.EAGAIN;
            int pid = AllocatePid();
            if (pid < 0)
                return pid;
            AddressSpace? memory = Memory!.Fork();
            if (memory == null)
                return -Errno.ENOMEM;
            var child = new Process();
            child.Pid = pid;
            child.Pgid = Pgid;
            child.Sid = Sid;
            child.Parent = this;
            child.Memory = memory;
            child.Files = Files!.Clone();
            child.Fs = Fs!.Clone();
            child.Umask = Umask;
            child.Uid = Uid; child.Euid = Euid; child.Suid = Suid;
            child.Gid = Gid; child.Egid = Egid; child.Sgid = Sgid;
            child.BlockedSignals = BlockedSignals;
            for (int i = 0; i <= Signal.Count; i++)
                child.Actions[i] = Actions[i];
            child.AltStackSp = AltStackSp; child.AltStackSize = AltStackSize; child.AltStackFlags = AltStackFlags;
            new ReadOnlySpan<byte>(Name).CopyTo(child.Name);
            for (int i = 0; i < RlimitCount; i++)
            {
                child.LimitCur[i] = LimitCur[i];
                child.LimitMax[i] = LimitMax[i];
            }
            if (CommandLine != null)
            {
                child.CommandLine = new byte[CommandLineLength];
                new ReadOnlySpan<byte>(CommandLine, 0, CommandLineLength).CopyTo(child.CommandLine);
                child.CommandLineLength = CommandLineLength;
            }
            child.StartCounter = SystemTimer.Counter();
            KernelThread? t = KernelThread.CreateUser("user", child);
            if (t == null)
            {
                child.ReleaseResources();
                child.FreeObject();
                return -Errno.ENOMEM;
            }
            child.Thread = t;
            *t.UserFrame = *frame;
            t.UserFrame->X[0] = 0;
            if (childStack != 0)
                t.UserFrame->Sp = childStack;
            t.UserTls = setTls ? tls : Cpu.ReadUserThreadPointer();
            if (clearChildTid)
                child.ClearChildTid = childTidPointer;
            child.NextSibling = FirstChild;
            FirstChild = child;
            child.Link();
            if (setChildTid)
            {
                // CLONE_CHILD_SETTID: the child's memory gets its tid (written through the child's tables).
                ulong k = memory.KernelAddress(childTidPointer, true);
                if (k != 0 && (childTidPointer & 3) == 0)
                    *(int*)k = pid;
            }
            Scheduler.Start(t);
            return pid;
        }

        /// <summary>Drops memory and descriptors (exit, or a failed fork).</summary>
        private void ReleaseResources()
        {
            Files?.Free();
            Files = null;
            Fs?.Free();
            Fs = null;
            if (Memory != null)
            {
                if (Scheduler.Current.Process == this)
                    Cpu.SetUserTables(0);
                Memory.Destroy();
                Owned.Free(Memory);
                Memory = null;
            }
            if (CommandLine != null)
            {
                Owned.Free(CommandLine);
                CommandLine = null;
            }
        }

        private void FreeObject()
        {
            Owned.Free(Actions);
            Owned.Free(Name);
            Owned.Free(LimitCur);
            Owned.Free(LimitMax);
            Owned.Free(StopChannel);
            Owned.Free(SignalChannel);
            Owned.Free(this);
        }

        /// <summary>Ends the current process with a wait status (never returns).</summary>
        public void Exit(int waitStatus)
        {
            if (this == Init)
            {
                Log.Line($"init exited with status {(ulong)(uint)waitStatus:x}: halting");
                Power.Off();
            }
            if (ClearChildTid != 0)
            {
                UserMemory.Write(ClearChildTid, 0);
                ClearChildTid = 0;
            }
            ReleaseResources();
            // Orphans go to init; zombies among them are announced to it.
            bool zombieOrphans = false;
            Process? child = FirstChild;
            while (child != null)
            {
                Process? next = child.NextSibling;
                child.Parent = Init;
                child.NextSibling = Init!.FirstChild;
                Init.FirstChild = child;
                if (child.State == ProcessState.Zombie)
                    zombieOrphans = true;
                child = next;
            }
            FirstChild = null;
            if (zombieOrphans)
                Scheduler.WakeAll(Init!);
            ExitStatus = waitStatus;
            State = ProcessState.Zombie;
            Process? parent = Parent;
            if (parent != null)
            {
                SigAction chld = parent.Actions[Signal.SIGCHLD];
                const ulong SaNoCldWait = 2;
                if (chld.Handler == 1 || (chld.Flags & SaNoCldWait) != 0)
                {
                    // The parent ignores SIGCHLD: no zombie is kept (as Linux).
                    parent.RemoveChild(this);
                    Thread!.Process = null;
                    Thread = null;
                    Unlink();
                    FreeObject();
                    Scheduler.WakeAll(parent);
                    Scheduler.Exit();
                }
                parent.SendSignal(Signal.SIGCHLD);
                Scheduler.WakeAll(parent);
            }
            Thread = null;
            Scheduler.Exit();
        }

        private void RemoveChild(Process child)
        {
            if (FirstChild == child)
            {
                FirstChild = child.NextSibling;
                return;
            }
            for (Process? c = FirstChild; c != null; c = c.NextSibling)
            {
                if (c.NextSibling == child)
                {
                    c.NextSibling = child.NextSibling;
                    return;
                }
            }
        }

        public const int WNOHANG = 1, WUNTRACED = 2, WCONTINUED = 8;

        /// <summary>wait4: returns the pid collected (status in <paramref name="status"/>), 0 for WNOHANG, or -errno.</summary>
        public int Wait(int pid, int options, out int status, out Process? reaped)
        {
            status = 0;
            reaped = null;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                bool any = false;
                for (Process? c = FirstChild; c != null; c = c.NextSibling)
                {
                    if (!Matches(c, pid))
                        continue;
                    any = true;
                    if (c.State == ProcessState.Zombie)
                    {
                        Cpu.RestoreInterrupts(daif);
                        status = c.ExitStatus;
                        int found = c.Pid;
                        ChildUserTicks += c.UserTicks + c.ChildUserTicks;
                        ChildSystemTicks += c.SystemTicks + c.ChildSystemTicks;
                        RemoveChild(c);
                        c.Unlink();
                        reaped = c;
                        c.FreeObject();
                        reaped = null;
                        return found;
                    }
                    if ((options & WUNTRACED) != 0 && c.Stopped && !c.StopReported)
                    {
                        c.StopReported = true;
                        Cpu.RestoreInterrupts(daif);
                        status = (c.StopSignal << 8) | 0x7F;
                        return c.Pid;
                    }
                    if ((options & WCONTINUED) != 0 && !c.ContinueReported)
                    {
                        c.ContinueReported = true;
                        Cpu.RestoreInterrupts(daif);
                        status = 0xFFFF;
                        return c.Pid;
                    }
                }
                if (!any)
                {
                    Cpu.RestoreInterrupts(daif);
                    return -Errno.ECHILD;
                }
                if ((options & WNOHANG) != 0)
                {
                    Cpu.RestoreInterrupts(daif);
                    return 0;
                }
                int r = Waiting.WaitOn(this);
                Cpu.RestoreInterrupts(daif);
                if (r < 0)
                    return -Errno.ERESTARTSYS;
            }
        }

        private bool Matches(Process c, int pid)
        {
            if (pid > 0) return c.Pid == pid;
            if (pid == 0) return c.Pgid == Pgid;
            if (pid == -1) return true;
            return c.Pgid == -pid;
        }

        // ---- Signals ----

        public bool HasDeliverableSignal()
            => (PendingSignals & ~BlockedSignals) != 0 || (PendingSignals & (Signal.Bit(Signal.SIGKILL) | Signal.Bit(Signal.SIGSTOP))) != 0;

        /// <summary>Marks a signal pending (or applies it at once: SIGCONT resumes, SIGKILL wakes).</summary>
        public void SendSignal(int signal)
        {
            if (signal <= 0 || signal > Signal.Count || State != ProcessState.Alive)
                return;
            ulong daif = Cpu.SaveAndDisableInterrupts();
            if (signal == Signal.SIGCONT || signal == Signal.SIGKILL)
            {
                PendingSignals &= ~(Signal.Bit(Signal.SIGSTOP) | Signal.Bit(Signal.SIGTSTP) | Signal.Bit(Signal.SIGTTIN) | Signal.Bit(Signal.SIGTTOU));
                if (Stopped)
                {
                    Stopped = false;
                    ContinueReported = false;
                    Scheduler.WakeAll(StopChannel);
                    if (Parent != null)
                        Scheduler.WakeAll(Parent);
                }
            }
            if (IsStopSignal(signal))
                PendingSignals &= ~Signal.Bit(Signal.SIGCONT);
            SigAction a = Actions[signal];
            bool ignored = signal != Signal.SIGKILL && signal != Signal.SIGSTOP
                && (a.Handler == 1 || (a.Handler == 0 && SignalDefaults.Action(signal) == SignalDefaults.Ignore))
                && (BlockedSignals & Signal.Bit(signal)) == 0;
            if (!ignored || signal == Signal.SIGCONT)
                PendingSignals |= Signal.Bit(signal);
            if (signal == Signal.SIGCONT && ignored)
                PendingSignals &= ~Signal.Bit(signal);
            if (Thread != null && (HasDeliverableSignal() || signal == Signal.SIGCONT))
                Scheduler.Wake(Thread);
            Cpu.RestoreInterrupts(daif);
        }

        public static bool IsStopSignal(int s) => s == Signal.SIGSTOP || s == Signal.SIGTSTP || s == Signal.SIGTTIN || s == Signal.SIGTTOU;

        /// <summary>Sends a signal to every member of a process group; -ESRCH when there is none.</summary>
        public static int SignalGroup(int pgid, int signal)
        {
            bool any = false;
            for (Process? p = s_first; p != null; p = p._nextInTable)
            {
                if (p.Pgid == pgid && p.State == ProcessState.Alive)
                {
                    any = true;
                    p.SendSignal(signal);
                }
            }
            return any ? 0 : -Errno.ESRCH;
        }

        /// <summary>Keeps argv (NUL-separated) for /proc/PID/cmdline.</summary>
        public void SetCommandLine(ReadOnlySpan<byte> args)
        {
            if (CommandLine != null)
                Owned.Free(CommandLine);
            CommandLine = new byte[args.Length];
            args.CopyTo(CommandLine);
            CommandLineLength = args.Length;
        }

        public void SetName(ReadOnlySpan<byte> path)
        {
            int slash = -1;
            for (int i = 0; i < path.Length; i++)
                if (path[i] == '/')
                    slash = i;
            ReadOnlySpan<byte> baseName = path.Slice(slash + 1);
            new Span<byte>(Name).Clear();
            int n = baseName.Length < 15 ? baseName.Length : 15;
            baseName.Slice(0, n).CopyTo(Name);
        }

        public int NameLength
        {
            get
            {
                int n = 0;
                while (n < 16 && Name[n] != 0)
                    n++;
                return n;
            }
        }
    }

    /// <summary>Default actions of signals (signal(7)).</summary>
    public static class SignalDefaults
    {
        public const int Terminate = 0, Core = 1, Ignore = 2, Stop = 3, Continue = 4;

        public static int Action(int signal) => signal switch
        {
            Signal.SIGCHLD or 23 /* SIGURG */ or 28 /* SIGWINCH */ => Ignore,
            Signal.SIGCONT => Continue,
            Signal.SIGSTOP or Signal.SIGTSTP or Signal.SIGTTIN or Signal.SIGTTOU => Stop,
            Signal.SIGQUIT or Signal.SIGILL or Signal.SIGTRAP or Signal.SIGABRT or Signal.SIGBUS or Signal.SIGFPE
                or Signal.SIGSEGV or 24 /* SIGXCPU */ or 25 /* SIGXFSZ */ or 31 /* SIGSYS */ => Core,
            _ => Terminate,
        };
    }
}
