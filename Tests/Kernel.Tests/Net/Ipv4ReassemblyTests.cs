using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

/// <summary>
/// The reassembly's memory: found by the live robustness test (LiveRobustnessTests), where 10,000 malformed frames
/// left the kernel heap 260 KiB larger for good: each slot kept its 64 KiB buffer after its datagram was gone.
/// </summary>
public class Ipv4ReassemblyTests
{
    private const uint Source = 0x0A00_0202, Destination = 0x0A00_020F;

    [Fact]
    public void ACompletedDatagram_LeavesNoBufferBehind_OnceReleased()
    {
        var reassembly = new Ipv4Reassembly();
        Assert.Equal(-1, reassembly.Add(Source, Destination, 7, 17, 0, more: true, new byte[16], 0));
        Assert.Equal(1, reassembly.BuffersHeld);
        int slot = reassembly.Add(Source, Destination, 7, 17, 16, more: false, new byte[5], 1);
        Assert.True(slot >= 0);
        Assert.Equal(21, reassembly.Payload(slot).Length);
        reassembly.Release(slot);
        Assert.Equal(0, reassembly.BuffersHeld);
    }

    [Fact]
    public void DatagramsGivenUp_ByTimeoutOverlapEvictionOrSize_LeaveNoBufferBehind()
    {
        var reassembly = new Ipv4Reassembly();
        for (ushort id = 0; id < Ipv4Reassembly.Slots + 2; id++) // two evictions
            reassembly.Add(Source, Destination, id, 17, 0, more: true, new byte[8], id);
        Assert.Equal(Ipv4Reassembly.Slots, reassembly.BuffersHeld);

        reassembly.Add(Source, Destination, 2, 17, 0, more: true, new byte[16], 10); // overlaps: dropped
        reassembly.Add(Source, Destination, 3, 17, Ipv4Reassembly.MaxPayload - 8, more: false, new byte[16], 10); // too large: dropped
        Assert.Equal(Ipv4Reassembly.Slots - 2, reassembly.BuffersHeld);

        reassembly.Poll(Ipv4Reassembly.TimeoutMs + 100);
        Assert.Equal(0, reassembly.InProgress);
        Assert.Equal(0, reassembly.BuffersHeld);
    }
}
