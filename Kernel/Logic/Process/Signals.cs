namespace Kernel.Logic.Process
{
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
}
