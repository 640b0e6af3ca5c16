using System;

namespace Kernel.Logic.Process
{
    /// <summary>What a signal does when its disposition is SIG_DFL (signal(7)).</summary>
    public enum DefaultAction
    {
        Terminate,
        /// <summary>Terminate and dump core (the wait status gets 0x80 when a core was written).</summary>
        Core,
        Ignore,
        Stop,
        /// <summary>SIGCONT: resume a stopped process (otherwise ignored).</summary>
        Continue,
    }

    /// <summary>What to do with a system call that returned a restart code when a signal arrived (arch/arm64/kernel/signal.c do_signal).</summary>
    public enum SyscallRestart
    {
        /// <summary>Not a restart code: return the result unchanged.</summary>
        None,
        /// <summary>Return -EINTR.</summary>
        Interrupt,
        /// <summary>Run the call again: x0 = the original x0, PC back by 4 (to the SVC).</summary>
        Restart,
        /// <summary>Run restart_syscall instead: x8 = <see cref="Signals.NR_restart_syscall"/>, PC back by 4.</summary>
        RestartBlock,
    }

    /// <summary>
    /// Linux signal numbers, sets and rules for arm64 (asm-generic numbering): default actions,
    /// sigaction flags, wait statuses and system-call restarting.
    /// </summary>
    public static class Signals
    {
        public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGIOT = 6, SIGBUS = 7,
            SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15,
            SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23,
            SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPOLL = 29, SIGPWR = 30,
            SIGSYS = 31;
        /// <summary>First real-time signal as the kernel numbers them (libc reserves the first two or three).</summary>
        public const int SIGRTMIN = 32;
        /// <summary>Highest signal number (_NSIG); also SIGRTMAX.</summary>
        public const int NSIG = 64, SIGRTMAX = 64;

        /// <summary>sigaction sa_flags (include/uapi/asm-generic/signal-defs.h; SA_RESTORER from arm64's uapi signal.h).</summary>
        public const ulong SA_NOCLDSTOP = 0x00000001, SA_NOCLDWAIT = 0x00000002, SA_SIGINFO = 0x00000004,
            SA_UNSUPPORTED = 0x00000400, SA_EXPOSE_TAGBITS = 0x00000800, SA_RESTORER = 0x04000000,
            SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
        /// <summary>The flags sigaction keeps (UAPI_SA_FLAGS on arm64); others read back as 0 so programs can detect them.</summary>
        public const ulong KnownActionFlags = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER
            | SA_RESETHAND | SA_EXPOSE_TAGBITS | SA_RESTORER;

        /// <summary>Handler values.</summary>
        public const ulong SIG_DFL = 0, SIG_IGN = 1;
        /// <summary>rt_sigprocmask how.</summary>
        public const int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
        /// <summary>sigaltstack ss_flags.</summary>
        public const int SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 1 << 31;
        /// <summary>arm64's uapi MINSIGSTKSZ / SIGSTKSZ (sigaltstack refuses smaller stacks with -ENOMEM).</summary>
        public const ulong MINSIGSTKSZ = 5120, SIGSTKSZ = 16384;
        /// <summary>Size of the kernel sigset_t that rt_sig* calls take.</summary>
        public const int SigsetSize = 8;

        /// <summary>Kernel-internal restart codes a blocked system call returns (include/linux/errno.h), negated when returned.</summary>
        public const int ERESTARTSYS = 512, ERESTARTNOINTR = 513, ERESTARTNOHAND = 514, ERESTART_RESTARTBLOCK = 516;
        /// <summary>arm64 (asm-generic) number of restart_syscall.</summary>
        public const int NR_restart_syscall = 128;

        /// <summary>SIGKILL and SIGSTOP: never blocked, caught or ignored.</summary>
        public const ulong UnblockableMask = (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1));
        /// <summary>Signals the CPU raises for the instruction at hand: delivered before any other pending signal.</summary>
        public const ulong SynchronousMask = (1UL << (SIGSEGV - 1)) | (1UL << (SIGBUS - 1)) | (1UL << (SIGILL - 1))
            | (1UL << (SIGTRAP - 1)) | (1UL << (SIGFPE - 1)) | (1UL << (SIGSYS - 1));
        /// <summary>Stop signals (default action Stop).</summary>
        public const ulong StopMask = (1UL << (SIGSTOP - 1)) | (1UL << (SIGTSTP - 1)) | (1UL << (SIGTTIN - 1)) | (1UL << (SIGTTOU - 1));
        private const ulong CoreMask = (1UL << (SIGQUIT - 1)) | (1UL << (SIGILL - 1)) | (1UL << (SIGTRAP - 1))
            | (1UL << (SIGABRT - 1)) | (1UL << (SIGBUS - 1)) | (1UL << (SIGFPE - 1)) | (1UL << (SIGSEGV - 1))
            | (1UL << (SIGXCPU - 1)) | (1UL << (SIGXFSZ - 1)) | (1UL << (SIGSYS - 1));
        private const ulong IgnoreMask = (1UL << (SIGCHLD - 1)) | (1UL << (SIGURG - 1)) | (1UL << (SIGWINCH - 1));

        /// <summary>1..64.</summary>
        public static bool IsValid(int sig) => sig >= 1 && sig <= NSIG;

        /// <summary>The sigset bit of <paramref name="sig"/> (bit sig-1); 0 for an invalid number.</summary>
        public static ulong Bit(int sig) => IsValid(sig) ? 1UL << (sig - 1) : 0;

        public static bool Contains(ulong set, int sig) => (set & Bit(sig)) != 0;

        public static ulong Add(ulong set, int sig) => set | Bit(sig);

        public static ulong Remove(ulong set, int sig) => set & ~Bit(sig);

        /// <summary>A blocked mask as the kernel stores it: SIGKILL and SIGSTOP removed.</summary>
        public static ulong Blockable(ulong set) => set & ~UnblockableMask;

        /// <summary>SIGKILL or SIGSTOP: cannot be caught, blocked or ignored.</summary>
        public static bool IsUncatchable(int sig) => sig == SIGKILL || sig == SIGSTOP;

        public static bool IsRealTime(int sig) => sig >= SIGRTMIN && sig <= SIGRTMAX;

        /// <summary>The new blocked mask for rt_sigprocmask(how, set): -EINVAL for an unknown how.</summary>
        public static int ChangeBlocked(ulong blocked, int how, ulong set, out ulong result)
        {
            result = blocked;
            switch (how)
            {
                case SIG_BLOCK: result = blocked | set; break;
                case SIG_UNBLOCK: result = blocked & ~set; break;
                case SIG_SETMASK: result = set; break;
                default: return -Errno.EINVAL;
            }
            result = Blockable(result);
            return 0;
        }

        /// <summary>
        /// The signal to deliver next from <paramref name="pending"/> minus <paramref name="blocked"/>:
        /// synchronous (fault) signals first, then the lowest number, as Linux's next_signal. 0 when none.
        /// </summary>
        public static int Next(ulong pending, ulong blocked)
        {
            ulong ready = pending & ~Blockable(blocked);
            if (ready == 0)
                return 0;
            ulong sync = ready & SynchronousMask;
            return LowestBit(sync != 0 ? sync : ready) + 1;
        }

        private static int LowestBit(ulong value)
        {
            int n = 0;
            while ((value & 1) == 0)
            {
                value >>= 1;
                n++;
            }
            return n;
        }

        /// <summary>The SIG_DFL action of <paramref name="sig"/> (1..64; real-time signals terminate).</summary>
        public static DefaultAction Default(int sig)
        {
            ulong bit = Bit(sig);
            if (sig == SIGCONT)
                return DefaultAction.Continue;
            if ((bit & StopMask) != 0)
                return DefaultAction.Stop;
            if ((bit & CoreMask) != 0)
                return DefaultAction.Core;
            if ((bit & IgnoreMask) != 0)
                return DefaultAction.Ignore;
            return DefaultAction.Terminate;
        }

        /// <summary>
        /// Whether a signal with this action is discarded when it is generated (and any pending one
        /// dropped when the action is set): SIG_IGN, or SIG_DFL of a signal whose default is to
        /// ignore (SIGCHLD, SIGURG, SIGWINCH, and SIGCONT, which only resumes).
        /// </summary>
        public static bool IsIgnored(int sig, ulong handler)
        {
            if (IsUncatchable(sig))
                return false;
            if (handler == SIG_IGN)
                return true;
            return handler == SIG_DFL && (Default(sig) == DefaultAction.Ignore || Default(sig) == DefaultAction.Continue);
        }

        /// <summary>The blocked mask while a handler for <paramref name="sig"/> runs: the old mask, sa_mask, and the signal itself unless SA_NODEFER.</summary>
        public static ulong MaskForHandler(ulong blocked, int sig, in SigAction action)
        {
            ulong mask = blocked | action.Mask;
            if ((action.Flags & SA_NODEFER) == 0)
                mask |= Bit(sig);
            return Blockable(mask);
        }

        /// <summary>
        /// What happens to a system call that returned <paramref name="result"/> when a signal
        /// interrupts it: <paramref name="handlerRuns"/> says whether a user handler is about to be
        /// invoked (with <paramref name="actionFlags"/>); false when no handler runs (signal ignored,
        /// stopped and continued, or none pending).
        /// </summary>
        public static SyscallRestart RestartFor(long result, bool handlerRuns, ulong actionFlags)
        {
            switch (result)
            {
                case -ERESTARTNOHAND:
                    return handlerRuns ? SyscallRestart.Interrupt : SyscallRestart.Restart;
                case -ERESTART_RESTARTBLOCK:
                    return handlerRuns ? SyscallRestart.Interrupt : SyscallRestart.RestartBlock;
                case -ERESTARTSYS:
                    return handlerRuns && (actionFlags & SA_RESTART) == 0 ? SyscallRestart.Interrupt : SyscallRestart.Restart;
                case -ERESTARTNOINTR:
                    return SyscallRestart.Restart;
                default:
                    return SyscallRestart.None;
            }
        }

        // ---- wait statuses (what wait4 stores; the W* macros of <sys/wait.h>) ----

        /// <summary>Normal exit with <paramref name="code"/> (only its low 8 bits): code &lt;&lt; 8.</summary>
        public static int ExitedStatus(int code) => (code & 0xff) << 8;

        /// <summary>Killed by <paramref name="sig"/>; 0x80 when a core was dumped.</summary>
        public static int SignaledStatus(int sig, bool coreDumped) => (sig & 0x7f) | (coreDumped ? 0x80 : 0);

        /// <summary>Stopped by <paramref name="sig"/>: sig &lt;&lt; 8 | 0x7f.</summary>
        public static int StoppedStatus(int sig) => (sig & 0xff) << 8 | 0x7f;

        /// <summary>Resumed by SIGCONT (reported with WCONTINUED).</summary>
        public const int ContinuedStatus = 0xffff;

        public static bool IfExited(int status) => (status & 0x7f) == 0;
        public static int ExitCode(int status) => (status >> 8) & 0xff;
        public static bool IfSignaled(int status) => (status & 0x7f) != 0 && (status & 0x7f) != 0x7f;
        public static int TermSignal(int status) => status & 0x7f;
        public static bool CoreDumped(int status) => (status & 0x80) != 0;
        public static bool IfStopped(int status) => (status & 0xff) == 0x7f;
        public static int StopSignal(int status) => (status >> 8) & 0xff;
        public static bool IfContinued(int status) => status == ContinuedStatus;
    }

    /// <summary>
    /// The kernel's struct sigaction on arm64 as rt_sigaction passes it: sa_handler (8),
    /// sa_flags (8), sa_restorer (8), sa_mask (8) = 32 bytes.
    /// </summary>
    public struct SigAction
    {
        public const int Size = 32;
        public const int HandlerOffset = 0, FlagsOffset = 8, RestorerOffset = 16, MaskOffset = 24;

        public ulong Handler, Flags, Restorer, Mask;

        /// <summary>Reads a user struct sigaction (at least 32 bytes).</summary>
        public static SigAction Read(ReadOnlySpan<byte> source)
        {
            SigAction a;
            a.Handler = LittleEndian.U64(source, HandlerOffset);
            a.Flags = LittleEndian.U64(source, FlagsOffset);
            a.Restorer = LittleEndian.U64(source, RestorerOffset);
            a.Mask = LittleEndian.U64(source, MaskOffset);
            return a;
        }

        public readonly void Write(Span<byte> destination)
        {
            LittleEndian.Put64(destination, HandlerOffset, Handler);
            LittleEndian.Put64(destination, FlagsOffset, Flags);
            LittleEndian.Put64(destination, RestorerOffset, Restorer);
            LittleEndian.Put64(destination, MaskOffset, Mask);
        }

        /// <summary>
        /// The rt_sigaction rules for installing <paramref name="action"/> on <paramref name="sig"/>:
        /// -EINVAL for an invalid signal or any action on SIGKILL/SIGSTOP; otherwise unknown flags
        /// are dropped and SIGKILL/SIGSTOP removed from the mask.
        /// </summary>
        public static int Validate(int sig, ref SigAction action)
        {
            if (!Signals.IsValid(sig) || Signals.IsUncatchable(sig))
                return -Errno.EINVAL;
            action.Flags &= Signals.KnownActionFlags;
            action.Mask = Signals.Blockable(action.Mask);
            return 0;
        }

        /// <summary>After a handler is set up: SA_RESETHAND puts the disposition back to SIG_DFL.</summary>
        public void AfterDelivery()
        {
            if ((Flags & Signals.SA_RESETHAND) != 0)
                Handler = Signals.SIG_DFL;
        }
    }

    /// <summary>A thread's alternate signal stack (sigaltstack) and the stack_t that describes it (24 bytes: ss_sp, ss_flags + pad, ss_size).</summary>
    public struct AltStack
    {
        public const int Size = 24;
        public const int SpOffset = 0, FlagsOffset = 8, SizeOffset = 16;

        /// <summary>ss_sp, ss_size, and ss_flags as last set (SS_AUTODISARM kept; 0 size = none).</summary>
        public ulong Sp, StackSize;
        public int Flags;
#pragma warning disable CS0169   // never read: it only fills what would be padding (see SigInfo)
        private readonly int _reserved;
#pragma warning restore CS0169

        /// <summary>Whether <paramref name="sp"/> is on the alternate stack (never, with SS_AUTODISARM).</summary>
        public readonly bool IsOnStack(ulong sp) => (Flags & Signals.SS_AUTODISARM) == 0 && sp > Sp && sp - Sp <= StackSize;

        /// <summary>The ss_flags sigaltstack reports and a signal frame saves for a thread at <paramref name="sp"/>.</summary>
        public readonly int ReportedFlags(ulong sp)
        {
            if (StackSize == 0)
                return Signals.SS_DISABLE;
            return (IsOnStack(sp) ? Signals.SS_ONSTACK : 0) | (Flags & Signals.SS_AUTODISARM);
        }

        /// <summary>Where a handler's frame goes: the top of the alternate stack with SA_ONSTACK when one is set and not in use, else <paramref name="sp"/>.</summary>
        public readonly ulong StackTopFor(ulong sp, ulong actionFlags)
        {
            if ((actionFlags & Signals.SA_ONSTACK) != 0 && StackSize != 0 && !IsOnStack(sp))
                return Sp + StackSize;
            return sp;
        }

        /// <summary>
        /// sigaltstack's change: <paramref name="newSp"/>/<paramref name="newSize"/>/<paramref name="newFlags"/>
        /// from the user's stack_t, the thread at <paramref name="sp"/>. -EPERM while on the
        /// alternate stack, -EINVAL for bad flags, -ENOMEM below MINSIGSTKSZ; 0 and the new state.
        /// </summary>
        public int Change(ulong sp, ulong newSp, ulong newSize, int newFlags)
        {
            if (IsOnStack(sp))
                return -Errno.EPERM;
            int mode = newFlags & ~Signals.SS_AUTODISARM;
            if (mode != Signals.SS_DISABLE && mode != Signals.SS_ONSTACK && mode != 0)
                return -Errno.EINVAL;
            if (Sp == newSp && StackSize == newSize && Flags == newFlags)
                return 0;
            if (mode == Signals.SS_DISABLE)
            {
                newSp = 0;
                newSize = 0;
            }
            else if (newSize < Signals.MINSIGSTKSZ)
                return -Errno.ENOMEM;
            Sp = newSp;
            StackSize = newSize;
            Flags = newFlags;
            return 0;
        }

        /// <summary>After a frame was built on it: SS_AUTODISARM turns the alternate stack off.</summary>
        public void AfterFrameSaved()
        {
            if ((Flags & Signals.SS_AUTODISARM) != 0)
            {
                Sp = 0;
                StackSize = 0;
                Flags = Signals.SS_DISABLE;
            }
        }

        /// <summary>Writes the stack_t sigaltstack(old) and a signal frame report for a thread at <paramref name="sp"/>.</summary>
        public readonly void WriteStackT(Span<byte> destination, ulong sp)
        {
            LittleEndian.Put64(destination, SpOffset, Sp);
            LittleEndian.Put64(destination, FlagsOffset, (uint)ReportedFlags(sp));   // int + 4 bytes of padding
            LittleEndian.Put64(destination, SizeOffset, StackSize);
        }

        /// <summary>Reads a user stack_t (24 bytes).</summary>
        public static void ReadStackT(ReadOnlySpan<byte> source, out ulong sp, out int flags, out ulong size)
        {
            sp = LittleEndian.U64(source, SpOffset);
            flags = (int)LittleEndian.U32(source, FlagsOffset);
            size = LittleEndian.U64(source, SizeOffset);
        }
    }

    /// <summary>Which union member of siginfo_t a (signal, si_code) pair uses (Linux's siginfo_layout).</summary>
    public enum SigInfoLayout
    {
        Kill,
        Timer,
        Rt,
        Child,
        Fault,
        Poll,
        Sys,
    }

    /// <summary>
    /// siginfo_t (128 bytes): si_signo, si_errno, si_code at 0/4/8, the union at 16. The fields
    /// used depend on <see cref="Layout"/>; the others are ignored when writing.
    /// </summary>
    public struct SigInfo
    {
        public const int Size = 128;

        /// <summary>si_code values.</summary>
        public const int SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TIMER = -2, SI_MESGQ = -3, SI_ASYNCIO = -4,
            SI_SIGIO = -5, SI_TKILL = -6;
        public const int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5, CLD_CONTINUED = 6;
        public const int SEGV_MAPERR = 1, SEGV_ACCERR = 2;
        public const int BUS_ADRALN = 1, BUS_ADRERR = 2, BUS_OBJERR = 3;
        public const int ILL_ILLOPC = 1, ILL_ILLOPN = 2, ILL_ILLADR = 3, ILL_ILLTRP = 4, ILL_PRVOPC = 5, ILL_PRVREG = 6, ILL_COPROC = 7, ILL_BADSTK = 8;
        public const int FPE_INTDIV = 1, FPE_INTOVF = 2, FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7, FPE_FLTSUB = 8;
        public const int TRAP_BRKPT = 1, TRAP_TRACE = 2;
        public const int POLL_IN = 1, POLL_OUT = 2, POLL_MSG = 3, POLL_ERR = 4, POLL_PRI = 5, POLL_HUP = 6;
        public const int SYS_SECCOMP = 1;

        // Field order keeps the struct free of padding (8-byte fields first, an even number of
        // 4-byte ones): ILC can then compare it bitwise and needs no field helper when SigInfo is
        // stored in arrays, which the kernel's core library could not provide.

        /// <summary>Child: user and system time in clock ticks.</summary>
        public long Utime, Stime;
        /// <summary>Rt, Timer: sigval (int or pointer).</summary>
        public ulong Value;
        /// <summary>Fault: the faulting address.</summary>
        public ulong Addr;
        /// <summary>Poll: band event.</summary>
        public long Band;
        /// <summary>Sys: calling instruction.</summary>
        public ulong CallAddr;
        public int Signo, Errno, Code;
        /// <summary>Kill, Rt, Child: sender or child.</summary>
        public int Pid;
        public uint Uid;
        /// <summary>Child: exit code or signal.</summary>
        public int Status;
        /// <summary>Timer: timer id and overrun count.</summary>
        public int TimerId, Overrun;
        /// <summary>Poll: descriptor.</summary>
        public int Fd;
        /// <summary>Sys: system call number and AUDIT_ARCH.</summary>
        public int Syscall;
        public uint Arch;
#pragma warning disable CS0169   // never read: it only fills what would be padding
        private readonly int _reserved;
#pragma warning restore CS0169

        /// <summary>The layout Linux uses for this signal and code.</summary>
        public readonly SigInfoLayout Layout => LayoutOf(Signo, Code);

        public static SigInfoLayout LayoutOf(int sig, int code)
        {
            if (code > SI_USER && code < SI_KERNEL)
            {
                int limit = sig switch
                {
                    Signals.SIGILL => 11,
                    Signals.SIGFPE => 15,
                    Signals.SIGSEGV => 10,
                    Signals.SIGBUS => 5,
                    Signals.SIGTRAP => 6,
                    Signals.SIGCHLD => 6,
                    Signals.SIGPOLL => 6,
                    Signals.SIGSYS => 2,
                    _ => 0,
                };
                if (code <= limit)
                {
                    return sig switch
                    {
                        Signals.SIGCHLD => SigInfoLayout.Child,
                        Signals.SIGPOLL => SigInfoLayout.Poll,
                        Signals.SIGSYS => SigInfoLayout.Sys,
                        _ => SigInfoLayout.Fault,
                    };
                }
                return code <= 6 ? SigInfoLayout.Poll : SigInfoLayout.Kill;
            }
            if (code == SI_TIMER)
                return SigInfoLayout.Timer;
            if (code == SI_SIGIO)
                return SigInfoLayout.Poll;
            if (code < 0)
                return SigInfoLayout.Rt;
            return SigInfoLayout.Kill;
        }

        /// <summary>kill(2) and friends: SI_USER (SI_TKILL for tkill/tgkill) from <paramref name="pid"/>/<paramref name="uid"/>.</summary>
        public static SigInfo User(int sig, int pid, uint uid, int code = SI_USER)
        {
            SigInfo i = default;
            i.Signo = sig;
            i.Code = code;
            i.Pid = pid;
            i.Uid = uid;
            return i;
        }

        /// <summary>A signal the kernel raises on its own behalf (SI_KERNEL), e.g. SIGKILL on OOM or a bad sigreturn's SIGSEGV.</summary>
        public static SigInfo Kernel(int sig)
        {
            SigInfo i = default;
            i.Signo = sig;
            i.Code = SI_KERNEL;
            return i;
        }

        /// <summary>A hardware fault: SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP with its code and address.</summary>
        public static SigInfo Fault(int sig, int code, ulong address)
        {
            SigInfo i = default;
            i.Signo = sig;
            i.Code = code;
            i.Addr = address;
            return i;
        }

        /// <summary>SIGCHLD for a child that exited (status = exit code), was killed or dumped (status = signal), stopped or continued.</summary>
        public static SigInfo Child(int code, int pid, uint uid, int status, long utime, long stime)
        {
            SigInfo i = default;
            i.Signo = Signals.SIGCHLD;
            i.Code = code;
            i.Pid = pid;
            i.Uid = uid;
            i.Status = status;
            i.Utime = utime;
            i.Stime = stime;
            return i;
        }

        /// <summary>Writes the 128-byte siginfo_t (zeroing the rest, as copy_siginfo_to_user does).</summary>
        public readonly void Write(Span<byte> destination)
        {
            destination.Slice(0, Size).Clear();
            LittleEndian.Put32(destination, 0, (uint)Signo);
            LittleEndian.Put32(destination, 4, (uint)Errno);
            LittleEndian.Put32(destination, 8, (uint)Code);
            switch (Layout)
            {
                case SigInfoLayout.Kill:
                    LittleEndian.Put32(destination, 16, (uint)Pid);
                    LittleEndian.Put32(destination, 20, Uid);
                    break;
                case SigInfoLayout.Timer:
                    LittleEndian.Put32(destination, 16, (uint)TimerId);
                    LittleEndian.Put32(destination, 20, (uint)Overrun);
                    LittleEndian.Put64(destination, 24, Value);
                    break;
                case SigInfoLayout.Rt:
                    LittleEndian.Put32(destination, 16, (uint)Pid);
                    LittleEndian.Put32(destination, 20, Uid);
                    LittleEndian.Put64(destination, 24, Value);
                    break;
                case SigInfoLayout.Child:
                    LittleEndian.Put32(destination, 16, (uint)Pid);
                    LittleEndian.Put32(destination, 20, Uid);
                    LittleEndian.Put32(destination, 24, (uint)Status);
                    LittleEndian.Put64(destination, 32, (ulong)Utime);
                    LittleEndian.Put64(destination, 40, (ulong)Stime);
                    break;
                case SigInfoLayout.Fault:
                    LittleEndian.Put64(destination, 16, Addr);
                    break;
                case SigInfoLayout.Poll:
                    LittleEndian.Put64(destination, 16, (ulong)Band);
                    LittleEndian.Put32(destination, 24, (uint)Fd);
                    break;
                case SigInfoLayout.Sys:
                    LittleEndian.Put64(destination, 16, CallAddr);
                    LittleEndian.Put32(destination, 24, (uint)Syscall);
                    LittleEndian.Put32(destination, 28, Arch);
                    break;
            }
        }

        /// <summary>Reads a siginfo_t (128 bytes, e.g. from rt_sigqueueinfo) into the fields of its layout.</summary>
        public static SigInfo Read(ReadOnlySpan<byte> source)
        {
            SigInfo i = default;
            i.Signo = (int)LittleEndian.U32(source, 0);
            i.Errno = (int)LittleEndian.U32(source, 4);
            i.Code = (int)LittleEndian.U32(source, 8);
            switch (i.Layout)
            {
                case SigInfoLayout.Kill:
                    i.Pid = (int)LittleEndian.U32(source, 16);
                    i.Uid = LittleEndian.U32(source, 20);
                    break;
                case SigInfoLayout.Timer:
                    i.TimerId = (int)LittleEndian.U32(source, 16);
                    i.Overrun = (int)LittleEndian.U32(source, 20);
                    i.Value = LittleEndian.U64(source, 24);
                    break;
                case SigInfoLayout.Rt:
                    i.Pid = (int)LittleEndian.U32(source, 16);
                    i.Uid = LittleEndian.U32(source, 20);
                    i.Value = LittleEndian.U64(source, 24);
                    break;
                case SigInfoLayout.Child:
                    i.Pid = (int)LittleEndian.U32(source, 16);
                    i.Uid = LittleEndian.U32(source, 20);
                    i.Status = (int)LittleEndian.U32(source, 24);
                    i.Utime = (long)LittleEndian.U64(source, 32);
                    i.Stime = (long)LittleEndian.U64(source, 40);
                    break;
                case SigInfoLayout.Fault:
                    i.Addr = LittleEndian.U64(source, 16);
                    break;
                case SigInfoLayout.Poll:
                    i.Band = (long)LittleEndian.U64(source, 16);
                    i.Fd = (int)LittleEndian.U32(source, 24);
                    break;
                case SigInfoLayout.Sys:
                    i.CallAddr = LittleEndian.U64(source, 16);
                    i.Syscall = (int)LittleEndian.U32(source, 24);
                    i.Arch = LittleEndian.U32(source, 28);
                    break;
            }
            return i;
        }
    }
}
