using System;

namespace Kernel.Logic.Process
{
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
