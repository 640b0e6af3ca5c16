using Kernel.Arch;

namespace Kernel.Drivers
{
    /// <summary>The EL1 virtual generic timer as the system tick.</summary>
    public static class SystemTimer
    {
        private static ulong s_frequency;
        private static ulong s_interval;
        private static ulong s_ticks;
        private static uint s_hz;

        public static ulong Ticks => s_ticks;
        public static uint Hz => s_hz;
        public static ulong Frequency => s_frequency;

        public static void Start(uint hz)
        {
            s_hz = hz;
            s_frequency = Cpu.CounterFrequency();
            s_interval = s_frequency / hz;
            Cpu.TimerSet(s_interval);
        }

        public static void HandleInterrupt()
        {
            s_ticks++;
            Cpu.TimerSet(s_interval);
        }

        /// <summary>Microseconds between two counter readings.</summary>
        public static ulong MicrosecondsBetween(ulong start, ulong end)
        {
            ulong frequency = s_frequency != 0 ? s_frequency : Cpu.CounterFrequency();
            ulong delta = end - start;
            return delta / frequency * 1_000_000 + delta % frequency * 1_000_000 / frequency;
        }
    }
}
