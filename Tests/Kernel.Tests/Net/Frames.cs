using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

/// <summary>Builds the frames a peer on the wire would send (QEMU's slirp at 10.0.2.2, say).</summary>
public static class Frames
{
    public static readonly MacAddress Gateway = new(0x5255_0A00_0202);
    public const uint GatewayIp = 0x0A000202, OurIp = 0x0A00020F, Peer = 0x0A000205;
    public static readonly MacAddress PeerMac = new(0x5255_0A00_0205);

    public static byte[] Ethernet(MacAddress destination, MacAddress source, ushort type, ReadOnlySpan<byte> payload)
    {
        var f = new byte[14 + payload.Length];
        Kernel.Logic.Net.Ethernet.WriteHeader(f, destination, source, type);
        payload.CopyTo(f.AsSpan(14));
        return f;
    }

    public static byte[] Arp(ushort op, MacAddress senderMac, uint senderIp, MacAddress targetMac, uint targetIp, MacAddress ethDestination)
    {
        var p = new byte[28];
        ArpPacket.Write(p, op, senderMac, senderIp, targetMac, targetIp);
        return Ethernet(ethDestination, senderMac, Kernel.Logic.Net.Ethernet.TypeArp, p);
    }

    public static byte[] Ip(uint source, uint destination, byte protocol, ReadOnlySpan<byte> payload, ushort id = 1, ushort fragment = 0, byte ttl = 64)
    {
        var p = new byte[20 + payload.Length];
        p[0] = 0x45;
        BigEndian.Put16(p, 2, (ushort)p.Length);
        BigEndian.Put16(p, 4, id);
        BigEndian.Put16(p, 6, fragment);
        p[8] = ttl;
        p[9] = protocol;
        BigEndian.Put32(p, 12, source);
        BigEndian.Put32(p, 16, destination);
        BigEndian.Put16(p, 10, InternetChecksum.Finish(InternetChecksum.Add(0, p.AsSpan(0, 20))));
        payload.CopyTo(p.AsSpan(20));
        return p;
    }

    public static byte[] Udp(uint source, ushort sourcePort, uint destination, ushort port, ReadOnlySpan<byte> data)
    {
        var u = new byte[8 + data.Length];
        BigEndian.Put16(u, 0, sourcePort);
        BigEndian.Put16(u, 2, port);
        BigEndian.Put16(u, 4, (ushort)u.Length);
        data.CopyTo(u.AsSpan(8));
        ushort sum = InternetChecksum.Finish(InternetChecksum.Add(InternetChecksum.PseudoHeader(source, destination, 17, u.Length), u));
        BigEndian.Put16(u, 6, sum == 0 ? (ushort)0xFFFF : sum);
        return u;
    }

    public static byte[] Echo(byte type, ushort id, ushort sequence, ReadOnlySpan<byte> data)
    {
        var m = new byte[8 + data.Length];
        m[0] = type;
        BigEndian.Put16(m, 4, id);
        BigEndian.Put16(m, 6, sequence);
        data.CopyTo(m.AsSpan(8));
        BigEndian.Put16(m, 2, InternetChecksum.Finish(InternetChecksum.Add(0, m)));
        return m;
    }

    public static byte[] FromGateway(MacAddress to, byte[] ipPacket) => Ethernet(to, Gateway, Kernel.Logic.Net.Ethernet.TypeIpv4, ipPacket);

    /// <summary>The IP datagram inside a frame the stack sent, checked to be well formed.</summary>
    public static ReadOnlySpan<byte> IpOf(byte[] frame)
    {
        Assert.Equal(0x0800, Kernel.Logic.Net.Ethernet.Type(frame));
        ReadOnlySpan<byte> ip = frame.AsSpan(14);
        Assert.Equal(0x45, ip[0]);
        Assert.True(InternetChecksum.Verify(InternetChecksum.Add(0, ip.Slice(0, 20))));
        Assert.Equal(ip.Length, BigEndian.U16(ip, 2));
        return ip;
    }
}
