using Kernel.Drivers;
using Kernel.Logic.Process;
using Kernel.Processes;
using Kernel.Traps;

namespace Kernel.Time
{
    /// <summary>
    /// The interval timers: ITIMER_REAL checked against the clock on every tick (SIGALRM), ITIMER_VIRTUAL and
    /// ITIMER_PROF counted down in ticks of user (and system) time (SIGVTALRM, SIGPROF); each re-armed by its interval.
    /// The tick of POSIX timers (<see cref="PosixTimers"/>) too.
    /// </summary>
    public static unsafe class Alarms
    {
        private static int s_armed;

        private static ulong CountDown(Process p, ulong left, ulong interval, ulong ticks, int signal)
        {
            if (left > ticks)
                return left - ticks;
            p.SendSignal(signal);
            return interval;
        }

        public static void Update(Process p)
        {
            int n = 0;
            for (Process? q = Process.First; q != null; q = q.NextInTable)
                if (q.AlarmAt != 0 && q.State == ProcessState.Alive)
                    n++;
            s_armed = n;
        }

        public static void Initialize() => SystemTimer.OnTick(&Tick);

        /// <summary>From the tick (interrupt context): CPU time of the running process, then the real-time timers.</summary>
        private static void Tick(ulong counter, ulong ticks)
        {
            bool fromUser = Interrupts.InterruptedUser;
            Process? current = Threading.Scheduler.Current.Process;
            if (current != null && ticks > 0)
            {
                if (fromUser)
                {
                    current.UserTicks += ticks;
                    if (current.VirtualLeft != 0)
                        current.VirtualLeft = CountDown(current, current.VirtualLeft, current.VirtualInterval, ticks, Signals.SIGVTALRM);
                }
                else
                {
                    current.SystemTicks += ticks;
                }
                if (current.ProfLeft != 0)
                    current.ProfLeft = CountDown(current, current.ProfLeft, current.ProfInterval, ticks, Signals.SIGPROF);
            }
            PosixTimers.Tick();
            if (s_armed == 0)
                return;
            ulong now = Clock.MonotonicNanoseconds();
            for (Process? p = Process.First; p != null; p = p.NextInTable)
            {
                if (p.AlarmAt == 0 || p.AlarmAt > now || p.State != ProcessState.Alive)
                    continue;
                p.AlarmAt = p.AlarmInterval != 0 ? now + p.AlarmInterval : 0;
                if (p.AlarmAt == 0)
                    s_armed--;
                p.SendSignal(Signals.SIGALRM);
            }
        }
    }
}
