using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

/// <summary>AF_PACKET endpoints on the stack: what they receive, with which sockaddr_ll, and what they send.</summary>
public class PacketTapsTests
{
    private readonly NetStack _stack = new();
    private readonly FakeNetDevice _dev = new();
    private readonly NetInterface _eth;

    public PacketTapsTests()
    {
        _eth = _stack.AddEthernet(_dev)!;
        _stack.SetUp(_eth, true);
    }

    private static byte[] Ll(int ifindex, ushort protocol, MacAddress? destination = null)
    {
        var a = new byte[PacketEndpoint.SockaddrLength];
        LittleEndian.Put16(a, 0, SocketConstants.AF_PACKET);
        BigEndian.Put16(a, 2, protocol);
        LittleEndian.Put32(a, 4, (uint)ifindex);
        a[11] = 6;
        (destination ?? MacAddress.Broadcast).Write(a, 12);
        return a;
    }

    private byte[] Offer() => Frames.FromGateway(MacAddress.Broadcast,
        Frames.Ip(0x0A000202, 0xFFFFFFFF, 17, Frames.Udp(0x0A000202, 67, 0xFFFFFFFF, 68, "offer"u8)));

    [Fact]
    public void Dgram_endpoint_for_IP_gets_the_payload_and_the_link_header_in_sockaddr_ll()
    {
        PacketEndpoint e = _stack.Packets.Create(raw: false, PacketEndpoint.EtherTypeOf(0x0008), 65536);
        Assert.Equal(0, e.Bind(Ll(2, 0x0800)));
        byte[] frame = Offer();
        _stack.Receive(_eth, frame, 0);
        _stack.Receive(_eth, Frames.Arp(ArpPacket.Request, Frames.Gateway, 0x0A000202, MacAddress.Zero, 0x0A000209, MacAddress.Broadcast), 0);
        var buffer = new byte[2048];
        var address = new byte[PacketEndpoint.SockaddrLength];
        int n = e.Receive(buffer, address, peek: false, out int full, out int addressLength);
        Assert.Equal(frame.Length - 14, n);
        Assert.Equal(n, full);
        Assert.Equal(frame.AsSpan(14).ToArray(), buffer[..n]);
        Assert.Equal(18, addressLength);
        Assert.Equal(SocketConstants.AF_PACKET, LittleEndian.U16(address, 0));
        Assert.Equal(0x0800, BigEndian.U16(address, 2));
        Assert.Equal(2u, LittleEndian.U32(address, 4));
        Assert.Equal(PacketTaps.PacketBroadcast, address[10]);
        Assert.Equal(Frames.Gateway.Value, MacAddress.Read(address, 12).Value);
        Assert.Equal(-Errno.EAGAIN, e.Receive(buffer, address, false, out _, out _)); // the ARP frame was not IP
        e.Close();
    }

    [Fact]
    public void Raw_all_endpoint_sees_whole_frames_in_and_out_and_a_filter_can_drop_them()
    {
        PacketEndpoint all = _stack.Packets.Create(raw: true, PacketEndpoint.EtherTypeOf(0x0300), 65536);
        PacketEndpoint none = _stack.Packets.Create(raw: true, 0, 65536);
        _stack.Receive(_eth, Offer(), 0);
        _stack.SetAddress(_eth, 0x0A00020F, 0xFFFFFF00);
        UdpSocket udp = _stack.CreateUdp();
        Assert.Equal(1, udp.SendTo("x"u8, 0x0A000202, 9, true)); // waits for ARP: the request goes out
        var buffer = new byte[2048];
        var address = new byte[PacketEndpoint.SockaddrLength];
        Assert.Equal(Offer().Length, all.Receive(buffer, address, false, out _, out _));
        int n = all.Receive(buffer, address, false, out _, out _);
        Assert.Equal(42, n);
        Assert.Equal(PacketTaps.PacketOutgoing, address[10]);
        Assert.Equal(Ethernet.TypeArp, Ethernet.Type(buffer));
        Assert.False(none.Readable); // protocol 0: nothing until bound with one
        byte[] dropAll = new byte[8];
        LittleEndian.Put16(dropAll, 0, 0x06);
        Assert.Equal(0, ClassicBpf.Validate(dropAll));
        all.AttachFilter(dropAll);
        _stack.Receive(_eth, Offer(), 0);
        Assert.False(all.Readable);
        Assert.Equal(0, all.DetachFilter());
        Assert.Equal(-Errno.ENOENT, all.DetachFilter());
        all.Close();
        none.Close();
        udp.Close();
    }

    [Fact]
    public void Bound_interface_and_full_queue_limit_what_is_kept()
    {
        var second = new FakeNetDevice();
        NetInterface eth1 = _stack.AddEthernet(second)!;
        _stack.SetUp(eth1, true);
        PacketEndpoint e = _stack.Packets.Create(raw: true, PacketEndpoint.EthernetAll, 1024);
        Assert.Equal(0, e.Bind(Ll(3, 0)));
        Assert.Equal(-Errno.ENODEV, e.Bind(Ll(9, 0)));
        _stack.Receive(_eth, Offer(), 0);
        Assert.False(e.Readable);
        for (int i = 0; i < 20; i++)
            _stack.Receive(eth1, Offer(), 0);
        Assert.True(e.Readable);
        Assert.True(e.Drops > 0);
        e.Close();
    }

    [Fact]
    public void Sending_builds_the_header_for_dgram_and_checks_interface_and_size()
    {
        PacketEndpoint e = _stack.Packets.Create(raw: false, PacketEndpoint.EtherTypeOf(0x0008), 65536);
        byte[] ip = Frames.Ip(0, 0xFFFFFFFF, 17, Frames.Udp(0, 68, 0xFFFFFFFF, 67, "discover"u8));
        Assert.Equal(ip.Length, e.Send(ip, Ll(2, 0x0800)));
        byte[] f = _dev.Take();
        Assert.True(Ethernet.Destination(f).IsBroadcast);
        Assert.Equal(_dev.Mac.Value, Ethernet.Source(f).Value);
        Assert.Equal(Ethernet.TypeIpv4, Ethernet.Type(f));
        Assert.Equal(ip, f[14..]);
        Assert.Equal(-Errno.ENXIO, e.Send(ip, Ll(0, 0x0800)));
        Assert.Equal(-Errno.ENXIO, e.Send(ip, Ll(8, 0x0800)));
        Assert.Equal(-Errno.EMSGSIZE, e.Send(new byte[1501], Ll(2, 0x0800)));
        Assert.Equal(-Errno.EOPNOTSUPP, e.Send(ip, Ll(1, 0x0800)));
        _stack.SetUp(_eth, false);
        Assert.Equal(-Errno.ENETDOWN, e.Send(ip, Ll(2, 0x0800)));
        PacketEndpoint raw = _stack.Packets.Create(raw: true, PacketEndpoint.EthernetAll, 65536);
        Assert.Equal(0, raw.Bind(Ll(2, 0)));
        _stack.SetUp(_eth, true);
        Assert.Equal(-Errno.EINVAL, raw.Send(new byte[10], default));
        Assert.Equal(60, raw.Send(new byte[60], default));
        Assert.Equal(60, _dev.Take().Length);
        e.Close();
        raw.Close();
    }

    [Fact]
    public void A_filter_keeping_fewer_bytes_than_the_link_header_truncates_a_raw_frame()
    {
        PacketEndpoint e = _stack.Packets.Create(raw: true, PacketEndpoint.EthernetAll, 65536);
        byte[] keepFive = new byte[8];
        LittleEndian.Put16(keepFive, 0, 0x06);
        LittleEndian.Put32(keepFive, 4, 5);
        Assert.Equal(0, ClassicBpf.Validate(keepFive));
        e.AttachFilter(keepFive);
        _stack.Receive(_eth, Offer(), 0);
        Assert.Equal(5, e.NextLength);
        var buffer = new byte[2048];
        var address = new byte[PacketEndpoint.SockaddrLength];
        Assert.Equal(5, e.Receive(buffer, address, false, out int full, out _));
        Assert.Equal(5, full);
        Assert.Equal(0x0800, BigEndian.U16(address, 2)); // the address still comes from the whole header
        e.Close();
    }

    [Fact]
    public void Local_name_names_the_bound_interface()
    {
        PacketEndpoint e = _stack.Packets.Create(raw: false, PacketEndpoint.EtherTypeOf(0x0008), 4096);
        var a = new byte[PacketEndpoint.SockaddrLength];
        Assert.Equal(12, e.LocalName(a));
        Assert.Equal(0, e.Bind(Ll(2, 0)));
        Assert.Equal(18, e.LocalName(a));
        Assert.Equal(0x0800, BigEndian.U16(a, 2));
        Assert.Equal(_dev.Mac.Value, MacAddress.Read(a, 12).Value);
        e.Close();
        Assert.Equal(0, _stack.Packets.Count);
    }
}
