using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

public class DhcpClientTests
{
    private readonly NetStack _stack = new();
    private readonly FakeNetDevice _dev = new();
    private readonly NetInterface _eth;

    public DhcpClientTests() => _eth = _stack.AddEthernet(_dev)!;

    /// <summary>The DHCP message in a frame the client sent (from port 68 to 67).</summary>
    private static byte[] Message(byte[] frame, out uint destination)
    {
        ReadOnlySpan<byte> ip = Frames.IpOf(frame);
        Assert.Equal(17, ip[9]);
        destination = BigEndian.U32(ip, 16);
        ReadOnlySpan<byte> udp = ip.Slice(20);
        Assert.Equal(68, BigEndian.U16(udp, 0));
        Assert.Equal(67, BigEndian.U16(udp, 2));
        return udp.Slice(8).ToArray();
    }

    private static byte Option53(byte[] m)
    {
        for (int o = 240; o < m.Length && m[o] != 255;)
        {
            if (m[o] == 0) { o++; continue; }
            if (m[o] == 53)
                return m[o + 2];
            o += 2 + m[o + 1];
        }
        return 0;
    }

    /// <summary>What slirp answers: yiaddr 10.0.2.15, server 10.0.2.2, router, DNS 10.0.2.3, lease 86400 s.</summary>
    private byte[] Reply(byte[] request, byte type, uint lease = 86400)
    {
        var m = new byte[300];
        m[0] = 2; m[1] = 1; m[2] = 6;
        request.AsSpan(4, 4).CopyTo(m.AsSpan(4));
        BigEndian.Put32(m, 16, Frames.OurIp);
        request.AsSpan(28, 6).CopyTo(m.AsSpan(28));
        BigEndian.Put32(m, 236, 0x63825363);
        byte[] opts = { 53, 1, type, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2, 6, 4, 10, 0, 2, 3,
            51, 4, (byte)(lease >> 24), (byte)(lease >> 16), (byte)(lease >> 8), (byte)lease, 255 };
        opts.CopyTo(m, 240);
        byte[] ip = Frames.Ip(Frames.GatewayIp, 0xFFFFFFFF, 17, Frames.Udp(Frames.GatewayIp, 67, 0xFFFFFFFF, 68, m));
        return Frames.Ethernet(MacAddress.Broadcast, Frames.Gateway, 0x0800, ip);
    }

    [Fact]
    public void FullExchange_ConfiguresTheInterface_AndRenewsAtT1()
    {
        DhcpClient c = _stack.StartDhcp(_eth, 1234, 0);
        byte[] discover = Message(_dev.Take(), out uint to);
        Assert.Equal(0xFFFFFFFFu, to);
        Assert.Equal(1, Option53(discover));
        Assert.Equal(_dev.Mac.Value, MacAddress.Read(discover, 28).Value);

        _stack.Receive(_eth, Reply(discover, 2), 300);
        byte[] request = Message(_dev.Take(), out _);
        Assert.Equal(3, Option53(request));
        Assert.Equal(DhcpClient.State.Requesting, c.Current);

        _stack.Receive(_eth, Reply(request, 5), 400);
        Assert.Equal(DhcpClient.State.Bound, c.Current);
        Assert.Equal(Frames.OurIp, _eth.Address);
        Assert.Equal(0xFFFFFF00u, _eth.Netmask);
        Assert.Equal(0x0A0002FFu, _eth.Broadcast);
        Assert.True(_stack.Routes.Lookup(0x08080808, out Route r));
        Assert.Equal(Frames.GatewayIp, r.Gateway);
        Assert.Equal(0x0A000203u, _stack.DnsServers[0]);
        Assert.Equal(1, c.Version);
        Assert.Equal(86400u, c.LeaseSeconds);
        Assert.Equal(0x0A000202u, c.Server);

        ulong t1 = _stack.Poll(500);
        Assert.Equal(400 + 43_200_000UL, t1);
        _stack.Receive(_eth, Frames.Arp(ArpPacket.Reply, Frames.Gateway, Frames.GatewayIp, _dev.Mac, Frames.OurIp, _dev.Mac), 600);
        _stack.Poll(t1);
        Assert.Equal(DhcpClient.State.Renewing, c.Current);
        _dev.Sent.RemoveAll(f => Ethernet.Type(f) == Ethernet.TypeArp); // the stale gateway is probed first
        byte[] renew = Message(_dev.Take(), out uint renewTo);
        Assert.Equal(Frames.GatewayIp, renewTo); // unicast to the server
        Assert.Equal(Frames.OurIp, BigEndian.U32(renew, 12)); // ciaddr
        _stack.Receive(_eth, Frames.FromGateway(_dev.Mac, Frames.Ip(Frames.GatewayIp, Frames.OurIp, 17,
            Frames.Udp(Frames.GatewayIp, 67, Frames.OurIp, 68, Reply(renew, 5).AsSpan(14 + 28).ToArray()))), t1 + 10);
        Assert.Equal(DhcpClient.State.Bound, c.Current);
        Assert.Equal(1, c.Version); // the same lease: nothing to log again
    }

    [Fact]
    public void Silence_RetransmitsDiscover_WithBackoff()
    {
        _stack.StartDhcp(_eth, 1, 0);
        _dev.Take();
        Assert.Equal(2000UL, _stack.Poll(1));
        Assert.Equal(6000UL, _stack.Poll(2000));
        Assert.Equal(1, Option53(Message(_dev.Take(), out _)));
        Assert.Equal(14000UL, _stack.Poll(6000));
    }

    [Fact]
    public void ExpiredLease_RemovesTheAddress_AndStartsOver()
    {
        DhcpClient c = _stack.StartDhcp(_eth, 1, 0);
        byte[] d = Message(_dev.Take(), out _);
        _stack.Receive(_eth, Reply(d, 2, lease: 100), 0);
        _stack.Receive(_eth, Reply(Message(_dev.Take(), out _), 5, lease: 100), 0);
        Assert.Equal(Frames.OurIp, _eth.Address);
        for (ulong t = 0; t <= 100_000; t += 5_000)
            _stack.Poll(t);
        Assert.Equal(0u, _eth.Address);
        Assert.Equal(DhcpClient.State.Selecting, c.Current);
        Assert.False(_stack.Routes.Lookup(0x08080808, out _));
    }

    [Fact]
    public void ReplyWithAnotherTransactionId_IsIgnored()
    {
        DhcpClient c = _stack.StartDhcp(_eth, 1, 0);
        byte[] d = Message(_dev.Take(), out _);
        d[4] ^= 0xFF;
        _stack.Receive(_eth, Reply(d, 2), 0);
        Assert.Equal(DhcpClient.State.Selecting, c.Current);
        Assert.Empty(_dev.Sent);
    }
}
