using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// The interface and routing ioctls of Linux's sockets (net/core/dev_ioctl.c for any socket,
    /// net/ipv4/devinet.c and fib_frontend.c for AF_INET and AF_PACKET sockets) on a <see cref="NetStack"/>:
    /// a struct ifreq (40 bytes: the name, then a 24-byte union), struct ifconf and struct rtentry, already
    /// copied in by the caller, read and answered here. Results are 0 or a negative errno, as the ioctl returns.
    /// Differences from Linux: one IPv4 address per interface (no aliases such as eth0:1), SIOCSIFMETRIC,
    /// SIOCSIFHWADDR and SIOCSIFNAME are EOPNOTSUPP, the MTU stays within the device's (68 to 1500 on Ethernet).
    /// </summary>
    public static class InterfaceIoctl
    {
        public const uint SIOCADDRT = 0x890B, SIOCDELRT = 0x890C, SIOCGIFNAME = 0x8910, SIOCGIFCONF = 0x8912,
            SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCGIFADDR = 0x8915, SIOCSIFADDR = 0x8916,
            SIOCGIFDSTADDR = 0x8917, SIOCSIFDSTADDR = 0x8918, SIOCGIFBRDADDR = 0x8919, SIOCSIFBRDADDR = 0x891A,
            SIOCGIFNETMASK = 0x891B, SIOCSIFNETMASK = 0x891C, SIOCGIFMETRIC = 0x891D, SIOCSIFMETRIC = 0x891E,
            SIOCGIFMTU = 0x8921, SIOCSIFMTU = 0x8922, SIOCSIFNAME = 0x8923, SIOCSIFHWADDR = 0x8924,
            SIOCGIFHWADDR = 0x8927, SIOCGIFSLAVE = 0x8929, SIOCGIFINDEX = 0x8933, SIOCGIFTXQLEN = 0x8942,
            SIOCSIFTXQLEN = 0x8943, SIOCGIFMAP = 0x8970, SIOCSIFMAP = 0x8971;

        /// <summary>sizeof(struct ifreq), struct ifconf and struct rtentry on arm64; IFNAMSIZ.</summary>
        public const int IfreqSize = 40, IfconfSize = 16, RtentrySize = 120, NameSize = 16;
        /// <summary>The union of struct ifreq starts after the name.</summary>
        public const int UnionOffset = 16;
        /// <summary>ARPHRD_ETHER and ARPHRD_LOOPBACK: sa_family of SIOCGIFHWADDR, ifi_type of netlink.</summary>
        public const ushort HardwareEther = 1, HardwareLoopback = 772;
        public const int MinEthernetMtu = 68;

        /// <summary>What an ioctl's argument points to.</summary>
        public enum Argument
        {
            /// <summary>Not an interface ioctl: the caller answers ENOTTY.</summary>
            None,
            Ifreq,
            Ifconf,
            Rtentry,
        }

        /// <summary>
        /// The argument of <paramref name="command"/> on a socket: <paramref name="inet"/> for AF_INET and AF_PACKET
        /// sockets, which also take the address and routing ioctls (other families answer them ENOTTY, as Linux).
        /// </summary>
        public static Argument ArgumentOf(uint command, bool inet)
        {
            switch (command)
            {
                case SIOCGIFCONF:
                    return Argument.Ifconf;
                case SIOCGIFNAME:
                case SIOCGIFFLAGS:
                case SIOCSIFFLAGS:
                case SIOCGIFMETRIC:
                case SIOCSIFMETRIC:
                case SIOCGIFMTU:
                case SIOCSIFMTU:
                case SIOCSIFNAME:
                case SIOCSIFHWADDR:
                case SIOCGIFHWADDR:
                case SIOCGIFSLAVE:
                case SIOCGIFINDEX:
                case SIOCGIFTXQLEN:
                case SIOCSIFTXQLEN:
                case SIOCGIFMAP:
                case SIOCSIFMAP:
                    return Argument.Ifreq;
                case SIOCGIFADDR:
                case SIOCSIFADDR:
                case SIOCGIFDSTADDR:
                case SIOCSIFDSTADDR:
                case SIOCGIFBRDADDR:
                case SIOCSIFBRDADDR:
                case SIOCGIFNETMASK:
                case SIOCSIFNETMASK:
                    return inet ? Argument.Ifreq : Argument.None;
                case SIOCADDRT:
                case SIOCDELRT:
                    return inet ? Argument.Rtentry : Argument.None;
                default:
                    return Argument.None;
            }
        }

        /// <summary>Whether the ifreq command changes something (and so needs CAP_NET_ADMIN).</summary>
        public static bool IsSetter(uint command) => command switch
        {
            SIOCSIFFLAGS or SIOCSIFMETRIC or SIOCSIFMTU or SIOCSIFNAME or SIOCSIFHWADDR or SIOCSIFTXQLEN or SIOCSIFMAP
                or SIOCSIFADDR or SIOCSIFDSTADDR or SIOCSIFBRDADDR or SIOCSIFNETMASK => true,
            _ => false,
        };

        /// <summary>The interface name of an ifreq: up to the first NUL of its 16 bytes (the last byte is taken as NUL, as Linux).</summary>
        public static ReadOnlySpan<byte> NameOf(ReadOnlySpan<byte> ifreq)
        {
            int n = 0;
            while (n < NameSize - 1 && ifreq[n] != 0)
                n++;
            return ifreq.Slice(0, n);
        }

        /// <summary>The flags SIOCGIFFLAGS reports (a short: IFF_LOWER_UP does not fit) and netlink's ifi_flags.</summary>
        public static uint FlagsOf(NetInterface iface) =>
            iface.IsLoopback && iface.IsUp ? iface.Flags | InterfaceFlags.Running | InterfaceFlags.LowerUp : iface.Flags;

        /// <summary>Answers one ifreq command in place. <paramref name="root"/>: the caller has CAP_NET_ADMIN.</summary>
        public static int Ifreq(NetStack stack, uint command, Span<byte> ifreq, bool root)
        {
            if (command == SIOCGIFNAME)
            {
                NetInterface? byIndex = stack.FindInterface((int)LittleEndian.U32(ifreq, UnionOffset));
                if (byIndex == null)
                    return -Errno.ENODEV;
                ifreq.Slice(0, NameSize).Clear();
                byIndex.Name.CopyTo(ifreq);
                return 0;
            }
            if (IsSetter(command) && !root)
                return -Errno.EPERM;
            bool addressSetter = command == SIOCSIFADDR || command == SIOCSIFDSTADDR || command == SIOCSIFBRDADDR || command == SIOCSIFNETMASK;
            if (addressSetter && LittleEndian.U16(ifreq, UnionOffset) != SocketConstants.AF_INET)
                return -Errno.EINVAL;
            NetInterface? iface = stack.FindInterface(NameOf(ifreq));
            if (iface == null)
                return -Errno.ENODEV;
            Span<byte> u = ifreq.Slice(UnionOffset, IfreqSize - UnionOffset);
            switch (command)
            {
                case SIOCGIFFLAGS:
                    u.Slice(0, 2).Clear();
                    LittleEndian.Put16(u, 0, (ushort)FlagsOf(iface));
                    return 0;
                case SIOCSIFFLAGS:
                    {
                        bool up = (LittleEndian.U16(u, 0) & InterfaceFlags.Up) != 0;
                        if (up != iface.IsUp)
                            stack.SetUp(iface, up);
                        return 0;
                    }
                case SIOCGIFMETRIC:
                    LittleEndian.Put32(u, 0, 0);
                    return 0;
                case SIOCGIFMTU:
                    LittleEndian.Put32(u, 0, (uint)iface.Mtu);
                    return 0;
                case SIOCSIFMTU:
                    return SetMtu(iface, (int)LittleEndian.U32(u, 0));
                case SIOCGIFINDEX:
                    LittleEndian.Put32(u, 0, (uint)iface.Index);
                    return 0;
                case SIOCGIFTXQLEN:
                    LittleEndian.Put32(u, 0, (uint)iface.TxQueueLength);
                    return 0;
                case SIOCSIFTXQLEN:
                    {
                        int length = (int)LittleEndian.U32(u, 0);
                        if (length < 0)
                            return -Errno.EINVAL;
                        iface.TxQueueLength = length;
                        return 0;
                    }
                case SIOCGIFMAP:
                    u.Clear();
                    return 0;
                case SIOCGIFHWADDR:
                    u.Slice(0, 16).Clear();
                    LittleEndian.Put16(u, 0, iface.IsLoopback ? HardwareLoopback : HardwareEther);
                    iface.Mac.Write(u, 2);
                    return 0;
                case SIOCGIFSLAVE:
                    return -Errno.EINVAL;
                case SIOCSIFMETRIC:
                case SIOCSIFHWADDR:
                case SIOCSIFNAME:
                case SIOCSIFMAP:
                    return -Errno.EOPNOTSUPP;
            }
            return AddressIoctl(stack, iface, command, u);
        }

        /// <summary>SIOCSIFMTU and IFLA_MTU: 68 up to the device's own MTU (65536 on lo), else -EINVAL.</summary>
        public static int SetMtu(NetInterface iface, int mtu)
        {
            int max = iface.IsLoopback ? NetStack.LoopbackMtu : iface.Device!.Mtu;
            if (mtu < MinEthernetMtu || mtu > max)
                return -Errno.EINVAL;
            iface.Mtu = mtu;
            return 0;
        }

        /// <summary>devinet_ioctl: the IPv4 address, its peer (the address itself here), broadcast and netmask.</summary>
        private static int AddressIoctl(NetStack stack, NetInterface iface, uint command, Span<byte> u)
        {
            uint value = BigEndian.U32(u, 4);
            if (iface.Address == 0 && command != SIOCSIFADDR)
                return -Errno.EADDRNOTAVAIL;
            switch (command)
            {
                case SIOCGIFADDR:
                    WriteSockaddrIn(u, iface.Address);
                    return 0;
                case SIOCGIFDSTADDR:
                    WriteSockaddrIn(u, iface.Address);
                    return 0;
                case SIOCGIFBRDADDR:
                    WriteSockaddrIn(u, iface.Broadcast);
                    return 0;
                case SIOCGIFNETMASK:
                    WriteSockaddrIn(u, iface.Netmask);
                    return 0;
                case SIOCSIFADDR:
                    {
                        if (value == iface.Address)
                            return 0;
                        if (Ipv4Address.IsMulticast(value) || (value >> 28) == 0xF && value != 0)
                            return -Errno.EINVAL;
                        if (value == 0)
                        {
                            // The last address going: Linux flushes the routes through the interface.
                            stack.SetAddress(iface, 0, 0);
                            stack.Routes.RemoveAll(iface);
                            return 0;
                        }
                        if (iface.Address != 0)
                            stack.Routes.RemoveAll(iface);
                        return stack.SetAddress(iface, value, Ipv4Address.ClassMask(value));
                    }
                case SIOCSIFNETMASK:
                    {
                        if (!Ipv4Address.IsValidMask(value))
                            return -Errno.EINVAL;
                        if (value == iface.Netmask)
                            return 0;
                        uint oldMask = iface.Netmask, broadcast = iface.Broadcast;
                        stack.SetAddress(iface, iface.Address, value);
                        // A broadcast set apart from the netmask stays; one that followed the old mask follows the new.
                        if (iface.IsLoopback || broadcast != (iface.Address | ~oldMask))
                            iface.Broadcast = broadcast;
                        return 0;
                    }
                case SIOCSIFBRDADDR:
                    iface.Broadcast = value;
                    return 0;
                case SIOCSIFDSTADDR:
                    return 0; // only point-to-point links have a peer; Linux accepts and ignores it on others
            }
            return -Errno.ENOTTY;
        }

        /// <summary>A struct sockaddr_in (family, port 0, address) into 16 bytes.</summary>
        public static void WriteSockaddrIn(Span<byte> s, uint address)
        {
            s.Slice(0, 16).Clear();
            LittleEndian.Put16(s, 0, SocketConstants.AF_INET);
            BigEndian.Put32(s, 4, address);
        }

        /// <summary>
        /// SIOCGIFCONF: one ifreq (name and sockaddr_in) for each interface with an address, in index order, into
        /// <paramref name="buffer"/> as far as whole entries fit; <paramref name="countOnly"/> (a null ifc_buf) writes
        /// nothing. Returns the bytes written (or needed), the new ifc_len.
        /// </summary>
        public static int Ifconf(NetStack stack, Span<byte> buffer, bool countOnly)
        {
            int done = 0;
            for (int i = 0; i < stack.InterfaceCount; i++)
            {
                NetInterface iface = stack.InterfaceAt(i);
                if (iface.Address == 0)
                    continue;
                if (countOnly)
                {
                    done += IfreqSize;
                    continue;
                }
                if (buffer.Length - done < IfreqSize)
                    break;
                Span<byte> entry = buffer.Slice(done, IfreqSize);
                entry.Clear();
                iface.Name.CopyTo(entry);
                WriteSockaddrIn(entry.Slice(UnionOffset), iface.Address);
                done += IfreqSize;
            }
            return done;
        }

        // ---------------------------------------------------------------- routes (struct rtentry)

        private const int RtDestination = 8, RtGateway = 24, RtGenmask = 40, RtFlags = 56, RtMetric = 80;
        /// <summary>The offset of rt_dev, a user pointer to the device name (the caller reads the string).</summary>
        public const int RtDeviceOffset = 88;

        /// <summary>
        /// SIOCADDRT/SIOCDELRT (ip_rt_ioctl): <paramref name="rtentry"/> as copied in, <paramref name="device"/> the
        /// name rt_dev points to (empty when null). Adding needs a gateway reachable on a connected route when no
        /// device is given; rt_metric is the metric plus one, as route(8) passes it.
        /// </summary>
        public static int Route(NetStack stack, uint command, ReadOnlySpan<byte> rtentry, ReadOnlySpan<byte> device, bool root)
        {
            if (!root)
                return -Errno.EPERM;
            if (LittleEndian.U16(rtentry, RtDestination) != SocketConstants.AF_INET)
                return -Errno.EAFNOSUPPORT;
            uint destination = BigEndian.U32(rtentry, RtDestination + 4);
            ushort flags = LittleEndian.U16(rtentry, RtFlags);
            uint mask;
            if ((flags & Net.Route.FlagHost) != 0)
                mask = 0xFFFF_FFFF;
            else
            {
                ushort maskFamily = LittleEndian.U16(rtentry, RtGenmask);
                mask = BigEndian.U32(rtentry, RtGenmask + 4);
                if (maskFamily != SocketConstants.AF_INET && (mask != 0 || maskFamily != 0))
                    return -Errno.EAFNOSUPPORT;
                if (maskFamily != SocketConstants.AF_INET && destination == 0)
                    mask = 0;
            }
            if (!Ipv4Address.IsValidMask(mask) || (destination & ~mask) != 0)
                return -Errno.EINVAL;
            short metricPlusOne = (short)LittleEndian.U16(rtentry, RtMetric);
            int metric = metricPlusOne > 0 ? metricPlusOne - 1 : 0;
            uint gateway = LittleEndian.U16(rtentry, RtGateway) == SocketConstants.AF_INET ? BigEndian.U32(rtentry, RtGateway + 4) : 0;
            NetInterface? iface = null;
            if (device.Length > 0)
            {
                iface = stack.FindInterface(device);
                if (iface == null)
                    return -Errno.ENODEV;
            }
            if (command == SIOCDELRT)
                return RemoveRoute(stack, destination, mask, (flags & Net.Route.FlagGateway) != 0 ? gateway : 0, metricPlusOne > 0 ? metric : -1, iface);
            if ((flags & Net.Route.FlagGateway) != 0 && gateway == 0)
                return -Errno.EINVAL;
            if ((flags & Net.Route.FlagGateway) == 0)
                gateway = 0;
            return AddRoute(stack, destination, mask, gateway, metric, iface);
        }

        /// <summary>Adds a route as Linux checks it: the gateway must be on a connected network (of <paramref name="iface"/> when given).</summary>
        public static int AddRoute(NetStack stack, uint destination, uint mask, uint gateway, int metric, NetInterface? iface)
        {
            if (gateway != 0)
            {
                NetInterface? via = ConnectedInterface(stack, gateway);
                if (via == null || (iface != null && via != iface))
                    return -Errno.ENETUNREACH;
                iface = via;
            }
            if (iface == null)
                return -Errno.ENODEV;
            return stack.Routes.Add(destination, mask, gateway, iface, metric);
        }

        /// <summary>The interface whose connected network holds <paramref name="address"/> (a route without a gateway), or null.</summary>
        public static NetInterface? ConnectedInterface(NetStack stack, uint address)
        {
            NetInterface? best = null;
            uint bestMask = 0;
            for (int i = 0; i < RoutingTable.Capacity; i++)
            {
                Net.Route r = stack.Routes.At(i);
                if (!r.InUse || r.Gateway != 0 || !r.Interface!.IsUp || (address & r.Netmask) != r.Destination)
                    continue;
                if (best == null || r.Netmask > bestMask)
                {
                    best = r.Interface;
                    bestMask = r.Netmask;
                }
            }
            return best;
        }

        /// <summary>Removes the first route matching what is given (gateway 0, metric -1, interface null: any): 0 or -ESRCH.</summary>
        public static int RemoveRoute(NetStack stack, uint destination, uint mask, uint gateway, int metric, NetInterface? iface)
        {
            for (int i = 0; i < RoutingTable.Capacity; i++)
            {
                Net.Route r = stack.Routes.At(i);
                if (!r.InUse || r.Destination != destination || r.Netmask != mask)
                    continue;
                if ((gateway != 0 && r.Gateway != gateway) || (metric >= 0 && r.Metric != metric) || (iface != null && r.Interface != iface))
                    continue;
                return stack.Routes.RemoveAt(i);
            }
            return -Errno.ESRCH;
        }
    }
}
