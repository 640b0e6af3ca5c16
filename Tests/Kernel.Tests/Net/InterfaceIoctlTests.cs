using System.Text;
using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

/// <summary>The interface and routing ioctls as busybox ifconfig and route use them, on a stack with lo and eth0.</summary>
public class InterfaceIoctlTests
{
    private readonly NetStack _stack = new();
    private readonly FakeNetDevice _dev = new();
    private readonly NetInterface _eth;

    public InterfaceIoctlTests() => _eth = _stack.AddEthernet(_dev)!;

    private static byte[] Ifreq(string name, uint address = 0, ushort family = SocketConstants.AF_INET)
    {
        var r = new byte[InterfaceIoctl.IfreqSize];
        Encoding.ASCII.GetBytes(name).CopyTo(r, 0);
        LittleEndian.Put16(r, 16, family);
        BigEndian.Put32(r, 20, address);
        return r;
    }

    private static byte[] IfreqInt(string name, int value)
    {
        var r = Ifreq(name);
        LittleEndian.Put32(r, 16, (uint)value);
        return r;
    }

    private int Do(uint command, byte[] ifreq, bool root = true) => InterfaceIoctl.Ifreq(_stack, command, ifreq, root);

    private static uint AddressOf(byte[] ifreq) => BigEndian.U32(ifreq, 20);

    /// <summary>ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up: SIOCSIFADDR, SIOCSIFNETMASK, then the flags.</summary>
    private void Configure()
    {
        Assert.Equal(0, Do(InterfaceIoctl.SIOCSIFADDR, Ifreq("eth0", 0x0A00020F)));
        Assert.Equal(0, Do(InterfaceIoctl.SIOCSIFNETMASK, Ifreq("eth0", 0xFFFFFF00)));
        var flags = Ifreq("eth0");
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFFLAGS, flags));
        LittleEndian.Put16(flags, 16, (ushort)(LittleEndian.U16(flags, 16) | InterfaceFlags.Up));
        Assert.Equal(0, Do(InterfaceIoctl.SIOCSIFFLAGS, flags));
    }

    [Fact]
    public void Ifconfig_sequence_configures_address_netmask_broadcast_and_the_connected_route()
    {
        Configure();
        Assert.Equal(0x0A00020Fu, _eth.Address);
        Assert.Equal(0xFFFFFF00u, _eth.Netmask);
        Assert.Equal(0x0A0002FFu, _eth.Broadcast);
        Assert.True(_eth.IsUp);
        Assert.True(_stack.Routes.Lookup(0x0A000202, out Route r));
        Assert.Same(_eth, r.Interface);
        var q = Ifreq("eth0");
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFADDR, q, root: false));
        Assert.Equal(0x0A00020Fu, AddressOf(q));
        Assert.Equal(SocketConstants.AF_INET, LittleEndian.U16(q, 16));
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFBRDADDR, q, root: false));
        Assert.Equal(0x0A0002FFu, AddressOf(q));
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFNETMASK, q, root: false));
        Assert.Equal(0xFFFFFF00u, AddressOf(q));
    }

    [Fact]
    public void Address_alone_takes_the_class_netmask_as_Linux()
    {
        Assert.Equal(0, Do(InterfaceIoctl.SIOCSIFADDR, Ifreq("eth0", 0xC0A80105)));
        Assert.Equal(0xFFFFFF00u, _eth.Netmask);
        Assert.Equal(0, Do(InterfaceIoctl.SIOCSIFADDR, Ifreq("eth0", 0x0A00020F)));
        Assert.Equal(0xFF000000u, _eth.Netmask);
        Assert.Equal(0x0AFFFFFFu, _eth.Broadcast);
    }

    [Fact]
    public void Flags_of_lo_and_of_eth0_are_Linuxs()
    {
        var q = Ifreq("lo");
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFFLAGS, q, root: false));
        Assert.Equal(0x49, LittleEndian.U16(q, 16)); // UP LOOPBACK RUNNING, ifconfig prints 73
        q = Ifreq("eth0");
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFFLAGS, q, root: false));
        Assert.Equal(0x1002, LittleEndian.U16(q, 16)); // BROADCAST MULTICAST, down
        Configure();
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFFLAGS, q, root: false));
        Assert.Equal(4163, LittleEndian.U16(q, 16)); // what ifconfig reads on Linux for an eth0 that is up
    }

    [Fact]
    public void Getters_without_an_address_are_EADDRNOTAVAIL_and_unknown_interfaces_ENODEV()
    {
        Assert.Equal(-Errno.EADDRNOTAVAIL, Do(InterfaceIoctl.SIOCGIFADDR, Ifreq("eth0"), root: false));
        Assert.Equal(-Errno.EADDRNOTAVAIL, Do(InterfaceIoctl.SIOCGIFNETMASK, Ifreq("eth0"), root: false));
        Assert.Equal(-Errno.ENODEV, Do(InterfaceIoctl.SIOCGIFFLAGS, Ifreq("eth9"), root: false));
        Assert.Equal(-Errno.ENODEV, Do(InterfaceIoctl.SIOCGIFADDR, Ifreq("wlan0"), root: false));
    }

    [Fact]
    public void Setters_need_root_even_for_a_missing_interface()
    {
        Assert.Equal(-Errno.EPERM, Do(InterfaceIoctl.SIOCSIFADDR, Ifreq("eth0", 0x0A00020F), root: false));
        Assert.Equal(-Errno.EPERM, Do(InterfaceIoctl.SIOCSIFFLAGS, Ifreq("nothing"), root: false));
        Assert.Equal(-Errno.EPERM, Do(InterfaceIoctl.SIOCSIFMTU, IfreqInt("eth0", 1400), root: false));
        Assert.Equal(0u, _eth.Address);
        Assert.Equal(-Errno.EINVAL, Do(InterfaceIoctl.SIOCSIFADDR, Ifreq("eth0", 0x0A00020F, family: 10)));
    }

    [Fact]
    public void Hardware_address_index_mtu_metric_txqueue_and_map()
    {
        var q = Ifreq("eth0");
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFHWADDR, q, root: false));
        Assert.Equal(InterfaceIoctl.HardwareEther, LittleEndian.U16(q, 16));
        Assert.Equal(new byte[] { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, q[18..24]);
        q = Ifreq("lo");
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFHWADDR, q, root: false));
        Assert.Equal(InterfaceIoctl.HardwareLoopback, LittleEndian.U16(q, 16));
        q = Ifreq("eth0");
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFINDEX, q, root: false));
        Assert.Equal(2u, LittleEndian.U32(q, 16));
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFMTU, q, root: false));
        Assert.Equal(1500u, LittleEndian.U32(q, 16));
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFTXQLEN, q, root: false));
        Assert.Equal(1000u, LittleEndian.U32(q, 16));
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFMETRIC, q, root: false));
        Assert.Equal(0u, LittleEndian.U32(q, 16));
        q.AsSpan(16).Fill(0xAA);
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFMAP, q, root: false));
        Assert.All(q[16..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Name_by_index()
    {
        var q = IfreqInt("", 1);
        Assert.Equal(0, Do(InterfaceIoctl.SIOCGIFNAME, q, root: false));
        Assert.Equal("lo", Encoding.ASCII.GetString(InterfaceIoctl.NameOf(q)));
        Assert.Equal(-Errno.ENODEV, Do(InterfaceIoctl.SIOCGIFNAME, IfreqInt("", 7), root: false));
    }

    [Fact]
    public void Mtu_stays_within_the_device()
    {
        Assert.Equal(0, Do(InterfaceIoctl.SIOCSIFMTU, IfreqInt("eth0", 1400)));
        Assert.Equal(1400, _eth.Mtu);
        Assert.Equal(-Errno.EINVAL, Do(InterfaceIoctl.SIOCSIFMTU, IfreqInt("eth0", 9000)));
        Assert.Equal(-Errno.EINVAL, Do(InterfaceIoctl.SIOCSIFMTU, IfreqInt("eth0", 67)));
        Assert.Equal(1400, _eth.Mtu);
    }

    [Fact]
    public void Address_routing_ioctls_exist_only_on_inet_and_packet_sockets()
    {
        Assert.Equal(InterfaceIoctl.Argument.Ifreq, InterfaceIoctl.ArgumentOf(InterfaceIoctl.SIOCGIFFLAGS, inet: false));
        Assert.Equal(InterfaceIoctl.Argument.None, InterfaceIoctl.ArgumentOf(InterfaceIoctl.SIOCGIFADDR, inet: false));
        Assert.Equal(InterfaceIoctl.Argument.Ifreq, InterfaceIoctl.ArgumentOf(InterfaceIoctl.SIOCGIFADDR, inet: true));
        Assert.Equal(InterfaceIoctl.Argument.Rtentry, InterfaceIoctl.ArgumentOf(InterfaceIoctl.SIOCADDRT, inet: true));
        Assert.Equal(InterfaceIoctl.Argument.None, InterfaceIoctl.ArgumentOf(InterfaceIoctl.SIOCADDRT, inet: false));
        Assert.Equal(InterfaceIoctl.Argument.Ifconf, InterfaceIoctl.ArgumentOf(InterfaceIoctl.SIOCGIFCONF, inet: false));
        Assert.Equal(InterfaceIoctl.Argument.None, InterfaceIoctl.ArgumentOf(0x5401, inet: true));
    }

    [Fact]
    public void Ifconf_lists_interfaces_with_addresses_and_counts_without_a_buffer()
    {
        Assert.Equal(40, InterfaceIoctl.Ifconf(_stack, Span<byte>.Empty, countOnly: true));
        Configure();
        Assert.Equal(80, InterfaceIoctl.Ifconf(_stack, Span<byte>.Empty, countOnly: true));
        var buffer = new byte[120];
        Assert.Equal(80, InterfaceIoctl.Ifconf(_stack, buffer, countOnly: false));
        Assert.Equal("lo", Encoding.ASCII.GetString(InterfaceIoctl.NameOf(buffer)));
        Assert.Equal(0x7F000001u, BigEndian.U32(buffer, 20));
        Assert.Equal("eth0", Encoding.ASCII.GetString(InterfaceIoctl.NameOf(buffer.AsSpan(40))));
        Assert.Equal(0x0A00020Fu, BigEndian.U32(buffer, 60));
        Assert.Equal(40, InterfaceIoctl.Ifconf(_stack, buffer.AsSpan(0, 79), countOnly: false)); // whole entries only
    }

    private static byte[] Rtentry(uint destination, uint gateway, uint mask, ushort flags, short metric = 0)
    {
        var r = new byte[InterfaceIoctl.RtentrySize];
        LittleEndian.Put16(r, 8, SocketConstants.AF_INET);
        BigEndian.Put32(r, 12, destination);
        LittleEndian.Put16(r, 24, SocketConstants.AF_INET);
        BigEndian.Put32(r, 28, gateway);
        LittleEndian.Put16(r, 40, SocketConstants.AF_INET);
        BigEndian.Put32(r, 44, mask);
        LittleEndian.Put16(r, 56, flags);
        LittleEndian.Put16(r, 80, (ushort)metric);
        return r;
    }

    [Fact]
    public void Route_add_default_gw_and_del()
    {
        Configure();
        byte[] add = Rtentry(0, 0x0A000202, 0, Route.FlagUp | Route.FlagGateway);
        Assert.Equal(-Errno.EPERM, InterfaceIoctl.Route(_stack, InterfaceIoctl.SIOCADDRT, add, default, root: false));
        Assert.Equal(0, InterfaceIoctl.Route(_stack, InterfaceIoctl.SIOCADDRT, add, default, root: true));
        Assert.True(_stack.Routes.Lookup(0x08080808, out Route r));
        Assert.Equal(0x0A000202u, r.Gateway);
        Assert.Same(_eth, r.Interface);
        Assert.Equal(-Errno.EEXIST, InterfaceIoctl.Route(_stack, InterfaceIoctl.SIOCADDRT, add, default, root: true));
        Assert.Equal(0, InterfaceIoctl.Route(_stack, InterfaceIoctl.SIOCDELRT, add, default, root: true));
        Assert.False(_stack.Routes.Lookup(0x08080808, out _));
        Assert.Equal(-Errno.ESRCH, InterfaceIoctl.Route(_stack, InterfaceIoctl.SIOCDELRT, add, default, root: true));
    }

    [Fact]
    public void Route_checks_gateway_reachability_mask_and_device()
    {
        Configure();
        Assert.Equal(-Errno.ENETUNREACH, InterfaceIoctl.Route(_stack, InterfaceIoctl.SIOCADDRT, Rtentry(0, 0xC0A80001, 0, Route.FlagUp | Route.FlagGateway), default, true));
        Assert.Equal(-Errno.EINVAL, InterfaceIoctl.Route(_stack, InterfaceIoctl.SIOCADDRT, Rtentry(0x0A000001, 0, 0xFFFF0000, Route.FlagUp), "eth0"u8, true));
        Assert.Equal(-Errno.ENODEV, InterfaceIoctl.Route(_stack, InterfaceIoctl.SIOCADDRT, Rtentry(0xC0A80000, 0, 0xFFFF0000, Route.FlagUp), "eth7"u8, true));
        // A network route with a metric (route passes metric + 1) on a named device.
        Assert.Equal(0, InterfaceIoctl.Route(_stack, InterfaceIoctl.SIOCADDRT, Rtentry(0xC0A80000, 0, 0xFFFF0000, Route.FlagUp, metric: 6), "eth0"u8, true));
        Assert.True(_stack.Routes.Lookup(0xC0A80101, out Route r));
        Assert.Equal(5, r.Metric);
        Assert.Equal(0u, r.Gateway);
    }

    [Fact]
    public void Removing_the_address_or_bringing_the_link_down_removes_its_routes()
    {
        Configure();
        Assert.Equal(0, InterfaceIoctl.Route(_stack, InterfaceIoctl.SIOCADDRT, Rtentry(0, 0x0A000202, 0, Route.FlagUp | Route.FlagGateway), default, true));
        Assert.Equal(0, Do(InterfaceIoctl.SIOCSIFADDR, Ifreq("eth0", 0)));
        Assert.Equal(0u, _eth.Address);
        Assert.False(_stack.Routes.Lookup(0x08080808, out _));
        Assert.False(_stack.Routes.Lookup(0x0A000202, out _));
        Assert.Equal(-Errno.EADDRNOTAVAIL, Do(InterfaceIoctl.SIOCGIFADDR, Ifreq("eth0")));
    }

    [Fact]
    public void Netmask_change_moves_a_broadcast_that_followed_it()
    {
        Configure();
        Assert.Equal(0, Do(InterfaceIoctl.SIOCSIFNETMASK, Ifreq("eth0", 0xFFFF0000)));
        Assert.Equal(0x0A00FFFFu, _eth.Broadcast);
        Assert.Equal(0, Do(InterfaceIoctl.SIOCSIFBRDADDR, Ifreq("eth0", 0x0A000001)));
        Assert.Equal(0, Do(InterfaceIoctl.SIOCSIFNETMASK, Ifreq("eth0", 0xFFFFFF00)));
        Assert.Equal(0x0A000001u, _eth.Broadcast);
        Assert.Equal(-Errno.EINVAL, Do(InterfaceIoctl.SIOCSIFNETMASK, Ifreq("eth0", 0xFF00FF00)));
    }
}
