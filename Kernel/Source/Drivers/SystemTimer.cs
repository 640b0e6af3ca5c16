using System;
using Kernel.Arch;
using Kernel.Logic;

namespace Kernel.Drivers
{
    /// <summary>
    /// The system tick on one of the EL1 generic timers, chosen at boot from the device tree
    /// (<see cref="ArchTimer.SelectTick"/>): the virtual timer when the timer node lists its
    /// interrupt, else the non-secure physical timer. The timer in use compares against its own
    /// counter, so the tick reads that counter too.
    /// </summary>
    public static unsafe class SystemTimer
    {
        private static ulong s_frequency;
        private static ulong s_interval;
        private static ulong s_ticks;
        private static ulong s_nextDeadline;
        private static uint s_hz;
        private static TimerKind s_kind;
        private static bool s_running;

        /// <summary>Room for the subsystems that run on the tick (the scheduler, the interval timers).</summary>
        private const int MaxTickHandlers = 4;
        private struct TickHandlers { public fixed ulong Entries[MaxTickHandlers]; }
        private static TickHandlers s_tickHandlers;
        private static int s_tickHandlerCount;

        public static ulong Ticks => s_ticks;
        public static uint Hz => s_hz;
        public static ulong Frequency => s_frequency;
        public static TimerKind Kind => s_kind;

        /// <summary>The counter the tick timer compares against.</summary>
        public static ulong Counter() => s_kind == TimerKind.Physical ? Cpu.PhysicalCounter() : Cpu.Counter();

        public static void Start(TimerKind kind, uint hz)
        {
            s_kind = kind;
            s_hz = hz;
            s_frequency = Cpu.CounterFrequency();
            s_interval = s_frequency / hz;
            s_nextDeadline = Counter() + s_interval;
            s_running = true;
            SetCompare(s_nextDeadline);
        }

        /// <summary>Silences the tick (for a halt); does nothing before <see cref="Start"/>.</summary>
        public static void Stop()
        {
            if (!s_running)
                return;
            s_running = false;
            if (s_kind == TimerKind.Physical)
                Cpu.PhysicalTimerStop();
            else
                Cpu.VirtualTimerStop();
        }

        public static void HandleInterrupt()
        {
            // Absolute deadlines: the tick does not drift with interrupt latency. After a long stall,
            // missed ticks are counted at once.
            ulong now = Counter();
            ulong elapsed = 0;
            while (s_nextDeadline <= now)
            {
                s_ticks++;
                elapsed++;
                s_nextDeadline += s_interval;
            }
            if (s_running)
                SetCompare(s_nextDeadline);
            for (int i = 0; i < s_tickHandlerCount; i++)
                ((delegate*<ulong, ulong, void>)s_tickHandlers.Entries[i])(now, elapsed);
        }

        /// <summary>
        /// Runs <paramref name="handler"/> on every tick, in interrupt context, with the counter's reading
        /// and the number of ticks since the last call (more than one after a stall; 0 when an early
        /// interrupt found no deadline passed).
        /// </summary>
        public static void OnTick(delegate*<ulong, ulong, void> handler)
        {
            if (s_tickHandlerCount == MaxTickHandlers)
                ThrowHelpers.Panic("too many tick handlers");
            s_tickHandlers.Entries[s_tickHandlerCount++] = (ulong)handler;
        }

        private static void SetCompare(ulong deadline)
        {
            if (s_kind == TimerKind.Physical)
                Cpu.PhysicalTimerSetCompare(deadline);
            else
                Cpu.VirtualTimerSetCompare(deadline);
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
