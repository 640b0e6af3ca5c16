using System.Diagnostics;

namespace Emulator.Devices.Virtio;

/// <summary>
/// Counters of a <see cref="VirtioBlock"/>'s worker, for profiling the storage path: how many requests and
/// bytes, in how many batches, and where the worker's time went (file I/O without the machine lock,
/// waiting for the lock, from a notification to the worker taking the requests, and idle until the guest's
/// next notification).
/// </summary>
public sealed class VirtioBlockStatistics
{
    public long Notifications { get; internal set; }

    public long Batches { get; internal set; }

    public long Requests { get; internal set; }

    public long BytesRead { get; internal set; }

    public long BytesWritten { get; internal set; }

    public long IoTicks { get; internal set; }

    public long LockWaitTicks { get; internal set; }

    public long WakeTicks { get; internal set; }

    /// <summary>From a completion that left the device idle to the guest's next notification within 100 ms: the guest's turn.</summary>
    public long GuestTicks { get; internal set; }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public override string ToString() =>
        $"{Requests} requests in {Batches} batches ({Notifications} notifications), {BytesRead >> 10} KiB read, {BytesWritten >> 10} KiB written, " +
        $"{(Requests == 0 ? 0 : (BytesRead + BytesWritten) / Requests >> 10)} KiB per request; " +
        $"I/O {Ms(IoTicks):F1} ms, waiting for the lock {Ms(LockWaitTicks):F1} ms, notification to pick-up {Ms(WakeTicks):F1} ms, idle until the guest's next notification {Ms(GuestTicks):F1} ms";
}
