using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

/// <summary>A device that keeps what the stack transmits.</summary>
public sealed class FakeNetDevice : INetDevice
{
    public readonly List<byte[]> Sent = new();
    public MacAddress Mac { get; } = new MacAddress(0x5254_0012_3456);
    public int Mtu => 1500;
    public bool LinkUp => true;
    public bool Full;

    public int Transmit(ReadOnlySpan<byte> frame)
    {
        if (Full)
            return -105;
        Sent.Add(frame.ToArray());
        return 0;
    }

    public byte[] Take()
    {
        Assert.NotEmpty(Sent);
        byte[] f = Sent[0];
        Sent.RemoveAt(0);
        return f;
    }
}
