using Kernel.Arch;
using Kernel.Logic.Process;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Time;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Fs
{
    /// <summary>Files with no name: eventfd2, timerfd_create/settime/gettime, signalfd4 and memfd_create.</summary>
    public static unsafe class EventFileSyscalls
    {
        private const int EfdSemaphore = 1;
        private const int TfdTimerAbstime = 1, TfdTimerCancelOnSet = 2;

        public static void Register()
        {
            Syscalls.Register("eventfd2"u8, &Eventfd2);
            Syscalls.Register("timerfd_create"u8, &TimerfdCreate);
            Syscalls.Register("timerfd_settime"u8, &TimerfdSettime);
            Syscalls.Register("timerfd_gettime"u8, &TimerfdGettime);
            Syscalls.Register("signalfd4"u8, &Signalfd4);
            Syscalls.Register("memfd_create"u8, &MemfdCreate);
        }

        private const int MfdCloexec = 1, MfdAllowSealing = 2, MfdNoexecSeal = 8, MfdExec = 0x10;

        /// <summary>
        /// memfd_create(name, flags): MFD_CLOEXEC, and MFD_ALLOW_SEALING/MFD_NOEXEC_SEAL/MFD_EXEC accepted
        /// (seals themselves are not kept: F_ADD_SEALS is not supported); MFD_HUGETLB is EINVAL (no huge pages).
        /// </summary>
        private static long MemfdCreate(TrapFrame* f)
        {
            int flags = Int(f, 1);
            if ((flags & ~(MfdCloexec | MfdAllowSealing | MfdNoexecSeal | MfdExec)) != 0 || (flags & (MfdNoexecSeal | MfdExec)) == (MfdNoexecSeal | MfdExec))
                return -Errno.EINVAL;
            System.Span<byte> name = stackalloc byte[MemFd.MaxName + 1];
            int n = UserMemory.ReadString(f->X[0], name);
            if (n < 0)
                return n == -Errno.ENAMETOOLONG ? -Errno.EINVAL : n;
            Processes.Process p = Current;
            int r = MemFd.Create(name.Slice(0, n), 0, p.Euid, p.Egid, out OpenFile? file);
            if (r < 0)
                return r;
            return p.Files!.Install(file!, (flags & MfdCloexec) != 0);
        }

        private static long Install(OpenFile file, int flags) => Current.Files!.Install(file, (flags & OpenFlags.CloseOnExec) != 0);

        private static long Eventfd2(TrapFrame* f)
        {
            int flags = Int(f, 1);
            if ((flags & ~(EfdSemaphore | OpenFlags.NonBlock | OpenFlags.CloseOnExec)) != 0)
                return -Errno.EINVAL;
            return Install(new EventFdFile((uint)f->X[0], (flags & EfdSemaphore) != 0, flags & OpenFlags.NonBlock), flags);
        }

        private static long TimerfdCreate(TrapFrame* f)
        {
            int clock = Int(f, 0), flags = Int(f, 1);
            if ((flags & ~(OpenFlags.NonBlock | OpenFlags.CloseOnExec)) != 0)
                return -Errno.EINVAL;
            if (clock != ClockIds.Realtime && clock != ClockIds.Monotonic && clock != ClockIds.Boottime)
                return -Errno.EINVAL;
            return Install(new TimerFdFile(clock == ClockIds.Realtime, flags & OpenFlags.NonBlock), flags);
        }

        /// <summary>A struct timespec pair as struct itimerspec (interval, then value), in ns; -errno.</summary>
        private static int ReadItimerspec(ulong address, out ulong interval, out ulong value)
        {
            value = 0;
            int r = TimeSyscalls.ReadTimespec(address, out interval);
            return r < 0 ? r : TimeSyscalls.ReadTimespec(address + 16, out value);
        }

        private static int WriteItimerspec(ulong address, ulong interval, ulong value)
        {
            if (UserMemory.Write(address, interval / 1_000_000_000) < 0 || UserMemory.Write(address + 8, interval % 1_000_000_000) < 0 ||
                UserMemory.Write(address + 16, value / 1_000_000_000) < 0 || UserMemory.Write(address + 24, value % 1_000_000_000) < 0)
                return -Errno.EFAULT;
            return 0;
        }

        private static long TimerfdSettime(TrapFrame* f)
        {
            int flags = Int(f, 1);
            if ((flags & ~(TfdTimerAbstime | TfdTimerCancelOnSet)) != 0)
                return -Errno.EINVAL;
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file is not TimerFdFile timer)
                return -Errno.EINVAL;
            int r = ReadItimerspec(f->X[2], out ulong interval, out ulong value);
            if (r < 0)
                return r;
            timer.Set(value, interval, (flags & TfdTimerAbstime) != 0, out ulong oldLeft, out ulong oldInterval);
            return f->X[3] != 0 ? WriteItimerspec(f->X[3], oldInterval, oldLeft) : 0;
        }

        private static long TimerfdGettime(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file is not TimerFdFile timer)
                return -Errno.EINVAL;
            timer.Get(out ulong left, out ulong interval);
            return WriteItimerspec(f->X[1], interval, left);
        }

        /// <summary>signalfd4(fd, mask, size, flags): a new signalfd (fd -1) or a new mask for one; SIGKILL and SIGSTOP never count.</summary>
        private static long Signalfd4(TrapFrame* f)
        {
            int fd = Int(f, 0), flags = Int(f, 3);
            if (f->X[2] != 8 || (flags & ~(OpenFlags.NonBlock | OpenFlags.CloseOnExec)) != 0)
                return -Errno.EINVAL;
            if (UserMemory.Read(f->X[1], out ulong mask) < 0)
                return -Errno.EFAULT;
            mask &= ~Signals.UnblockableMask;
            if (fd == -1)
                return Install(new SignalFdFile(mask, flags & OpenFlags.NonBlock), flags);
            OpenFile? file = File(fd);
            if (file == null)
                return -Errno.EBADF;
            if (file is not SignalFdFile signals)
                return -Errno.EINVAL;
            signals.Mask = mask;
            return fd;
        }
    }
}
