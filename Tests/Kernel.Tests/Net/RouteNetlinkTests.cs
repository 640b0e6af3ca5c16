using System.Text;
using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

/// <summary>NETLINK_ROUTE requests as `ip` sends them, and the replies it parses.</summary>
public class RouteNetlinkTests
{
    private const uint Port = 4242;
    private readonly NetStack _stack = new();
    private readonly FakeNetDevice _dev = new();
    private readonly NetInterface _eth;

    public RouteNetlinkTests()
    {
        _eth = _stack.AddEthernet(_dev)!;
        _stack.ConfigureStatic(_eth, 0x0A00020F, 0xFFFFFF00, 0x0A000202);
    }

    /// <summary>A request: header, fixed part, then attributes (type, value).</summary>
    private static byte[] Request(ushort type, ushort flags, byte[] body, params (ushort Type, byte[] Value)[] attributes)
    {
        var m = new List<byte>(new byte[16]);
        m.AddRange(body);
        while (m.Count % 4 != 0) m.Add(0);
        foreach (var (t, v) in attributes)
        {
            var a = new byte[4];
            LittleEndian.Put16(a, 0, (ushort)(4 + v.Length));
            LittleEndian.Put16(a, 2, t);
            m.AddRange(a);
            m.AddRange(v);
            while (m.Count % 4 != 0) m.Add(0);
        }
        byte[] r = m.ToArray();
        LittleEndian.Put32(r, 0, (uint)r.Length);
        LittleEndian.Put16(r, 4, type);
        LittleEndian.Put16(r, 6, (ushort)(flags | Netlink.NLM_F_REQUEST));
        LittleEndian.Put32(r, 8, 77);
        return r;
    }

    private static byte[] Be(uint a) { var b = new byte[4]; BigEndian.Put32(b, 0, a); return b; }
    private static byte[] U32(uint v) { var b = new byte[4]; LittleEndian.Put32(b, 0, v); return b; }

    private List<byte[]> Send(byte[] request, bool root = true)
    {
        var buffer = new byte[16384];
        var w = new NetlinkWriter(buffer);
        RouteNetlink.Handle(_stack, request, Port, root, ref w);
        Assert.False(w.Overflow);
        var messages = new List<byte[]>();
        int offset = 0;
        ReadOnlySpan<byte> all = buffer.AsSpan(0, w.Length);
        while (Netlink.NextMessage(all, ref offset, out ReadOnlySpan<byte> m))
        {
            Assert.Equal(77u, Netlink.Sequence(m));
            Assert.Equal(Port, Netlink.PortId(m));
            messages.Add(m.ToArray());
        }
        Assert.Equal(w.Length, offset);
        return messages;
    }

    private static int ErrorOf(byte[] m)
    {
        Assert.Equal(Netlink.NLMSG_ERROR, Netlink.Type(m));
        return (int)LittleEndian.U32(m, 16);
    }

    private static ReadOnlySpan<byte> Attributes(byte[] m, int fixedLength) => m.AsSpan(16 + fixedLength);

    private static string Text(byte[] m, int fixedLength, ushort type)
    {
        Assert.True(Netlink.FindAttribute(Attributes(m, fixedLength), type, out ReadOnlySpan<byte> v));
        return Encoding.ASCII.GetString(Netlink.Text(v));
    }

    [Fact]
    public void Link_dump_lists_lo_and_eth0_then_done()
    {
        var replies = Send(Request(Netlink.RTM_GETLINK, Netlink.NLM_F_DUMP, new byte[16]));
        Assert.Equal(3, replies.Count);
        Assert.Equal(Netlink.RTM_NEWLINK, Netlink.Type(replies[0]));
        Assert.Equal(Netlink.NLM_F_MULTI, Netlink.Flags(replies[0]));
        Assert.Equal("lo", Text(replies[0], 16, Netlink.IFLA_IFNAME));
        Assert.Equal(772, LittleEndian.U16(replies[0], 18));
        Assert.Equal(0x10049u, LittleEndian.U32(replies[0], 24)); // LOOPBACK UP RUNNING LOWER_UP
        Assert.Equal("eth0", Text(replies[1], 16, Netlink.IFLA_IFNAME));
        Assert.Equal(2u, LittleEndian.U32(replies[1], 20));
        Assert.True(Netlink.FindAttribute(Attributes(replies[1], 16), Netlink.IFLA_ADDRESS, out ReadOnlySpan<byte> mac));
        Assert.Equal(new byte[] { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, mac.ToArray());
        Assert.True(Netlink.FindU32(Attributes(replies[1], 16), Netlink.IFLA_MTU, out uint mtu));
        Assert.Equal(1500u, mtu);
        Assert.True(Netlink.FindAttribute(Attributes(replies[1], 16), Netlink.IFLA_OPERSTATE, out ReadOnlySpan<byte> state));
        Assert.Equal(Netlink.IF_OPER_UP, state[0]);
        Assert.True(Netlink.FindAttribute(Attributes(replies[1], 16), Netlink.IFLA_STATS64, out ReadOnlySpan<byte> stats));
        Assert.Equal(200, stats.Length);
        Assert.Equal(Netlink.NLMSG_DONE, Netlink.Type(replies[2]));
        Assert.Equal(20u, Netlink.Length(replies[2]));
    }

    [Fact]
    public void Address_dump_gives_local_broadcast_label_and_prefix()
    {
        var replies = Send(Request(Netlink.RTM_GETADDR, Netlink.NLM_F_DUMP, new byte[] { 2, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.Equal(3, replies.Count);
        byte[] lo = replies[0], eth = replies[1];
        Assert.Equal(8, lo[17]);
        Assert.Equal(Netlink.RT_SCOPE_HOST, lo[19]);
        Assert.Equal(24, eth[17]);
        Assert.Equal(Netlink.RT_SCOPE_UNIVERSE, eth[19]);
        Assert.Equal(2u, LittleEndian.U32(eth, 20));
        Assert.True(Netlink.FindAddress(Attributes(eth, 8), Netlink.IFA_LOCAL, out uint local));
        Assert.Equal(0x0A00020Fu, local);
        Assert.True(Netlink.FindAddress(Attributes(eth, 8), Netlink.IFA_BROADCAST, out uint brd));
        Assert.Equal(0x0A0002FFu, brd);
        Assert.False(Netlink.FindAddress(Attributes(lo, 8), Netlink.IFA_BROADCAST, out _));
        Assert.Equal("eth0", Text(eth, 8, Netlink.IFA_LABEL));
        // IPv6 asks: nothing but the end.
        Assert.Single(Send(Request(Netlink.RTM_GETADDR, Netlink.NLM_F_DUMP, new byte[] { 10, 0, 0, 0, 0, 0, 0, 0 })));
    }

    [Fact]
    public void Route_dump_gives_default_then_connected_route_of_the_main_table()
    {
        var replies = Send(Request(Netlink.RTM_GETROUTE, Netlink.NLM_F_DUMP, new byte[12]));
        Assert.Equal(3, replies.Count);
        byte[] d = replies[0], c = replies[1];
        Assert.Equal(0, d[17]);
        Assert.Equal(Netlink.RT_TABLE_MAIN, d[20]);
        Assert.Equal(Netlink.RTPROT_BOOT, d[21]);
        Assert.Equal(Netlink.RT_SCOPE_UNIVERSE, d[22]);
        Assert.True(Netlink.FindAddress(Attributes(d, 12), Netlink.RTA_GATEWAY, out uint gw));
        Assert.Equal(0x0A000202u, gw);
        Assert.False(Netlink.FindAttribute(Attributes(d, 12), Netlink.RTA_DST, out _));
        Assert.Equal(24, c[17]);
        Assert.Equal(Netlink.RTPROT_KERNEL, c[21]);
        Assert.Equal(Netlink.RT_SCOPE_LINK, c[22]);
        Assert.True(Netlink.FindAddress(Attributes(c, 12), Netlink.RTA_DST, out uint dst));
        Assert.Equal(0x0A000200u, dst);
        Assert.True(Netlink.FindAddress(Attributes(c, 12), Netlink.RTA_PREFSRC, out uint src));
        Assert.Equal(0x0A00020Fu, src);
        Assert.True(Netlink.FindU32(Attributes(c, 12), Netlink.RTA_OIF, out uint oif));
        Assert.Equal(2u, oif);
    }

    private static byte[] Ifaddr(byte prefix, int index) => new byte[] { 2, prefix, 0, 0, (byte)index, 0, 0, 0 };

    [Fact]
    public void Address_del_and_add_with_acks()
    {
        var del = Request(Netlink.RTM_DELADDR, Netlink.NLM_F_ACK, Ifaddr(24, 2), (Netlink.IFA_LOCAL, Be(0x0A00020F)));
        Assert.Equal(-Errno.EPERM, ErrorOf(Send(del, root: false)[0]));
        var ack = Send(del);
        Assert.Single(ack);
        Assert.Equal(0, ErrorOf(ack[0]));
        Assert.Equal(36u, Netlink.Length(ack[0]));
        Assert.Equal(Netlink.NLM_F_CAPPED, Netlink.Flags(ack[0]));
        Assert.Equal(0u, _eth.Address);
        Assert.False(_stack.Routes.Lookup(0x08080808, out _)); // the default route went with the address
        Assert.Equal(-Errno.EADDRNOTAVAIL, ErrorOf(Send(del)[0]));

        var add = Request(Netlink.RTM_NEWADDR, Netlink.NLM_F_ACK | Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, Ifaddr(16, 2),
            (Netlink.IFA_LOCAL, Be(0xC0A80A01)), (Netlink.IFA_ADDRESS, Be(0xC0A80A01)));
        Assert.Equal(0, ErrorOf(Send(add)[0]));
        Assert.Equal(0xC0A80A01u, _eth.Address);
        Assert.Equal(0xFFFF0000u, _eth.Netmask);
        Assert.Equal(0u, _eth.Broadcast); // no brd given, as Linux
        Assert.True(_stack.Routes.Lookup(0xC0A80505, out Route r));
        Assert.Same(_eth, r.Interface);
        byte[] error = Send(add)[0];
        Assert.Equal(-Errno.EEXIST, ErrorOf(error));
        Assert.Equal(16u + 4 + (uint)add.Length, Netlink.Length(error)); // an error quotes the whole request
    }

    private static byte[] Rtmsg(byte dstLength, byte type = 1) => new byte[] { 2, dstLength, 0, 0, 254, 3, 0, type, 0, 0, 0, 0 };

    [Fact]
    public void Route_add_replace_and_del()
    {
        var add = Request(Netlink.RTM_NEWROUTE, Netlink.NLM_F_ACK | Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, Rtmsg(16),
            (Netlink.RTA_DST, Be(0xAC100000)), (Netlink.RTA_GATEWAY, Be(0x0A000203)));
        Assert.Equal(0, ErrorOf(Send(add)[0]));
        Assert.True(_stack.Routes.Lookup(0xAC100101, out Route r));
        Assert.Equal(0x0A000203u, r.Gateway);
        Assert.Equal(-Errno.EEXIST, ErrorOf(Send(add)[0]));
        var unreachable = Request(Netlink.RTM_NEWROUTE, Netlink.NLM_F_ACK | Netlink.NLM_F_CREATE, Rtmsg(8),
            (Netlink.RTA_DST, Be(0x0B000000)), (Netlink.RTA_GATEWAY, Be(0x0B000001)));
        Assert.Equal(-Errno.ENETUNREACH, ErrorOf(Send(unreachable)[0]));
        var del = Request(Netlink.RTM_DELROUTE, Netlink.NLM_F_ACK, Rtmsg(16), (Netlink.RTA_DST, Be(0xAC100000)));
        Assert.Equal(0, ErrorOf(Send(del)[0]));
        Assert.Equal(-Errno.ESRCH, ErrorOf(Send(del)[0]));
        var other = Request(Netlink.RTM_NEWROUTE, Netlink.NLM_F_ACK | Netlink.NLM_F_CREATE, Rtmsg(16, type: 6),
            (Netlink.RTA_DST, Be(0xAC100000)));
        Assert.Equal(-Errno.EOPNOTSUPP, ErrorOf(Send(other)[0])); // blackhole routes are not kept
    }

    [Fact]
    public void Setlink_brings_the_link_down_and_up_and_sets_the_mtu()
    {
        var body = new byte[16];
        LittleEndian.Put32(body, 4, 2);
        LittleEndian.Put32(body, 12, InterfaceFlags.Up); // change: IFF_UP, flags: 0 → down
        Assert.Equal(0, ErrorOf(Send(Request(Netlink.RTM_NEWLINK, Netlink.NLM_F_ACK, body, (Netlink.IFLA_MTU, U32(1280))))[0]));
        Assert.False(_eth.IsUp);
        Assert.Equal(1280, _eth.Mtu);
        LittleEndian.Put32(body, 8, InterfaceFlags.Up);
        Assert.Empty(Send(Request(Netlink.RTM_SETLINK, 0, body)));
        Assert.True(_eth.IsUp);
        var byName = Request(Netlink.RTM_GETLINK, 0, new byte[16], (Netlink.IFLA_IFNAME, "eth0\0"u8.ToArray()));
        var reply = Send(byName);
        Assert.Single(reply);
        Assert.Equal(Netlink.RTM_NEWLINK, Netlink.Type(reply[0]));
        Assert.Equal(-Errno.ENODEV, ErrorOf(Send(Request(Netlink.RTM_GETLINK, 0, new byte[16], (Netlink.IFLA_IFNAME, "eth5\0"u8.ToArray())))[0]));
        Assert.Equal(-Errno.EINVAL, ErrorOf(Send(Request(Netlink.RTM_SETLINK, 0, body, (Netlink.IFLA_MTU, U32(20000))))[0]));
    }

    [Fact]
    public void Unknown_types_are_EOPNOTSUPP_and_non_requests_are_ignored()
    {
        Assert.Equal(-Errno.EOPNOTSUPP, ErrorOf(Send(Request(30, 0, new byte[12]))[0])); // RTM_NEWNEIGH
        Assert.Equal(-Errno.EOPNOTSUPP, ErrorOf(Send(Request(200, 0, new byte[12]))[0]));
        byte[] notRequest = Request(Netlink.RTM_GETLINK, Netlink.NLM_F_DUMP, new byte[16]);
        LittleEndian.Put16(notRequest, 6, Netlink.NLM_F_DUMP);
        Assert.Empty(Send(notRequest));
    }

    [Fact]
    public void Malformed_messages_and_attributes_end_the_batch_without_harm()
    {
        var rng = new Random(10);
        var buffer = new byte[16384];
        for (int i = 0; i < 2000; i++)
        {
            var junk = new byte[rng.Next(0, 200)];
            rng.NextBytes(junk);
            if (junk.Length >= 16)
            {
                LittleEndian.Put32(junk, 0, (uint)rng.Next(0, junk.Length + 8));
                LittleEndian.Put16(junk, 4, (ushort)rng.Next(16, 27));
                LittleEndian.Put16(junk, 6, (ushort)(rng.Next() | 1));
            }
            int offset = 0;
            while (Netlink.NextMessage(junk, ref offset, out ReadOnlySpan<byte> m))
            {
                var w = new NetlinkWriter(buffer);
                RouteNetlink.Handle(_stack, m, Port, true, ref w);
            }
        }
        Assert.NotNull(_stack.Loopback);
    }
}
