using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Logic.Process;
using Kernel.Memory;
using Kernel.Processes;
using Kernel.Threading;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Time
{
    /// <summary>
    /// POSIX timers: timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete. Clocks
    /// CLOCK_REALTIME, MONOTONIC and BOOTTIME (all the monotonic clock here: the real-time clock is never
    /// set, and nothing suspends), and the CPU time of the process (CLOCK_PROCESS_CPUTIME_ID, and
    /// CLOCK_THREAD_CPUTIME_ID as the process's, in ticks). Expiries are found on the tick, as Linux's
    /// would be at the tick's resolution; a signal still pending when the timer expires again is not sent
    /// again, the expiry is counted as an overrun (si_overrun when it is delivered, then timer_getoverrun).
    /// </summary>
    public static unsafe class PosixTimers
    {
        private const int SigevSignal = 0, SigevNone = 1, SigevThread = 2, SigevThreadId = 4;
        private const int TimerAbstime = 1;
        private const int MaxTimersPerProcess = 4096;

        /// <summary>Armed timers in the system (the tick looks no further when there is none).</summary>
        private static int s_armed;

        public static void Register()
        {
            Syscalls.Register("timer_create"u8, &TimerCreate);
            Syscalls.Register("timer_settime"u8, &TimerSettime);
            Syscalls.Register("timer_gettime"u8, &TimerGettime);
            Syscalls.Register("timer_getoverrun"u8, &TimerGetoverrun);
            Syscalls.Register("timer_delete"u8, &TimerDelete);
        }

        private static Process Current => Scheduler.Current.Process!;

        private static ulong CpuNanoseconds(Process p) => (p.UserTicks + p.SystemTicks) * (1_000_000_000UL / SystemTimer.Hz);

        private static KernelThread? ThreadOf(Process p, int tid)
        {
            for (KernelThread? t = p.Thread; t != null; t = t.NextInGroup)
                if (t.Tid == tid)
                    return t;
            return null;
        }

        private static PosixTimer? Find(Process p, int id)
        {
            for (PosixTimer? t = p.Timers; t != null; t = t.Next)
                if (t.Id == id)
                    return t;
            return null;
        }

        private static void Recount()
        {
            int n = 0;
            for (Process? p = Process.First; p != null; p = p.NextInTable)
                for (PosixTimer? t = p.Timers; t != null; t = t.Next)
                    if (t.ExpiresAt != 0)
                        n++;
            s_armed = n;
        }

        private static int AddSaturating(int overrun, ulong more)
        {
            ulong sum = (ulong)overrun + more;
            return sum > int.MaxValue ? int.MaxValue : (int)sum;
        }

        /// <summary>timer_create(clockid, sevp, timerid): the new timer's id, from 0 up in each process.</summary>
        private static long TimerCreate(TrapFrame* f)
        {
            int clock = Int(f, 0);
            if (clock != ClockIds.Realtime && clock != ClockIds.Monotonic && clock != ClockIds.Boottime && clock != ClockIds.ProcessCpu && clock != ClockIds.ThreadCpu)
                return clock >= 4 && clock <= 6 ? -Errno.EOPNOTSUPP : -Errno.EINVAL;
            Process p = Current;
            int notify = SigevSignal, signal = Signals.SIGALRM, tid = 0;
            ulong value = 0;
            bool defaultValue = f->X[1] == 0;
            if (!defaultValue)
            {
                ulong sev = f->X[1];
                if (UserMemory.Read(sev, out value) < 0 || UserMemory.Read(sev + 8, out signal) < 0
                    || UserMemory.Read(sev + 12, out notify) < 0 || UserMemory.Read(sev + 16, out tid) < 0)
                    return -Errno.EFAULT;
            }
            // Linux's good_sigevent: a thread of this process for SIGEV_THREAD_ID, a valid signal unless SIGEV_NONE.
            if (notify == SigevThreadId && ThreadOf(p, tid) == null)
                return -Errno.EINVAL;
            if (notify == SigevSignal || notify == SigevThread || notify == SigevThreadId)
            {
                if (signal <= 0 || signal > Signals.NSIG)
                    return -Errno.EINVAL;
            }
            else if (notify != SigevNone)
            {
                return -Errno.EINVAL;
            }
            int count = 0;
            for (PosixTimer? t = p.Timers; t != null; t = t.Next)
                count++;
            if (count >= MaxTimersPerProcess)
                return -Errno.EAGAIN;
            int id = p.NextTimerId;
            while (Find(p, id) != null)
                id = id == int.MaxValue ? 0 : id + 1;
            if (UserMemory.Write(f->X[2], id) < 0)
                return -Errno.EFAULT;
            p.NextTimerId = id == int.MaxValue ? 0 : id + 1;
            p.PrepareSignalInfo();
            var timer = new PosixTimer { Id = id, ClockId = clock, Notify = notify, TargetTid = tid };
            timer.Entry.Owner = timer;
            timer.Entry.Info = new SigInfo { Signo = signal, Code = SigInfo.SI_TIMER, TimerId = id, Value = defaultValue ? (ulong)id : value };
            ulong daif = Cpu.SaveAndDisableInterrupts();
            timer.Next = p.Timers;
            p.Timers = timer;
            Cpu.RestoreInterrupts(daif);
            return 0;
        }

        /// <summary>The time to the timer's next expiry (0: disarmed, or a one-shot timer that has expired).</summary>
        private static ulong Remaining(Process p, PosixTimer t)
        {
            if (t.ExpiresAt == 0)
                return 0;
            ulong now = t.OnCpuClock ? CpuNanoseconds(p) : Clock.MonotonicNanoseconds();
            if (now < t.ExpiresAt)
                return t.ExpiresAt - now;
            if (t.Interval == 0)
                return 0;
            ulong into = (now - t.ExpiresAt) % t.Interval;
            return t.Interval - into;
        }

        private static int WriteItimerspec(ulong address, ulong interval, ulong value)
        {
            int r = TimeSyscalls.WriteTimespec(address, interval);
            return r < 0 ? r : TimeSyscalls.WriteTimespec(address + 16, value);
        }

        /// <summary>timer_settime(timerid, flags, new, old): arms (relative, or TIMER_ABSTIME on the timer's clock) or disarms (it_value 0).</summary>
        private static long TimerSettime(TrapFrame* f)
        {
            Process p = Current;
            PosixTimer? t = Find(p, Int(f, 0));
            if (t == null || f->X[2] == 0)
                return -Errno.EINVAL;
            int flags = Int(f, 1);
            int r = TimeSyscalls.ReadTimespec(f->X[2], out ulong interval);
            if (r < 0)
                return r;
            r = TimeSyscalls.ReadTimespec(f->X[2] + 16, out ulong value);
            if (r < 0)
                return r;
            ulong daif = Cpu.SaveAndDisableInterrupts();
            ulong oldValue = Remaining(p, t), oldInterval = t.Interval;
            t.Interval = value == 0 ? 0 : interval;
            t.Overrun = 0;
            t.OverrunLast = 0;
            if (value == 0)
            {
                t.ExpiresAt = 0;
            }
            else if (t.OnCpuClock)
            {
                ulong now = CpuNanoseconds(p);
                t.ExpiresAt = (flags & TimerAbstime) != 0 ? value : now + value;
                if (t.ExpiresAt == 0)
                    t.ExpiresAt = 1;
            }
            else
            {
                ulong now = Clock.MonotonicNanoseconds();
                if ((flags & TimerAbstime) != 0)
                {
                    TimeSyscalls.ReadClock(t.ClockId, out ulong clockNow);
                    t.ExpiresAt = value > clockNow ? now + (value - clockNow) : now;
                }
                else
                {
                    t.ExpiresAt = now + value;
                }
            }
            // A time already past expires at once, as Linux's.
            if (t.ExpiresAt != 0)
            {
                ulong now = t.OnCpuClock ? CpuNanoseconds(p) : Clock.MonotonicNanoseconds();
                if (now >= t.ExpiresAt)
                    Expire(p, t, now);
            }
            Recount();
            Cpu.RestoreInterrupts(daif);
            if (f->X[3] != 0 && WriteItimerspec(f->X[3], oldInterval, oldValue) < 0)
                return -Errno.EFAULT;
            return 0;
        }

        private static long TimerGettime(TrapFrame* f)
        {
            Process p = Current;
            PosixTimer? t = Find(p, Int(f, 0));
            if (t == null)
                return -Errno.EINVAL;
            ulong daif = Cpu.SaveAndDisableInterrupts();
            ulong value = Remaining(p, t), interval = t.Interval;
            Cpu.RestoreInterrupts(daif);
            return WriteItimerspec(f->X[1], interval, value) < 0 ? -Errno.EFAULT : 0;
        }

        private static long TimerGetoverrun(TrapFrame* f)
        {
            PosixTimer? t = Find(Current, Int(f, 0));
            return t == null ? -Errno.EINVAL : t.OverrunLast;
        }

        private static long TimerDelete(TrapFrame* f)
        {
            Process p = Current;
            int id = Int(f, 0);
            ulong daif = Cpu.SaveAndDisableInterrupts();
            PosixTimer? previous = null, t = p.Timers;
            while (t != null && t.Id != id)
            {
                previous = t;
                t = t.Next;
            }
            if (t == null)
            {
                Cpu.RestoreInterrupts(daif);
                return -Errno.EINVAL;
            }
            if (previous == null) p.Timers = t.Next; else previous.Next = t.Next;
            Free(t);
            Recount();
            Cpu.RestoreInterrupts(daif);
            return 0;
        }

        /// <summary>A signal already queued stays queued (Linux delivers it too) and its entry becomes the queue's.</summary>
        private static void Free(PosixTimer t)
        {
            if (t.Entry.Queued)
                t.Entry.Owner = null;
            else
                Owned.Free(t.Entry);
            Owned.Free(t);
        }

        /// <summary>At exit and execve: every timer of the process is deleted.</summary>
        public static void DeleteAll(Process p)
        {
            if (p.Timers == null)
                return;
            ulong daif = Cpu.SaveAndDisableInterrupts();
            while (p.Timers != null)
            {
                PosixTimer t = p.Timers;
                p.Timers = t.Next;
                Free(t);
            }
            Recount();
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>
        /// The timer's signal is being delivered (interrupts masked): it carries the overruns counted since it
        /// was sent, which timer_getoverrun then reports.
        /// </summary>
        public static void Delivered(Process p, ref SigInfo info)
        {
            PosixTimer? t = Find(p, info.TimerId);
            if (t == null || !t.SignalSent)
                return;
            info.Overrun = t.Overrun;
            t.OverrunLast = t.Overrun;
            t.Overrun = 0;
            t.SignalSent = false;
        }

        /// <summary>An expiry at <paramref name="now"/> (on the timer's clock): re-armed by the periods that passed; the signal sent unless still pending (an overrun then).</summary>
        private static void Expire(Process p, PosixTimer t, ulong now)
        {
            ulong periods = 1;
            if (t.Interval != 0)
            {
                periods += (now - t.ExpiresAt) / t.Interval;
                t.ExpiresAt += periods * t.Interval;
            }
            else
            {
                t.ExpiresAt = 0;
            }
            if (t.Notify == SigevNone)
                return;
            KernelThread? target = t.Notify == SigevThreadId ? ThreadOf(p, t.TargetTid) : null;
            if (t.Entry.Queued || (t.SignalSent && p.IsPending(t.Entry.Info.Signo, target)))
            {
                t.Overrun = AddSaturating(t.Overrun, periods);
                return;
            }
            t.SignalSent = true;
            t.Overrun = AddSaturating(0, periods - 1);
            p.SendTimerSignal(t.Entry, target);
        }

        /// <summary>From the tick, through <see cref="Alarms"/> (interrupt context: nothing is allocated): expires the timers that are due.</summary>
        internal static void Tick()
        {
            if (s_armed == 0)
                return;
            ulong now = Clock.MonotonicNanoseconds();
            int armed = 0;
            for (Process? p = Process.First; p != null; p = p.NextInTable)
            {
                if (p.State != ProcessState.Alive)
                    continue;
                for (PosixTimer? t = p.Timers; t != null; t = t.Next)
                {
                    if (t.ExpiresAt == 0)
                        continue;
                    ulong clockNow = t.OnCpuClock ? CpuNanoseconds(p) : now;
                    if (clockNow >= t.ExpiresAt)
                        Expire(p, t, clockNow);
                    if (t.ExpiresAt != 0)
                        armed++;
                }
            }
            s_armed = armed;
        }
    }
}
