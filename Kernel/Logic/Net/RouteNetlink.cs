using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// NETLINK_ROUTE on a <see cref="NetStack"/> (Linux's rtnetlink for IPv4): link, address and route dumps,
    /// single link and route queries, and the changes busybox and iproute2 `ip` make (addresses, routes, link
    /// up/down and MTU). Each request message gets its replies written: a dump's messages (NLM_F_MULTI) and
    /// NLMSG_DONE, or an answer, then an NLMSG_ERROR acknowledgement (error 0) when NLM_F_ACK asks for one or the
    /// request failed. Changes need CAP_NET_ADMIN (<c>root</c>). Differences from Linux: the main table only, one
    /// IPv4 address per interface (a second is EOPNOTSUPP), no IPv6, no notifications to multicast groups.
    /// </summary>
    public static class RouteNetlink
    {
        /// <summary>IFA_CACHEINFO's "forever".</summary>
        private const uint Forever = 0xFFFF_FFFF;

        /// <summary>Answers one request <paramref name="message"/> (a whole nlmsghdr and payload) from the socket with port id <paramref name="portId"/>.</summary>
        public static void Handle(NetStack stack, scoped ReadOnlySpan<byte> message, uint portId, bool root, ref NetlinkWriter output)
        {
            ushort type = Netlink.Type(message), flags = Netlink.Flags(message);
            if ((flags & Netlink.NLM_F_REQUEST) == 0 || type < Netlink.NLMSG_MIN_TYPE)
            {
                if ((flags & Netlink.NLM_F_ACK) != 0)
                    output.Error(0, message, portId);
                return;
            }
            ReadOnlySpan<byte> payload = message.Slice(Netlink.HeaderLength);
            uint sequence = Netlink.Sequence(message);
            int kind = (type - 16) & 3; // NEW, DEL, GET, SET
            int error;
            if (type > Netlink.RTM_MAX)
                error = -Errno.EOPNOTSUPP;
            else if (kind != 2 && !root)
                error = -Errno.EPERM;
            else if (payload.Length < 1)
                error = 0;
            else if (kind == 2 && (flags & Netlink.NLM_F_DUMP) != 0)
            {
                byte family = payload[0];
                switch (type)
                {
                    case Netlink.RTM_GETLINK:
                        DumpLinks(stack, sequence, portId, ref output);
                        break;
                    case Netlink.RTM_GETADDR:
                        if (family == SocketConstants.AF_UNSPEC || family == SocketConstants.AF_INET)
                            DumpAddresses(stack, sequence, portId, ref output);
                        break;
                    case Netlink.RTM_GETROUTE:
                        if (family == SocketConstants.AF_UNSPEC || family == SocketConstants.AF_INET)
                            DumpRoutes(stack, sequence, portId, ref output);
                        break;
                    default:
                        output.Error(-Errno.EOPNOTSUPP, message, portId);
                        return;
                }
                output.Done(sequence, portId);
                return; // a dump is not acknowledged
            }
            else
            {
                error = type switch
                {
                    Netlink.RTM_GETLINK => GetLink(stack, payload, sequence, portId, ref output),
                    Netlink.RTM_GETROUTE => GetRoute(stack, payload, sequence, portId, ref output),
                    Netlink.RTM_NEWLINK or Netlink.RTM_SETLINK => SetLink(stack, payload, type, flags),
                    Netlink.RTM_NEWADDR => NewAddress(stack, payload, flags),
                    Netlink.RTM_DELADDR => DeleteAddress(stack, payload),
                    Netlink.RTM_NEWROUTE => NewRoute(stack, payload, flags),
                    Netlink.RTM_DELROUTE => DeleteRoute(stack, payload),
                    _ => -Errno.EOPNOTSUPP,
                };
            }
            if (error != 0 || (flags & Netlink.NLM_F_ACK) != 0)
                output.Error(error, message, portId);
        }

        // ---------------------------------------------------------------- links

        private static NetInterface? LinkOf(NetStack stack, ReadOnlySpan<byte> payload, out int error)
        {
            error = 0;
            if (payload.Length < Netlink.IfinfoLength)
            {
                error = -Errno.EINVAL;
                return null;
            }
            int index = (int)LittleEndian.U32(payload, 4);
            NetInterface? iface = null;
            if (index > 0)
                iface = stack.FindInterface(index);
            else if (Netlink.FindAttribute(payload.Slice(Netlink.IfinfoLength), Netlink.IFLA_IFNAME, out ReadOnlySpan<byte> name))
                iface = stack.FindInterface(Netlink.Text(name));
            else
            {
                error = -Errno.EINVAL;
                return null;
            }
            if (iface == null)
                error = -Errno.ENODEV;
            return iface;
        }

        private static void DumpLinks(NetStack stack, uint sequence, uint portId, ref NetlinkWriter output)
        {
            for (int i = 0; i < stack.InterfaceCount; i++)
                WriteLink(stack.InterfaceAt(i), Netlink.RTM_NEWLINK, Netlink.NLM_F_MULTI, sequence, portId, ref output);
        }

        private static int GetLink(NetStack stack, scoped ReadOnlySpan<byte> payload, uint sequence, uint portId, ref NetlinkWriter output)
        {
            NetInterface? iface = LinkOf(stack, payload, out int error);
            if (iface == null)
                return error;
            WriteLink(iface, Netlink.RTM_NEWLINK, 0, sequence, portId, ref output);
            return 0;
        }

        /// <summary>One RTM_NEWLINK for <paramref name="iface"/>, with the attributes rtnl_fill_ifinfo gives, in its order.</summary>
        public static void WriteLink(NetInterface iface, ushort type, ushort flags, uint sequence, uint portId, ref NetlinkWriter output)
        {
            output.Begin(type, flags, sequence, portId);
            Span<byte> info = output.Reserve(Netlink.IfinfoLength);
            if (!info.IsEmpty)
            {
                LittleEndian.Put16(info, 2, iface.IsLoopback ? InterfaceIoctl.HardwareLoopback : InterfaceIoctl.HardwareEther);
                LittleEndian.Put32(info, 4, (uint)iface.Index);
                LittleEndian.Put32(info, 8, InterfaceIoctl.FlagsOf(iface));
            }
            output.Text(Netlink.IFLA_IFNAME, iface.Name);
            output.U32(Netlink.IFLA_TXQLEN, (uint)iface.TxQueueLength);
            output.U8(Netlink.IFLA_OPERSTATE, iface.IsLoopback ? Netlink.IF_OPER_UNKNOWN : iface.IsRunning ? Netlink.IF_OPER_UP : Netlink.IF_OPER_DOWN);
            output.U8(Netlink.IFLA_LINKMODE, 0);
            output.U32(Netlink.IFLA_MTU, (uint)iface.Mtu);
            output.U32(Netlink.IFLA_MIN_MTU, iface.IsLoopback ? 0u : (uint)InterfaceIoctl.MinEthernetMtu);
            output.U32(Netlink.IFLA_MAX_MTU, iface.IsLoopback ? 0u : (uint)iface.Device!.Mtu);
            output.U32(Netlink.IFLA_GROUP, 0);
            output.U32(Netlink.IFLA_PROMISCUITY, 0);
            output.U32(Netlink.IFLA_NUM_TX_QUEUES, 1);
            output.U32(Netlink.IFLA_NUM_RX_QUEUES, 1);
            output.U8(Netlink.IFLA_CARRIER, (byte)(iface.IsLoopback || iface.Device!.LinkUp ? 1 : 0));
            // The queueing discipline Linux attaches when a link first goes up (Debian's default fq_codel on a card,
            // none on lo); "noop" before.
            output.Text(Netlink.IFLA_QDISC, !iface.EverUp ? "noop"u8 : iface.IsLoopback ? "noqueue"u8 : "fq_codel"u8);
            Span<byte> mac = stackalloc byte[6];
            iface.Mac.Write(mac, 0);
            output.Attribute(Netlink.IFLA_ADDRESS, mac);
            if (!iface.IsLoopback)
                MacAddress.Broadcast.Write(mac, 0);
            output.Attribute(Netlink.IFLA_BROADCAST, mac);
            Span<ulong> counters = stackalloc ulong[25];
            Counters(iface, counters);
            Span<byte> stats64 = output.Reserve(Netlink.AttributeHeader + 25 * 8);
            if (!stats64.IsEmpty)
            {
                LittleEndian.Put16(stats64, 0, (ushort)stats64.Length);
                LittleEndian.Put16(stats64, 2, Netlink.IFLA_STATS64);
                for (int i = 0; i < 25; i++)
                    LittleEndian.Put64(stats64, Netlink.AttributeHeader + 8 * i, counters[i]);
            }
            Span<byte> stats = output.Reserve(Netlink.AttributeHeader + 24 * 4);
            if (!stats.IsEmpty)
            {
                LittleEndian.Put16(stats, 0, (ushort)stats.Length);
                LittleEndian.Put16(stats, 2, Netlink.IFLA_STATS);
                for (int i = 0; i < 24; i++)
                    LittleEndian.Put32(stats, Netlink.AttributeHeader + 4 * i, (uint)counters[i]);
            }
            output.End();
        }

        /// <summary>struct rtnl_link_stats64's fields in order (rx/tx packets, bytes, errors, dropped, multicast...).</summary>
        private static void Counters(NetInterface iface, Span<ulong> c)
        {
            c.Clear();
            c[0] = iface.RxPackets;
            c[1] = iface.TxPackets;
            c[2] = iface.RxBytes;
            c[3] = iface.TxBytes;
            c[4] = iface.RxErrors;
            c[5] = iface.TxErrors;
            c[6] = iface.RxDropped;
            c[7] = iface.TxDropped;
            c[8] = iface.RxMulticast;
        }

        private static int SetLink(NetStack stack, ReadOnlySpan<byte> payload, ushort type, ushort requestFlags)
        {
            NetInterface? iface = LinkOf(stack, payload, out int error);
            if (iface == null)
            {
                if (error == -Errno.ENODEV && type == Netlink.RTM_NEWLINK && (requestFlags & Netlink.NLM_F_CREATE) != 0)
                    return -Errno.EOPNOTSUPP; // no virtual links (veth, bridges...) to create
                return error;
            }
            if (type == Netlink.RTM_NEWLINK && (requestFlags & Netlink.NLM_F_EXCL) != 0 && (requestFlags & Netlink.NLM_F_CREATE) != 0)
                return -Errno.EEXIST;
            ReadOnlySpan<byte> attributes = payload.Slice(Netlink.IfinfoLength);
            if (Netlink.FindU32(attributes, Netlink.IFLA_MTU, out uint mtu))
            {
                int r = InterfaceIoctl.SetMtu(iface, (int)mtu);
                if (r < 0)
                    return r;
            }
            uint flags = LittleEndian.U32(payload, 8), change = LittleEndian.U32(payload, 12);
            if (flags != 0 || change != 0)
            {
                uint current = InterfaceIoctl.FlagsOf(iface);
                uint wanted = change != 0 ? (flags & change) | (current & ~change) : flags;
                bool up = (wanted & InterfaceFlags.Up) != 0;
                if (up != iface.IsUp)
                    stack.SetUp(iface, up);
            }
            return 0;
        }

        // ---------------------------------------------------------------- addresses

        private static void DumpAddresses(NetStack stack, uint sequence, uint portId, ref NetlinkWriter output)
        {
            for (int i = 0; i < stack.InterfaceCount; i++)
            {
                NetInterface iface = stack.InterfaceAt(i);
                if (iface.Address != 0)
                    WriteAddress(iface, Netlink.NLM_F_MULTI, sequence, portId, ref output);
            }
        }

        /// <summary>One RTM_NEWADDR for the interface's address (inet_fill_ifaddr's attributes and order).</summary>
        public static void WriteAddress(NetInterface iface, ushort flags, uint sequence, uint portId, ref NetlinkWriter output)
        {
            output.Begin(Netlink.RTM_NEWADDR, flags, sequence, portId);
            Span<byte> m = output.Reserve(Netlink.IfaddrLength);
            if (!m.IsEmpty)
            {
                m[0] = SocketConstants.AF_INET;
                m[1] = (byte)iface.PrefixLength;
                m[2] = Netlink.IFA_F_PERMANENT;
                m[3] = (iface.Address >> 24) == 127 ? Netlink.RT_SCOPE_HOST : Netlink.RT_SCOPE_UNIVERSE;
                LittleEndian.Put32(m, 4, (uint)iface.Index);
            }
            output.Address(Netlink.IFA_ADDRESS, iface.Address);
            output.Address(Netlink.IFA_LOCAL, iface.Address);
            if (iface.Broadcast != 0)
                output.Address(Netlink.IFA_BROADCAST, iface.Broadcast);
            output.Text(Netlink.IFA_LABEL, iface.Name);
            output.U32(Netlink.IFA_FLAGS, Netlink.IFA_F_PERMANENT);
            Span<byte> cache = stackalloc byte[16];
            LittleEndian.Put32(cache, 0, Forever);
            LittleEndian.Put32(cache, 4, Forever);
            output.Attribute(Netlink.IFA_CACHEINFO, cache);
            output.End();
        }

        private static int NewAddress(NetStack stack, ReadOnlySpan<byte> payload, ushort flags)
        {
            if (payload.Length < Netlink.IfaddrLength)
                return -Errno.EINVAL;
            if (payload[0] != SocketConstants.AF_INET)
                return -Errno.EAFNOSUPPORT;
            int prefix = payload[1];
            if (prefix > 32)
                return -Errno.EINVAL;
            NetInterface? iface = stack.FindInterface((int)LittleEndian.U32(payload, 4));
            if (iface == null)
                return -Errno.ENODEV;
            ReadOnlySpan<byte> attributes = payload.Slice(Netlink.IfaddrLength);
            if (!Netlink.FindAddress(attributes, Netlink.IFA_LOCAL, out uint local) && !Netlink.FindAddress(attributes, Netlink.IFA_ADDRESS, out local))
                return -Errno.EINVAL;
            if (local == 0)
                return -Errno.EINVAL;
            bool hasBroadcast = Netlink.FindAddress(attributes, Netlink.IFA_BROADCAST, out uint broadcast);
            uint mask = Ipv4Address.MaskOf(prefix);
            if (iface.Address == local)
            {
                if ((flags & Netlink.NLM_F_EXCL) != 0 || (flags & Netlink.NLM_F_REPLACE) == 0)
                    return -Errno.EEXIST;
            }
            else if (iface.Address != 0)
                return -Errno.EOPNOTSUPP; // one IPv4 address per interface
            else if ((flags & Netlink.NLM_F_CREATE) == 0)
                return -Errno.ENOENT;
            int r = stack.SetAddress(iface, local, mask);
            if (r < 0)
                return r;
            iface.Broadcast = hasBroadcast ? broadcast : 0;
            return 0;
        }

        private static int DeleteAddress(NetStack stack, ReadOnlySpan<byte> payload)
        {
            if (payload.Length < Netlink.IfaddrLength)
                return -Errno.EINVAL;
            if (payload[0] != SocketConstants.AF_INET)
                return -Errno.EAFNOSUPPORT;
            NetInterface? iface = stack.FindInterface((int)LittleEndian.U32(payload, 4));
            if (iface == null)
                return -Errno.ENODEV;
            ReadOnlySpan<byte> attributes = payload.Slice(Netlink.IfaddrLength);
            if (iface.Address == 0)
                return -Errno.EADDRNOTAVAIL;
            if (Netlink.FindAddress(attributes, Netlink.IFA_LOCAL, out uint local) && local != iface.Address)
                return -Errno.EADDRNOTAVAIL;
            if (Netlink.FindAddress(attributes, Netlink.IFA_ADDRESS, out uint address)
                && (payload[1] != iface.PrefixLength || ((address ^ iface.Address) & iface.Netmask) != 0))
                return -Errno.EADDRNOTAVAIL;
            if (Netlink.FindAttribute(attributes, Netlink.IFA_LABEL, out ReadOnlySpan<byte> label) && !Bytes.Equal(Netlink.Text(label), iface.Name))
                return -Errno.EADDRNOTAVAIL;
            // The interface's last address: its routes go too (Linux's fib_disable_ip).
            stack.SetAddress(iface, 0, 0);
            stack.Routes.RemoveAll(iface);
            return 0;
        }

        // ---------------------------------------------------------------- routes

        private static void DumpRoutes(NetStack stack, uint sequence, uint portId, ref NetlinkWriter output)
        {
            Span<int> order = stackalloc int[RoutingTable.Capacity];
            int count = stack.Routes.InOrder(order);
            for (int k = 0; k < count; k++)
            {
                Route r = stack.Routes.At(order[k]);
                if (!r.Interface!.IsLoopback)
                    WriteRoute(r, Netlink.NLM_F_MULTI, sequence, portId, ref output);
            }
        }

        /// <summary>Whether <paramref name="r"/> is the route the kernel made for its interface's address.</summary>
        private static bool IsConnected(in Route r) =>
            r.Gateway == 0 && r.Metric == 0 && r.Netmask == r.Interface!.Netmask && r.Destination == (r.Interface.Address & r.Interface.Netmask);

        /// <summary>One RTM_NEWROUTE for <paramref name="r"/> (fib_dump_info's attributes and order).</summary>
        public static void WriteRoute(in Route r, ushort flags, uint sequence, uint portId, ref NetlinkWriter output)
        {
            bool connected = IsConnected(r);
            output.Begin(Netlink.RTM_NEWROUTE, flags, sequence, portId);
            Span<byte> m = output.Reserve(Netlink.RtmsgLength);
            if (!m.IsEmpty)
            {
                m[0] = SocketConstants.AF_INET;
                m[1] = (byte)Ipv4Address.PrefixLength(r.Netmask);
                m[4] = Netlink.RT_TABLE_MAIN;
                m[5] = connected ? Netlink.RTPROT_KERNEL : Netlink.RTPROT_BOOT;
                m[6] = r.Gateway != 0 ? Netlink.RT_SCOPE_UNIVERSE : Netlink.RT_SCOPE_LINK;
                m[7] = Netlink.RTN_UNICAST;
            }
            output.U32(Netlink.RTA_TABLE, Netlink.RT_TABLE_MAIN);
            if (r.Netmask != 0)
                output.Address(Netlink.RTA_DST, r.Destination);
            if (r.Metric != 0)
                output.U32(Netlink.RTA_PRIORITY, (uint)r.Metric);
            if (connected)
                output.Address(Netlink.RTA_PREFSRC, r.Interface!.Address);
            if (r.Gateway != 0)
                output.Address(Netlink.RTA_GATEWAY, r.Gateway);
            output.U32(Netlink.RTA_OIF, (uint)r.Interface!.Index);
            output.End();
        }

        /// <summary>The rtmsg's destination and the attributes every route change names; -errno for what Linux refuses.</summary>
        private static int ReadRoute(NetStack stack, ReadOnlySpan<byte> payload, out uint destination, out uint mask, out uint gateway,
            out int metric, out NetInterface? iface)
        {
            destination = mask = gateway = 0;
            metric = -1;
            iface = null;
            if (payload.Length < Netlink.RtmsgLength)
                return -Errno.EINVAL;
            if (payload[0] != SocketConstants.AF_INET)
                return -Errno.EAFNOSUPPORT;
            if (payload[1] > 32)
                return -Errno.EINVAL;
            ReadOnlySpan<byte> attributes = payload.Slice(Netlink.RtmsgLength);
            uint table = payload[4];
            if (Netlink.FindU32(attributes, Netlink.RTA_TABLE, out uint t))
                table = t;
            if (table != Netlink.RT_TABLE_MAIN && table != Netlink.RT_TABLE_UNSPEC)
                return -Errno.EOPNOTSUPP; // the main table only
            mask = Ipv4Address.MaskOf(payload[1]);
            Netlink.FindAddress(attributes, Netlink.RTA_DST, out destination);
            if ((destination & ~mask) != 0)
                return -Errno.EINVAL;
            Netlink.FindAddress(attributes, Netlink.RTA_GATEWAY, out gateway);
            if (Netlink.FindU32(attributes, Netlink.RTA_PRIORITY, out uint priority))
                metric = (int)priority;
            if (Netlink.FindU32(attributes, Netlink.RTA_OIF, out uint oif))
            {
                iface = stack.FindInterface((int)oif);
                if (iface == null)
                    return -Errno.ENODEV;
            }
            return 0;
        }

        private static int NewRoute(NetStack stack, ReadOnlySpan<byte> payload, ushort flags)
        {
            int r = ReadRoute(stack, payload, out uint destination, out uint mask, out uint gateway, out int metric, out NetInterface? iface);
            if (r < 0)
                return r;
            if (payload[7] != Netlink.RTN_UNICAST)
                return -Errno.EOPNOTSUPP; // local, broadcast, blackhole... routes are the kernel's own here
            if (metric < 0)
                metric = 0;
            bool exists = false;
            for (int i = 0; i < RoutingTable.Capacity; i++)
            {
                Route e = stack.Routes.At(i);
                if (e.InUse && e.Destination == destination && e.Netmask == mask && e.Metric == metric)
                    exists = true;
            }
            if (exists)
            {
                if ((flags & Netlink.NLM_F_REPLACE) == 0)
                    return -Errno.EEXIST;
                InterfaceIoctl.RemoveRoute(stack, destination, mask, 0, metric, null);
            }
            else if ((flags & Netlink.NLM_F_CREATE) == 0)
                return -Errno.ENOENT;
            if (gateway == 0 && iface != null && !iface.IsUp)
                return -Errno.ENETDOWN;
            return InterfaceIoctl.AddRoute(stack, destination, mask, gateway, metric, iface);
        }

        private static int DeleteRoute(NetStack stack, ReadOnlySpan<byte> payload)
        {
            int r = ReadRoute(stack, payload, out uint destination, out uint mask, out uint gateway, out int metric, out NetInterface? iface);
            if (r < 0)
                return r;
            return InterfaceIoctl.RemoveRoute(stack, destination, mask, gateway, metric, iface);
        }

        /// <summary>`ip route get ADDRESS`: the route a datagram to RTA_DST would take, as one RTM_NEWROUTE.</summary>
        private static int GetRoute(NetStack stack, scoped ReadOnlySpan<byte> payload, uint sequence, uint portId, ref NetlinkWriter output)
        {
            if (payload.Length < Netlink.RtmsgLength)
                return -Errno.EINVAL;
            Netlink.FindAddress(payload.Slice(Netlink.RtmsgLength), Netlink.RTA_DST, out uint destination);
            bool local = (destination >> 24) == 127 || stack.IsLocalAddress(destination);
            NetInterface iface;
            uint gateway = 0;
            if (local)
                iface = stack.Loopback;
            else if (stack.Routes.Lookup(destination, out Route route))
            {
                iface = route.Interface!;
                gateway = route.Gateway;
            }
            else
                return -Errno.ENETUNREACH;
            output.Begin(Netlink.RTM_NEWROUTE, 0, sequence, portId);
            Span<byte> m = output.Reserve(Netlink.RtmsgLength);
            if (!m.IsEmpty)
            {
                m[0] = SocketConstants.AF_INET;
                m[1] = 32;
                m[4] = local ? (byte)255 : Netlink.RT_TABLE_MAIN;
                m[6] = local ? Netlink.RT_SCOPE_HOST : Netlink.RT_SCOPE_UNIVERSE;
                m[7] = local ? (byte)2 : Netlink.RTN_UNICAST; // RTN_LOCAL
                LittleEndian.Put32(m, 8, 0x200); // RTM_F_CLONED
            }
            output.U32(Netlink.RTA_TABLE, local ? 255u : Netlink.RT_TABLE_MAIN);
            output.Address(Netlink.RTA_DST, destination);
            output.U32(Netlink.RTA_OIF, (uint)iface.Index);
            output.Address(Netlink.RTA_PREFSRC, local ? destination : iface.Address);
            if (gateway != 0)
                output.Address(Netlink.RTA_GATEWAY, gateway);
            output.End();
            return 0;
        }
    }
}
