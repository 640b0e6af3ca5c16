using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Processes;
using Kernel.Threading;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Time
{
    /// <summary>Clocks, sleeps and interval timers: clock_gettime, clock_getres, gettimeofday, nanosleep, clock_nanosleep, setitimer, getitimer.</summary>
    public static unsafe class TimeSyscalls
    {

        /// <summary>setitimer/getitimer's timers (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF).</summary>
        private const int ItimerReal = 0, ItimerVirtual = 1, ItimerProf = 2;

        public static void Register()
        {
            Syscalls.Register("clock_gettime"u8, &ClockGettime);
            Syscalls.Register("clock_getres"u8, &ClockGetres);
            Syscalls.Register("gettimeofday"u8, &Gettimeofday);
            Syscalls.Register("nanosleep"u8, &Nanosleep);
            Syscalls.Register("clock_nanosleep"u8, &ClockNanosleep);
            Syscalls.Register("setitimer"u8, &Setitimer);
            Syscalls.Register("getitimer"u8, &Getitimer);
        }

        internal static int ReadClock(int clock, out ulong ns)
        {
            switch (clock)
            {
                case ClockIds.Realtime:
                case ClockIds.RealtimeCoarse:
                    ns = Clock.RealtimeNanoseconds();
                    return 0;
                case ClockIds.Monotonic:
                case ClockIds.MonotonicRaw:
                case ClockIds.MonotonicCoarse:
                case ClockIds.Boottime:
                    ns = Clock.MonotonicNanoseconds();
                    return 0;
                case ClockIds.ProcessCpu:
                case ClockIds.ThreadCpu:
                    {
                        Process p = Current;
                        ns = (p.UserTicks + p.SystemTicks) * (1_000_000_000UL / SystemTimer.Hz);
                        return 0;
                    }
                default:
                    ns = 0;
                    return -Errno.EINVAL;
            }
        }

        internal static int WriteTimespec(ulong address, ulong ns)
        {
            int r = UserMemory.Write(address, ns / 1_000_000_000);
            return r < 0 ? r : UserMemory.Write(address + 8, ns % 1_000_000_000);
        }

        internal static int ReadTimespec(ulong address, out ulong ns)
        {
            ns = 0;
            if (UserMemory.Read(address, out long seconds) < 0 || UserMemory.Read(address + 8, out long nanos) < 0)
                return -Errno.EFAULT;
            if (seconds < 0 || nanos < 0 || nanos >= 1_000_000_000)
                return -Errno.EINVAL;
            ns = (ulong)seconds > ulong.MaxValue / 2_000_000_000 ? ulong.MaxValue / 2 : (ulong)seconds * 1_000_000_000 + (ulong)nanos;
            return 0;
        }

        private static long ClockGettime(TrapFrame* f)
        {
            int r = ReadClock(Int(f, 0), out ulong ns);
            if (r < 0)
                return r;
            return WriteTimespec(f->X[1], ns);
        }

        private static long ClockGetres(TrapFrame* f)
        {
            int r = ReadClock(Int(f, 0), out _);
            if (r < 0)
                return r;
            if (f->X[1] == 0)
                return 0;
            ulong resolution = Clock.CounterToNanoseconds(1);
            return WriteTimespec(f->X[1], resolution == 0 ? 1 : resolution);
        }

        private static long Gettimeofday(TrapFrame* f)
        {
            if (f->X[0] != 0)
            {
                ulong ns = Clock.RealtimeNanoseconds();
                if (UserMemory.Write(f->X[0], ns / 1_000_000_000) < 0 || UserMemory.Write(f->X[0] + 8, ns % 1_000_000_000 / 1000) < 0)
                    return -Errno.EFAULT;
            }
            if (f->X[1] != 0 && UserMemory.Clear(f->X[1], 8) < 0)
                return -Errno.EFAULT;
            return 0;
        }

        /// <summary>Sleeps until the monotonic deadline; -EINTR when a signal arrives first.</summary>
        private static int SleepUntil(ulong deadlineNs)
        {
            Process p = Current;
            while (true)
            {
                ulong now = Clock.MonotonicNanoseconds();
                if (now >= deadlineNs)
                    return 0;
                ulong daif = Cpu.SaveAndDisableInterrupts();
                int r = Waiting.WaitOn(p.SignalChannel, Clock.DeadlineAfter(deadlineNs - now));
                Cpu.RestoreInterrupts(daif);
                if (r < 0)
                    return r;
            }
        }

        private static long Nanosleep(TrapFrame* f)
        {
            int r = ReadTimespec(f->X[0], out ulong ns);
            if (r < 0)
                return r;
            ulong deadline = Clock.MonotonicNanoseconds() + ns;
            r = SleepUntil(deadline);
            if (r < 0 && f->X[1] != 0)
            {
                ulong now = Clock.MonotonicNanoseconds();
                WriteTimespec(f->X[1], deadline > now ? deadline - now : 0);
            }
            return r;
        }

        private static long ClockNanosleep(TrapFrame* f)
        {
            int clock = Int(f, 0), flags = Int(f, 1);
            if (clock != ClockIds.Realtime && clock != ClockIds.Monotonic && clock != ClockIds.Boottime)
                return clock == ClockIds.ProcessCpu ? -Errno.ENOTSUP : -Errno.EINVAL;
            int r = ReadTimespec(f->X[2], out ulong ns);
            if (r < 0)
                return r;
            const int TimerAbstime = 1;
            ulong now = Clock.MonotonicNanoseconds();
            ulong deadline;
            if ((flags & TimerAbstime) != 0)
            {
                ReadClock(clock, out ulong clockNow);
                deadline = ns > clockNow ? now + (ns - clockNow) : now;
            }
            else
            {
                deadline = now + ns;
            }
            r = SleepUntil(deadline);
            if (r < 0 && (flags & TimerAbstime) == 0 && f->X[3] != 0)
            {
                ulong after = Clock.MonotonicNanoseconds();
                WriteTimespec(f->X[3], deadline > after ? deadline - after : 0);
            }
            return r;
        }

        private static long Setitimer(TrapFrame* f)
        {
            int which = Int(f, 0);
            if (which < ItimerReal || which > ItimerProf)
                return -Errno.EINVAL;
            Process p = Current;
            if (f->X[2] != 0)
            {
                long r = WriteItimer(f->X[2], p, which);
                if (r < 0)
                    return r;
            }
            if (f->X[1] == 0)
                return 0;
            if (UserMemory.Read(f->X[1], out long isec) < 0 || UserMemory.Read(f->X[1] + 8, out long iusec) < 0
                || UserMemory.Read(f->X[1] + 16, out long vsec) < 0 || UserMemory.Read(f->X[1] + 24, out long vusec) < 0)
                return -Errno.EFAULT;
            if (isec < 0 || vsec < 0 || iusec < 0 || vusec < 0 || iusec >= 1_000_000 || vusec >= 1_000_000)
                return -Errno.EINVAL;
            ulong value = (ulong)vsec * 1_000_000_000 + (ulong)vusec * 1000;
            ulong interval = (ulong)isec * 1_000_000_000 + (ulong)iusec * 1000;
            if (which == ItimerReal)
            {
                p.AlarmInterval = interval;
                p.AlarmAt = value == 0 ? 0 : Clock.MonotonicNanoseconds() + value;
                Alarms.Update(p);
            }
            else
            {
                ulong tickNs = 1_000_000_000UL / SystemTimer.Hz;
                ulong left = value == 0 ? 0 : (value + tickNs - 1) / tickNs;
                ulong reload = (interval + tickNs - 1) / tickNs;
                if (which == ItimerVirtual) { p.VirtualLeft = left; p.VirtualInterval = reload; }
                else { p.ProfLeft = left; p.ProfInterval = reload; }
            }
            return 0;
        }

        private static long Getitimer(TrapFrame* f)
        {
            int which = Int(f, 0);
            if (which < ItimerReal || which > ItimerProf)
                return -Errno.EINVAL;
            return WriteItimer(f->X[1], Current, which);
        }

        private static long WriteItimer(ulong address, Process p, int which)
        {
            ulong interval, left;
            if (which == ItimerReal)
            {
                ulong now = Clock.MonotonicNanoseconds();
                left = p.AlarmAt > now ? p.AlarmAt - now : p.AlarmAt == 0 ? 0UL : 1000UL;
                interval = p.AlarmInterval;
            }
            else
            {
                ulong tickNs = 1_000_000_000UL / SystemTimer.Hz;
                left = (which == ItimerVirtual ? p.VirtualLeft : p.ProfLeft) * tickNs;
                interval = (which == ItimerVirtual ? p.VirtualInterval : p.ProfInterval) * tickNs;
            }
            int r = UserMemory.Write(address, interval / 1_000_000_000);
            if (r == 0) r = UserMemory.Write(address + 8, interval % 1_000_000_000 / 1000);
            if (r == 0) r = UserMemory.Write(address + 16, left / 1_000_000_000);
            if (r == 0) r = UserMemory.Write(address + 24, left % 1_000_000_000 / 1000);
            return r;
        }
    }
}
