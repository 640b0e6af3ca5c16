using System.Diagnostics;

namespace Emulator.Core.Cpu;

/// <summary>
/// The system counter (CNTPCT/CNTVCT) the guest sees: 62.5 MHz, like QEMU's, counting from zero at machine
/// creation and driven by the host's monotonic clock. The emulated timers compare against the same value,
/// so what the guest reads and when its interrupts fire can never disagree.
/// </summary>
public sealed class GuestClock
{
    public const ulong Frequency = 62_500_000;

    private readonly long _start = Stopwatch.GetTimestamp();

    public ulong Counter => ToCounter(Stopwatch.GetTimestamp() - _start);

    private static ulong ToCounter(long hostTicks) =>
        (ulong)((UInt128)(ulong)hostTicks * Frequency / (ulong)Stopwatch.Frequency);

    /// <summary>Host milliseconds until the counter reaches <paramref name="deadline"/> (rounded up, 0 if due).</summary>
    public int MillisecondsUntil(ulong deadline, int cap)
    {
        var now = Counter;
        if (deadline <= now)
        {
            return 0;
        }

        var ms = (deadline - now + Frequency / 1000 - 1) / (Frequency / 1000);
        return ms > (ulong)cap ? cap : (int)ms;
    }
}
