using System.Diagnostics;

namespace Emulator.Core.Cpu;

/// <summary>
/// The system counter (CNTPCT/CNTVCT) as the guest reads it: Unicorn implements the counter registers
/// natively as the host's CLOCK_MONOTONIC in 16 ns steps (62.5 MHz), which is also what
/// Stopwatch.GetTimestamp reads on Linux. The emulated timer compares against this same value, so what
/// the guest reads and when its interrupts fire agree.
/// </summary>
public sealed class GuestClock
{
    public const ulong Frequency = 62_500_000;

    public ulong Counter => ToCounter(Stopwatch.GetTimestamp());

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
