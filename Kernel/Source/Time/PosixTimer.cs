using Kernel.Processes;

namespace Kernel.Time
{
    /// <summary>
    /// One POSIX timer (timer_create) of a process: its clock, how it notifies, when it next expires and its
    /// period, and its signal's entry, made in advance so that the tick can queue it without allocating.
    /// </summary>
    public sealed class PosixTimer
    {
        public int Id;
        public int ClockId;
        /// <summary>SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD (a signal, as for the kernel) or SIGEV_THREAD_ID.</summary>
        public int Notify;
        /// <summary>SIGEV_THREAD_ID: the thread the signal is for.</summary>
        public int TargetTid;
        /// <summary>The next expiry (0: disarmed): monotonic nanoseconds, or CPU nanoseconds of the process for a CPU-time clock.</summary>
        public ulong ExpiresAt;
        public ulong Interval;
        /// <summary>Expiries while the signal was pending, until it is delivered; and those reported for the last delivered one (timer_getoverrun).</summary>
        public int Overrun, OverrunLast;
        /// <summary>The signal was sent and has not been delivered yet (as far as the timer knows).</summary>
        public bool SignalSent;
        /// <summary>The signal's details (si_code SI_TIMER, si_timerid, si_value) and its queue entry.</summary>
        public QueuedSignal Entry = new QueuedSignal();
        public PosixTimer? Next;

        public bool OnCpuClock => ClockId == 2 || ClockId == 3;
    }
}
