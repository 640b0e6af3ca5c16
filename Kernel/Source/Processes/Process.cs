using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Drivers;
using Kernel.Fs.Proc;
using Kernel.Fs;
using Kernel.Logic.Fs;
using Kernel.Logic.Process;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;
using Kernel.Tty;

namespace Kernel.Processes
{
    /// <summary>
    /// A process (a thread group): its threads, address space, descriptors, working directory,
    /// credentials, signal actions and process-directed pending signals, and its place in the process
    /// tree. Each thread's own state (id, signal mask, alternate stack) is on its <see cref="KernelThread"/>.
    /// A process whose last thread ends stays a zombie (holding only its exit status) until its parent
    /// waits for it.
    /// </summary>
    public sealed unsafe class Process
    {
        public const int MaxProcesses = 32768;
        public const int RlimitCount = 16;
        public const int RlimitNproc = 6, RlimitNofile = 7, RlimitStack = 3, RlimitAs = 9;

        private static Process? s_first;
        private static int s_nextPid = 1;
        public static int Count;
        public static Process? Init;

        public int Pid, Pgid, Sid;
        /// <summary>A session leader's foreground group when its terminal hung up (Linux's tty_old_pgrp): told SIGHUP when the leader exits.</summary>
        public int TtyOldGroup;
        public Process? Parent;
        public Process? FirstChild, NextSibling;
        private Process? _nextInTable;
        /// <summary>The first of the process's live threads (linked by <see cref="KernelThread.NextInGroup"/>).</summary>
        public KernelThread? Thread;
        public int ThreadCount;
        /// <summary>exit_group or a fatal signal ran: every thread ends, and the last one reports this status.</summary>
        public bool GroupExiting;
        public int GroupExitStatus;
        /// <summary>What execve from a thread blocks on until the process's other threads have ended.</summary>
        public readonly object ThreadExitChannel = new object();
        public AddressSpace? Memory;
        public FdTable? Files;
        public FsContext? Fs;
        public uint Umask = InodeMode.DefaultUmask;
        public uint Uid, Euid, Suid, Gid, Egid, Sgid;
        /// <summary>Supplementary groups, sorted (setgroups); each process owns its copy (null: none).</summary>
        public uint[]? Groups;
        /// <summary>
        /// Linux's "dumpable": cleared when the effective ids change (suid_dumpable 0), set again by an
        /// exec with real ids equal to the effective ones; a process that is not may not be inspected
        /// (ptrace access, /proc) by anyone but root.
        /// </summary>
        public bool Dumpable = true;
        public ProcessState State;
        public int ExitStatus;
        /// <summary>Signals sent to the process (any thread that does not block one may take it).</summary>
        public ulong PendingSignals;
        public SigAction[] Actions = new SigAction[Signals.NSIG + 1];
        /// <summary>Details of pending signals (sender, child status, fault address), by number.</summary>
        private SigInfo[]? _signalInfo;
        public readonly byte[] Name = new byte[16];
        public ulong StartCounter;
        public ulong UserTicks, SystemTicks, ChildUserTicks, ChildSystemTicks;
        public readonly ulong[] LimitCur = new ulong[RlimitCount];
        public readonly ulong[] LimitMax = new ulong[RlimitCount];
        public bool Stopped;
        public int StopSignal;
        public bool StopReported = true, ContinueReported = true;
        public ulong AlarmAt, AlarmInterval;
        /// <summary>ITIMER_VIRTUAL and ITIMER_PROF: remaining and reload values in ticks of CPU time (0: off).</summary>
        public ulong VirtualLeft, VirtualInterval, ProfLeft, ProfInterval;
        public ulong MinorFaults;
        public bool ChildSubreaper;
        public int ParentDeathSignal;
        /// <summary>What a stopped process blocks on until SIGCONT.</summary>
        public readonly object StopChannel = new object();
        /// <summary>What sigsuspend and pause block on: any signal sent wakes the thread anyway.</summary>
        public readonly object SignalChannel = new object();
        public byte[]? CommandLine;
        public int CommandLineLength;
        /// <summary>The program file (held) and the path it was run by, for /proc/PID/exe.</summary>
        public Logic.Fs.Inode? Executable;
        public byte[]? ExecutablePath;
        public int ExecutablePathLength;
        public ProcPidDir? ProcDirectory;
        public static ulong Forks;
        public static int LastPid;

        private Process() { }

        public static Process? Find(int pid)
        {
            for (Process? p = s_first; p != null; p = p._nextInTable)
                if (p.Pid == pid)
                    return p;
            return null;
        }

        /// <summary>Whether <paramref name="gid"/> is the effective group or a supplementary one (in_group_p).</summary>
        public bool InGroup(uint gid) => gid == Egid || (Groups != null && GroupList.Contains(Groups, gid));

        public static Process? First => s_first;
        public Process? NextInTable => _nextInTable;

        private static int AllocatePid()
        {
            for (int tries = 0; tries < MaxProcesses; tries++)
            {
                int pid = s_nextPid;
                s_nextPid = s_nextPid >= MaxProcesses - 1 ? 2 : s_nextPid + 1;
                if (Find(pid) == null && FindGroupMember(pid) == null && FindThread(pid) == null)
                    return pid;
            }
            return -Errno.EAGAIN;
        }

        /// <summary>The live thread with id <paramref name="tid"/>, in any process.</summary>
        public static KernelThread? FindThread(int tid)
        {
            for (Process? p = s_first; p != null; p = p._nextInTable)
                for (KernelThread? t = p.Thread; t != null; t = t.NextInGroup)
                    if (t.Tid == tid)
                        return t;
            return null;
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
        public static Process? CreateInit(FsContext fs)
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
            p.LimitCur[RlimitNofile] = FdTable.DefaultSoftLimit;
            p.LimitMax[RlimitNofile] = FdTable.DefaultHardLimit;
            p.LimitCur[RlimitNproc] = p.LimitMax[RlimitNproc] = 4096;
            KernelThread? t = KernelThread.CreateUser("init", p);
            if (p.Memory == null || t == null)
                return null;
            t.Tid = p.Pid;
            p.AddThread(t);
            p.Link();
            Init = p;
            return p;
        }

        /// <summary>What RLIMIT_NPROC limits: the live tasks (threads, as Linux counts) of processes whose real user is <paramref name="uid"/>.</summary>
        public static int CountForUser(uint uid)
        {
            int n = 0;
            for (Process? p = s_first; p != null; p = p._nextInTable)
                if (p.State == ProcessState.Alive && p.Uid == uid)
                    n += p.ThreadCount;
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
            child.Dumpable = Dumpable;
            if (Groups != null)
            {
                child.Groups = new uint[Groups.Length];
                new ReadOnlySpan<uint>(Groups).CopyTo(child.Groups);
            }
            for (int i = 0; i <= Signals.NSIG; i++)
                child.Actions[i] = Actions[i];
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
            if (Executable != null)
                child.SetExecutable(Executable, new ReadOnlySpan<byte>(ExecutablePath!, 0, ExecutablePathLength));
            child.StartCounter = SystemTimer.Counter();
            KernelThread? t = KernelThread.CreateUser("user", child);
            if (t == null)
            {
                child.ReleaseResources();
                child.FreeObject();
                return -Errno.ENOMEM;
            }
            KernelThread self = Scheduler.Current;
            t.Tid = pid;
            t.BlockedSignals = self.BlockedSignals;
            t.AltStack = self.AltStack;
            child.AddThread(t);
            *t.UserFrame = *frame;
            t.UserFrame->X[0] = 0;
            if (childStack != 0)
                t.UserFrame->Sp = childStack;
            t.UserTls = setTls ? tls : Cpu.ReadUserThreadPointer();
            if (clearChildTid)
                t.ClearChildTid = childTidPointer;
            child.NextSibling = FirstChild;
            FirstChild = child;
            child.Link();
            Forks++;
            LastPid = pid;
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
            Time.PosixTimers.DeleteAll(this);
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
            Executable?.Release();
            Executable = null;
            Owned.Free(ExecutablePath);
            ExecutablePath = null;
        }

        private void FreeObject()
        {
            Owned.Free(Actions);
            Owned.Free(Groups);
            Owned.Free(_signalInfo);
            FreeQueuedSignals();
            Owned.Free(Name);
            Owned.Free(LimitCur);
            Owned.Free(LimitMax);
            Owned.Free(StopChannel);
            Owned.Free(SignalChannel);
            Owned.Free(ThreadExitChannel);
            Owned.Free(this);
        }

        private void AddThread(KernelThread t)
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            t.Process = this;
            t.NextInGroup = null;
            if (Thread == null)
            {
                Thread = t;
            }
            else
            {
                KernelThread last = Thread;
                while (last.NextInGroup != null)
                    last = last.NextInGroup;
                last.NextInGroup = t;
            }
            ThreadCount++;
            Cpu.RestoreInterrupts(daif);
        }

        private void RemoveThread(KernelThread t)
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            if (Thread == t)
            {
                Thread = t.NextInGroup;
                ThreadCount--;
            }
            else
            {
                for (KernelThread? o = Thread; o != null; o = o.NextInGroup)
                {
                    if (o.NextInGroup == t)
                    {
                        o.NextInGroup = t.NextInGroup;
                        ThreadCount--;
                        break;
                    }
                }
            }
            t.NextInGroup = null;
            Cpu.RestoreInterrupts(daif);
            ProcFs.DetachThread(t);
        }

        /// <summary>
        /// clone(CLONE_THREAD): a new thread of this process, returning 0 from the system call on
        /// <paramref name="stack"/> with the caller's signal mask; its id, or -errno.
        /// </summary>
        public int CreateThread(TrapFrame* frame, ulong stack, ulong tls, bool setTls, ulong clearChildTid)
        {
            if (GroupExiting)
                return -Errno.EAGAIN;
            if (Uid != 0 && (ulong)CountForUser(Uid) >= LimitCur[RlimitNproc])
                return -Errno.EAGAIN;
            int tid = AllocatePid();
            if (tid < 0)
                return tid;
            KernelThread? t = KernelThread.CreateUser("user", this);
            if (t == null)
                return -Errno.ENOMEM;
            KernelThread self = Scheduler.Current;
            t.Tid = tid;
            t.BlockedSignals = self.BlockedSignals;
            *t.UserFrame = *frame;
            t.UserFrame->X[0] = 0;
            if (stack != 0)
                t.UserFrame->Sp = stack;
            t.UserTls = setTls ? tls : Cpu.ReadUserThreadPointer();
            t.ClearChildTid = clearChildTid;
            AddThread(t);
            LastPid = tid;
            Scheduler.Start(t);
            return tid;
        }

        /// <summary>
        /// execve from a thread: ends the process's other threads, waits until they are gone, and gives
        /// <paramref name="self"/> the process id as its thread id. -EAGAIN when the process is already exiting.
        /// </summary>
        public int EndOtherThreads(KernelThread self)
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            if (GroupExiting)
            {
                Cpu.RestoreInterrupts(daif);
                return -Errno.EAGAIN;
            }
            for (KernelThread? t = Thread; t != null; t = t.NextInGroup)
            {
                if (t == self)
                    continue;
                t.ExitRequested = true;
                Scheduler.Wake(t);
            }
            while (ThreadCount > 1)
                Scheduler.Block(ThreadExitChannel);
            self.Tid = Pid;
            Cpu.RestoreInterrupts(daif);
            return 0;
        }

        /// <summary>
        /// exit_group, or a fatal signal: every thread of the process ends, and the process with the
        /// last of them, with <paramref name="waitStatus"/> (the first one asked for wins). Never returns.
        /// </summary>
        public void Exit(int waitStatus)
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            if (!GroupExiting)
            {
                GroupExiting = true;
                GroupExitStatus = waitStatus;
                for (KernelThread? t = Thread; t != null; t = t.NextInGroup)
                {
                    if (t == Scheduler.Current)
                        continue;
                    t.ExitRequested = true;
                    Scheduler.Wake(t);
                }
            }
            Cpu.RestoreInterrupts(daif);
            ExitThread(waitStatus);
        }

        /// <summary>
        /// exit: ends the calling thread (its CLONE_CHILD_CLEARTID word zeroed and woken, its robust
        /// futexes released). The last thread to end ends the process. Never returns.
        /// </summary>
        public void ExitThread(int waitStatus)
        {
            KernelThread self = Scheduler.Current;
            if (self.ClearChildTid != 0)
            {
                if (UserMemory.Write(self.ClearChildTid, 0) == 0)
                    Futex.Wake(this, self.ClearChildTid, 1, Futex.AnyBitset, false);
                self.ClearChildTid = 0;
            }
            Futex.ReleaseRobustList(this, self);
            Cpu.DisableInterrupts();
            if (ThreadCount > 1)
            {
                RemoveThread(self);
                self.Process = null;
                Scheduler.WakeAll(ThreadExitChannel);
                Scheduler.Exit();
            }
            Cpu.EnableInterrupts();
            if (GroupExiting)
                waitStatus = GroupExitStatus;
            if (this == Init)
            {
                Log.Line($"init exited with status {(ulong)(uint)waitStatus:x}: halting");
                Power.Off();
            }
            ReleaseResources();
            Terminal.SessionLeaderExited(this);
            // Orphans go to the nearest living subreaper ancestor, else to init; zombies among them are announced.
            Process reaper = Init!;
            for (Process? a = Parent; a != null; a = a.Parent)
            {
                if (a.ChildSubreaper && a.State == ProcessState.Alive)
                {
                    reaper = a;
                    break;
                }
            }
            bool zombieOrphans = false;
            Process? child = FirstChild;
            while (child != null)
            {
                Process? next = child.NextSibling;
                child.Parent = reaper;
                child.NextSibling = reaper.FirstChild;
                reaper.FirstChild = child;
                if (child.State == ProcessState.Zombie)
                    zombieOrphans = true;
                else if (child.ParentDeathSignal != 0)
                    child.SendSignal(child.ParentDeathSignal);
                child = next;
            }
            FirstChild = null;
            if (zombieOrphans)
            {
                reaper.SendSignal(Signals.SIGCHLD);
                Scheduler.WakeAll(reaper);
            }
            ExitStatus = waitStatus;
            State = ProcessState.Zombie;
            Process? parent = Parent;
            if (parent != null)
            {
                SigAction chld = parent.Actions[Signals.SIGCHLD];
                const ulong SaNoCldWait = 2;
                if (chld.Handler == 1 || (chld.Flags & SaNoCldWait) != 0)
                {
                    // The parent ignores SIGCHLD: no zombie is kept (as Linux).
                    parent.RemoveChild(this);
                    ProcFs.Detach(this);
                    RemoveThread(self);
                    self.Process = null;
                    Unlink();
                    FreeObject();
                    Scheduler.WakeAll(parent);
                    Scheduler.Exit();
                }
                int code = Signals.IfExited(waitStatus) ? SigInfo.CLD_EXITED : Signals.CoreDumped(waitStatus) ? SigInfo.CLD_DUMPED : SigInfo.CLD_KILLED;
                parent.SendSignal(Signals.SIGCHLD, code, this, Signals.IfExited(waitStatus) ? Signals.ExitCode(waitStatus) : Signals.TermSignal(waitStatus));
                Scheduler.WakeAll(parent);
            }
            RemoveThread(self);
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

        /// <summary>waitid: leave the child waitable.</summary>
        public const int WNOWAIT = 0x1000000;

        /// <summary>
        /// wait4/waitid: returns the pid collected (its status in <paramref name="status"/>, its and its
        /// children's CPU ticks), 0 for WNOHANG, or -errno. WNOWAIT leaves the child waitable.
        /// </summary>
        public int Wait(int pid, int options, out int status, out ulong childUser, out ulong childSystem)
        {
            status = 0;
            childUser = childSystem = 0;
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
                        childUser = c.UserTicks + c.ChildUserTicks;
                        childSystem = c.SystemTicks + c.ChildSystemTicks;
                        if ((options & WNOWAIT) != 0)
                            return found;
                        ChildUserTicks += childUser;
                        ChildSystemTicks += childSystem;
                        RemoveChild(c);
                        c.Unlink();
                        ProcFs.Detach(c);
                        c.FreeObject();
                        return found;
                    }
                    if ((options & WUNTRACED) != 0 && c.Stopped && !c.StopReported)
                    {
                        if ((options & WNOWAIT) == 0)
                            c.StopReported = true;
                        Cpu.RestoreInterrupts(daif);
                        status = (c.StopSignal << 8) | 0x7F;
                        return c.Pid;
                    }
                    if ((options & WCONTINUED) != 0 && !c.ContinueReported)
                    {
                        if ((options & WNOWAIT) == 0)
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

        /// <summary>Marks a signal pending (or applies it at once: SIGCONT resumes, SIGKILL wakes).</summary>
        public void SendSignal(int signal) => SendSignal(signal, SigInfo.SI_KERNEL, Scheduler.Current.Process);

        /// <summary>
        /// Sends with the siginfo a handler will see (code, sender, child status, fault address). Init
        /// gets only the signals it has a handler for or blocks (Linux's rule for pid 1: a blocked
        /// signal stays pending for sigtimedwait, which is how busybox init waits for SIGUSR2 from
        /// `poweroff`): others, SIGKILL included, are dropped, so that no process can end the system
        /// by signalling init.
        /// </summary>
        public void SendSignal(int signal, int code, Process? sender, int status = 0, ulong address = 0, ulong value = 0)
        {
            if (this == Init && signal > 0 && signal <= Signals.NSIG && Actions[signal].Handler == Signals.SIG_DFL
                && (MainThreadMask & Signals.Bit(signal)) == 0)
                return;
            Queue(signal, code, sender, status, address, value);
        }

        /// <summary>
        /// Sends a signal the process cannot refuse, init included: a fault's signal, or SIGKILL when
        /// memory runs out. (Init dying of one ends the system, as on Linux.)
        /// </summary>
        public void ForceSignal(int signal, int code = SigInfo.SI_KERNEL, ulong address = 0)
            => Queue(signal, code, null, 0, address, 0, Scheduler.Current.Process == this ? Scheduler.Current : null);

        /// <summary>tkill/tgkill: a signal for one thread of this process.</summary>
        public void SendToThread(KernelThread thread, int signal, int code, Process? sender)
        {
            if (this == Init && signal > 0 && signal <= Signals.NSIG && Actions[signal].Handler == Signals.SIG_DFL
                && (thread.BlockedSignals & Signals.Bit(signal)) == 0)
                return;
            Queue(signal, code, sender, 0, 0, 0, thread);
        }

        /// <summary>
        /// Records a signal's details and posts it, to <paramref name="thread"/> alone or (null) to the
        /// process. The details of standard signals are kept per process, whichever thread they are for.
        /// </summary>
        private void Queue(int signal, int code, Process? sender, int status, ulong address, ulong value, KernelThread? thread = null)
        {
            if (signal <= 0 || signal > Signals.NSIG || State != ProcessState.Alive)
                return;
            var info = new SigInfo { Signo = signal, Code = code, Pid = sender?.Pid ?? 0, Uid = sender?.Uid ?? 0, Status = status, Addr = address, Value = value };
            if (Signals.IsRealTime(signal))
            {
                // Real-time signals queue: every one sent is delivered (up to a limit), in order.
                if (!WillDiscard(signal))
                {
                    if (_rtQueued >= MaxQueuedSignals)
                        return;
                    Enqueue(new QueuedSignal { Info = info });
                }
            }
            else if (((PendingSignals | (thread?.PendingSignals ?? 0)) & Signals.Bit(signal)) == 0)
            {
                // Standard signals merge: one pending instance keeps the first sender's details.
                _signalInfo ??= new SigInfo[Signals.NSIG + 1];
                _signalInfo[signal] = info;
            }
            Post(signal, thread);
        }

        private const int MaxQueuedSignals = 1024;

        private void Enqueue(QueuedSignal entry)
        {
            entry.Next = null;
            entry.Queued = true;
            if (_rtQueue == null)
                _rtQueue = entry;
            else
            {
                QueuedSignal last = _rtQueue;
                while (last.Next != null)
                    last = last.Next;
                last.Next = entry;
            }
            _rtQueued++;
        }

        /// <summary>Makes sure a standard signal's details can be kept without allocating (a timer's signal is sent from the tick).</summary>
        public void PrepareSignalInfo() => _signalInfo ??= new SigInfo[Signals.NSIG + 1];

        /// <summary>
        /// A POSIX timer's signal, from the tick: its details in <paramref name="entry"/> (made in advance:
        /// nothing is allocated here), to <paramref name="thread"/> or (null) the process. Init's rule is
        /// <see cref="SendSignal(int, int, Process?, int, ulong, ulong)"/>'s.
        /// </summary>
        public void SendTimerSignal(QueuedSignal entry, KernelThread? thread)
        {
            int signal = entry.Info.Signo;
            if (signal <= 0 || signal > Signals.NSIG || State != ProcessState.Alive || entry.Queued)
                return;
            if (this == Init && Actions[signal].Handler == Signals.SIG_DFL
                && ((thread?.BlockedSignals ?? MainThreadMask) & Signals.Bit(signal)) == 0)
                return;
            if (Signals.IsRealTime(signal))
            {
                if (WillDiscard(signal))
                    return;
                Enqueue(entry);
            }
            else if (((PendingSignals | (thread?.PendingSignals ?? 0)) & Signals.Bit(signal)) == 0 && _signalInfo != null)
            {
                _signalInfo[signal] = entry.Info;
            }
            Post(signal, thread);
        }

        /// <summary>Whether <paramref name="signal"/> is pending for the process or for <paramref name="thread"/>.</summary>
        public bool IsPending(int signal, KernelThread? thread)
            => ((PendingSignals | (thread?.PendingSignals ?? 0)) & Signals.Bit(signal)) != 0;

        /// <summary>POSIX timers (timer_create), newest first; deleted at exit and execve.</summary>
        public Time.PosixTimer? Timers;
        /// <summary>The id the next POSIX timer gets (Linux counts from 0 per process).</summary>
        public int NextTimerId;

        private QueuedSignal? _rtQueue;
        private int _rtQueued;

        /// <summary>
        /// Takes the lowest signal of <paramref name="set"/> pending for <paramref name="thread"/> off the
        /// pending sets, the thread's own first (Linux's dequeue_signal), with its details; 0 when there is
        /// none. Call with interrupts masked.
        /// </summary>
        public int TakePending(KernelThread thread, ulong set, out SigInfo info)
        {
            info = default;
            ulong ready = (thread.PendingSignals | PendingSignals) & set;
            if (ready == 0)
                return 0;
            int signal = Signals.Next(ready, 0);
            ulong bit = Signals.Bit(signal);
            if ((thread.PendingSignals & bit) != 0)
                thread.PendingSignals &= ~bit;
            else
                PendingSignals &= ~bit;
            info = TakeSignalInfo(signal);
            return signal;
        }

        /// <summary>
        /// Removes one instance of <paramref name="signal"/> (called when it is taken off the pending set) and
        /// returns its details; a POSIX timer's signal gets the timer's overrun count as it is delivered.
        /// </summary>
        public SigInfo TakeSignalInfo(int signal)
        {
            SigInfo info = TakeQueuedInfo(signal);
            if (info.Code == SigInfo.SI_TIMER)
                Time.PosixTimers.Delivered(this, ref info);
            return info;
        }

        private SigInfo TakeQueuedInfo(int signal)
        {
            if (Signals.IsRealTime(signal))
            {
                QueuedSignal? previous = null;
                for (QueuedSignal? q = _rtQueue; q != null; previous = q, q = q.Next)
                {
                    if (q.Info.Signo != signal)
                        continue;
                    if (previous == null) _rtQueue = q.Next; else previous.Next = q.Next;
                    _rtQueued--;
                    SigInfo found = q.Info;
                    q.Next = null;
                    q.Queued = false;
                    if (q.Owner == null)
                        Owned.Free(q);
                    // More of the same still queued: the signal stays pending.
                    for (QueuedSignal? r = _rtQueue; r != null; r = r.Next)
                        if (r.Info.Signo == signal)
                            PendingSignals |= Signals.Bit(signal);
                    return found;
                }
                return new SigInfo { Signo = signal, Code = SigInfo.SI_KERNEL };
            }
            if (_signalInfo == null)
                return new SigInfo { Signo = signal, Code = SigInfo.SI_KERNEL };
            SigInfo info = _signalInfo[signal];
            _signalInfo[signal] = default;
            if (info.Signo == 0)
                info = new SigInfo { Signo = signal, Code = SigInfo.SI_KERNEL };
            return info;
        }

        private bool WillDiscard(int signal)
        {
            SigAction a = Actions[signal];
            return (a.Handler == 1 || (a.Handler == 0 && Signals.Default(signal) == DefaultAction.Ignore))
                && (MainThreadMask & Signals.Bit(signal)) == 0;
        }

        /// <summary>The first thread's signal mask: whether a process-directed signal counts as blocked when it is sent (Linux looks at the group leader's).</summary>
        private ulong MainThreadMask => Thread?.BlockedSignals ?? 0;

        private void FreeQueuedSignals()
        {
            while (_rtQueue != null)
            {
                QueuedSignal q = _rtQueue;
                _rtQueue = q.Next;
                q.Next = null;
                q.Queued = false;
                if (q.Owner == null)
                    Owned.Free(q);
            }
            _rtQueued = 0;
        }

        /// <summary>Marks a signal pending for <paramref name="thread"/> (null: the process) and wakes a thread that will take it.</summary>
        private void Post(int signal, KernelThread? thread)
        {
            if (signal <= 0 || signal > Signals.NSIG || State != ProcessState.Alive)
                return;
            ulong daif = Cpu.SaveAndDisableInterrupts();
            ulong bit = Signals.Bit(signal);
            const ulong StopSignals = (1UL << (Signals.SIGSTOP - 1)) | (1UL << (Signals.SIGTSTP - 1)) | (1UL << (Signals.SIGTTIN - 1)) | (1UL << (Signals.SIGTTOU - 1));
            if (signal == Signals.SIGCONT || signal == Signals.SIGKILL)
            {
                PendingSignals &= ~StopSignals;
                for (KernelThread? t = Thread; t != null; t = t.NextInGroup)
                    t.PendingSignals &= ~StopSignals;
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
            {
                PendingSignals &= ~Signals.Bit(Signals.SIGCONT);
                for (KernelThread? t = Thread; t != null; t = t.NextInGroup)
                    t.PendingSignals &= ~Signals.Bit(Signals.SIGCONT);
            }
            SigAction a = Actions[signal];
            bool ignored = signal != Signals.SIGKILL && signal != Signals.SIGSTOP
                && (a.Handler == 1 || (a.Handler == 0 && Signals.Default(signal) == DefaultAction.Ignore))
                && ((thread?.BlockedSignals ?? MainThreadMask) & bit) == 0;
            if (!ignored)
            {
                if (thread != null)
                    thread.PendingSignals |= bit;
                else
                    PendingSignals |= bit;
            }
            // signalfd pollers wait on the process's signal channel.
            Scheduler.WakeAll(SignalChannel);
            if (thread != null)
            {
                if (thread.HasDeliverableSignal() || signal == Signals.SIGCONT || (thread.WaitingForSignals & bit) != 0)
                    Scheduler.Wake(thread);
            }
            else
            {
                // One thread that takes it is enough (the running one if it can, as Linux); SIGKILL and SIGCONT wake them all.
                bool all = signal == Signals.SIGKILL || signal == Signals.SIGCONT;
                KernelThread current = Scheduler.Current;
                bool done = !all && current.Process == this && ((current.BlockedSignals & bit) == 0 || (current.WaitingForSignals & bit) != 0);
                for (KernelThread? t = Thread; t != null && !done; t = t.NextInGroup)
                {
                    if (all || (t.WaitingForSignals & bit) != 0 || (!ignored && (t.BlockedSignals & bit) == 0))
                    {
                        Scheduler.Wake(t);
                        done = !all;
                    }
                }
            }
            Cpu.RestoreInterrupts(daif);
        }

        public static bool IsStopSignal(int s) => s == Signals.SIGSTOP || s == Signals.SIGTSTP || s == Signals.SIGTTIN || s == Signals.SIGTTOU;

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

        public void SetExecutable(Logic.Fs.Inode node, ReadOnlySpan<byte> path)
        {
            node.Acquire();
            Executable?.Release();
            Executable = node;
            if (ExecutablePath == null || ExecutablePath.Length < path.Length)
            {
                Owned.Free(ExecutablePath);
                ExecutablePath = new byte[path.Length < 64 ? 64 : path.Length];
            }
            path.CopyTo(ExecutablePath);
            ExecutablePathLength = path.Length;
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
}
