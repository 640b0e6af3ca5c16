namespace Kernel.Time
{
    /// <summary>Linux's clock ids, as clock_gettime, timer_create, timerfd_create and EVIOCSCLOCKID take them.</summary>
    public static class ClockIds
    {
        public const int Realtime = 0, Monotonic = 1, ProcessCpu = 2, ThreadCpu = 3;
        public const int MonotonicRaw = 4, RealtimeCoarse = 5, MonotonicCoarse = 6, Boottime = 7;
    }
}
