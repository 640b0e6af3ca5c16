using Kernel.Drivers;

namespace Kernel.Time
{
    /// <summary>Clocks: monotonic from the generic timer's counter, real time from the RTC read at boot.</summary>
    public static class Clock
    {
        private static ulong s_bootCounter;
        private static long s_bootEpochSeconds;

        public static void Initialize()
        {
            s_bootCounter = SystemTimer.Counter();
            s_bootEpochSeconds = Pl031.Now();
        }

        public static ulong BootCounter => s_bootCounter;

        public static ulong CounterToNanoseconds(ulong ticks)
        {
            ulong f = SystemTimer.Frequency;
            return ticks / f * 1_000_000_000 + ticks % f * 1_000_000_000 / f;
        }

        public static ulong NanosecondsToCounter(ulong ns)
        {
            ulong f = SystemTimer.Frequency;
            return ns / 1_000_000_000 * f + ns % 1_000_000_000 * f / 1_000_000_000;
        }

        public static ulong MonotonicNanoseconds() => CounterToNanoseconds(SystemTimer.Counter() - s_bootCounter);

        public static ulong RealtimeNanoseconds() => (ulong)s_bootEpochSeconds * 1_000_000_000 + MonotonicNanoseconds();

        /// <summary>The counter value <paramref name="ns"/> from now (for timed sleeps).</summary>
        public static ulong DeadlineAfter(ulong ns) => SystemTimer.Counter() + NanosecondsToCounter(ns) + 1;
    }
}
