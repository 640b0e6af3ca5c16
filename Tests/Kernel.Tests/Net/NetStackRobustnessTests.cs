using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

public class NetStackRobustnessTests
{
    [Fact]
    public void TenThousandMalformedFrames_NoException_StateSane_PingStillAnswered()
    {
        var stack = new NetStack();
        var dev = new FakeNetDevice();
        NetInterface eth = stack.AddEthernet(dev)!;
        stack.ConfigureStatic(eth, Frames.OurIp, 0xFFFFFF00, Frames.GatewayIp);
        UdpSocket udp = stack.CreateUdp();
        udp.Bind(0, 5000);
        IcmpSocket raw = stack.CreateIcmp(raw: true);
        var rng = new Random(10);
        byte[][] seeds =
        {
            Frames.FromGateway(dev.Mac, Frames.Ip(Frames.GatewayIp, Frames.OurIp, 1, Frames.Echo(8, 1, 1, new byte[56]))),
            Frames.FromGateway(dev.Mac, Frames.Ip(Frames.GatewayIp, Frames.OurIp, 17, Frames.Udp(Frames.GatewayIp, 1, Frames.OurIp, 5000, new byte[40]))),
            Frames.FromGateway(dev.Mac, Frames.Ip(Frames.GatewayIp, Frames.OurIp, 17, Frames.Udp(Frames.GatewayIp, 1, Frames.OurIp, 9, new byte[40]))),
            Frames.FromGateway(dev.Mac, Frames.Ip(Frames.GatewayIp, Frames.OurIp, 1, Frames.Echo(8, 1, 1, new byte[1000]), id: 9, fragment: 0x2000)),
            Frames.FromGateway(dev.Mac, Frames.Ip(Frames.GatewayIp, Frames.OurIp, 6, new byte[40])),
            Frames.Arp(ArpPacket.Request, Frames.Gateway, Frames.GatewayIp, MacAddress.Zero, Frames.OurIp, MacAddress.Broadcast),
            Frames.FromGateway(dev.Mac, Frames.Ip(Frames.GatewayIp, Frames.OurIp, 1, new byte[] { 3, 3, 0, 0, 0, 0, 0, 0, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 2, 15, 10, 0, 2, 2, 0x13, 0x88, 0, 9, 0, 8, 0, 0 })),
        };
        var buf = new byte[70000];
        for (int i = 0; i < 10_000; i++)
        {
            byte[] f = MalformedFrames.Mutate(rng, (byte[])seeds[rng.Next(seeds.Length)].Clone());
            stack.Receive(eth, f, (ulong)i * 7);
            if (i % 100 == 0)
                stack.Poll((ulong)i * 7);
            while (udp.ReceiveFrom(buf, out _, out _, false, out _) >= 0) { }
            while (raw.ReceiveFrom(buf, out _, false, out _) >= 0) { }
        }
        Assert.True(stack.Reassembly.InProgress <= Ipv4Reassembly.Slots);
        Assert.True(stack.Arp.PendingCount <= ArpCache.PendingSlots);
        Assert.Equal(Frames.OurIp, eth.Address);

        dev.Sent.Clear();
        ulong now = 10_000UL * 7 + 60_000;
        stack.Poll(now);
        stack.Receive(eth, Frames.Arp(ArpPacket.Reply, Frames.Gateway, Frames.GatewayIp, dev.Mac, Frames.OurIp, dev.Mac), now);
        dev.Sent.Clear();
        stack.Receive(eth, Frames.FromGateway(dev.Mac, Frames.Ip(Frames.GatewayIp, Frames.OurIp, 1, Frames.Echo(8, 42, 7, "alive"u8))), now + 1);
        byte[] reply = Assert.Single(dev.Sent);
        ReadOnlySpan<byte> icmp = Frames.IpOf(reply).Slice(20);
        Assert.Equal(0, icmp[0]);
        Assert.Equal(42, BigEndian.U16(icmp, 4));
        stack.Dispose();
    }
}
