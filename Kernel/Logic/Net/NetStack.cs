using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// The network stack below TCP: interfaces (loopback and Ethernet devices), routes, ARP, IPv4 with
    /// reassembly and fragmentation, ICMP, UDP and ping endpoints, a DHCP client per interface, and the
    /// registration point for TCP (<see cref="RegisterTransport"/>). Driven from outside: frames in through
    /// <see cref="Receive"/>, timers through <see cref="Poll"/> (which returns the next deadline), time always
    /// passed in (milliseconds of a monotonic clock). It allocates nothing per frame: outgoing datagrams are
    /// built in two buffers it owns, datagrams waiting for ARP or looped back are copied into bounded queues.
    /// Not re-entrant across threads: the kernel calls it from one thread at a time (it is not preempted).
    /// </summary>
    public sealed class NetStack : IIpSender
    {
        public const int LoopbackMtu = 65536, MaxInterfaces = 5, MaxEthernet = 4;
        public const byte DefaultTtl = 64;
        public const ushort EphemeralFirst = 32768, EphemeralLast = 60999;
        private const int LoopbackQueueBytes = 192 * 1024, MaxLoopbackPerDrain = 4096;
        /// <summary>An ICMP error may quote as much of the datagram as keeps it within 576 bytes (RFC 1812 4.3.2.3, as Linux).</summary>
        private const int IcmpErrorMax = 576 - 20 - 8;

        private readonly NetInterface?[] _interfaces = new NetInterface?[MaxInterfaces];
        private int _ethernetCount;
        private readonly byte[] _frame = new byte[Ethernet.HeaderLength + 65536];
        private readonly byte[] _transport = new byte[65536];
        private readonly DatagramQueue _loopbackQueue = new DatagramQueue(LoopbackQueueBytes);
        // object, not ITransportReceiver: the kernel's CoreLib does not type-check stores into arrays of interfaces.
        private readonly object?[] _transports = new object?[256];
        private readonly DhcpClient?[] _dhcp = new DhcpClient?[MaxInterfaces];
        private UdpSocket?[] _udp = new UdpSocket?[16];
        private IcmpSocket?[] _icmp = new IcmpSocket?[8];
        private ulong _now;
        private ushort _nextId = 1, _nextEphemeral = EphemeralFirst, _nextIcmpId = 1;
        private RateLimit _icmpErrorLimit = new RateLimit(1000, 6);
        private int _depth;

        public readonly NetInterface Loopback;
        public readonly RoutingTable Routes = new RoutingTable();
        public readonly ArpCache Arp;
        public readonly Ipv4Reassembly Reassembly = new Ipv4Reassembly();
        public readonly NetStats Stats = new NetStats();
        /// <summary>The kernel's: told when a socket's readiness changes.</summary>
        public INetWaker? Waker;
        /// <summary>DNS servers learned from DHCP or ip= (0 = none), for /etc/resolv.conf or /proc/net/pnp.</summary>
        public readonly uint[] DnsServers = new uint[3];
        /// <summary>The AF_PACKET endpoints: they see every frame received on an interface that is up, and every frame sent.</summary>
        public readonly PacketTaps Packets;

        public NetStack()
        {
            Arp = new ArpCache(this);
            Packets = new PacketTaps(this);
            Loopback = new NetInterface(1, null, 0);
            _interfaces[0] = Loopback;
            Loopback.Flags |= InterfaceFlags.Up | InterfaceFlags.Running;
            SetAddress(Loopback, Ipv4Address.Loopback, 0xFF00_0000);
        }

        /// <summary>The time of the last call that passed one (ARP and DHCP use it for sends made by sockets).</summary>
        public ulong Now
        {
            get => _now;
            set { if (value > _now) _now = value; }
        }

        // ---------------------------------------------------------------- interfaces and routes

        public int InterfaceCount => 1 + _ethernetCount;

        /// <summary>Interfaces in index order: 0 is lo (ifindex 1), then eth0 (ifindex 2)...</summary>
        public NetInterface InterfaceAt(int i) => _interfaces[i]!;

        public NetInterface? FindInterface(ReadOnlySpan<byte> name)
        {
            for (int i = 0; i < InterfaceCount; i++)
                if (Bytes.Equal(_interfaces[i]!.Name, name))
                    return _interfaces[i];
            return null;
        }

        /// <summary>By Linux interface index (lo is 1).</summary>
        public NetInterface? FindInterface(int ifindex) => ifindex >= 1 && ifindex <= InterfaceCount ? _interfaces[ifindex - 1] : null;

        /// <summary>Adds an Ethernet device as eth0, eth1... (down, without an address); null past <see cref="MaxEthernet"/>.</summary>
        public NetInterface? AddEthernet(INetDevice device)
        {
            if (_ethernetCount == MaxEthernet)
                return null;
            var iface = new NetInterface(2 + _ethernetCount, device, _ethernetCount);
            _interfaces[1 + _ethernetCount++] = iface;
            return iface;
        }

        /// <summary>SIOCSIFFLAGS's IFF_UP: brings the interface up (running when its link is) or down (routes and neighbours go).</summary>
        public void SetUp(NetInterface iface, bool up)
        {
            if (up)
            {
                iface.Flags |= InterfaceFlags.Up;
                iface.EverUp = true;
                if (iface.Device == null || iface.Device.LinkUp)
                    iface.Flags |= InterfaceFlags.Running | InterfaceFlags.LowerUp;
                if (iface.Address != 0)
                    Routes.Add(iface.Address & iface.Netmask, iface.Netmask, 0, iface);
            }
            else
            {
                iface.Flags &= ~(InterfaceFlags.Up | InterfaceFlags.Running | InterfaceFlags.LowerUp);
                Routes.RemoveAll(iface);
                Arp.Flush(iface);
            }
        }

        /// <summary>
        /// Gives <paramref name="iface"/> its address (0 removes it) and netmask, the broadcast that follows, and the
        /// connected route; neighbours learned before are forgotten. -EINVAL for a bad netmask.
        /// </summary>
        public int SetAddress(NetInterface iface, uint address, uint netmask)
        {
            if (!Ipv4Address.IsValidMask(netmask))
                return -Errno.EINVAL;
            if (iface.Address != 0)
                Routes.Remove(iface.Address & iface.Netmask, iface.Netmask, iface);
            Arp.Flush(iface);
            iface.Address = address;
            iface.Netmask = address == 0 ? 0 : netmask;
            iface.Broadcast = address == 0 || iface.IsLoopback ? 0 : address | ~netmask;
            if (address != 0 && iface.IsUp)
                Routes.Add(address & netmask, netmask, 0, iface);
            return 0;
        }

        /// <summary>Replaces the default route by one through <paramref name="gateway"/> on <paramref name="iface"/> (0 removes it).</summary>
        public int SetDefaultGateway(NetInterface iface, uint gateway)
        {
            Routes.Remove(0, 0);
            return gateway == 0 ? 0 : Routes.Add(0, 0, gateway, iface);
        }

        /// <summary>A static configuration (ip=client::gw:mask): up, address, default route.</summary>
        public int ConfigureStatic(NetInterface iface, uint address, uint netmask, uint gateway)
        {
            SetUp(iface, true);
            int r = SetAddress(iface, address, netmask == 0 ? Ipv4Address.ClassMask(address) : netmask);
            if (r == 0 && gateway != 0)
                r = SetDefaultGateway(iface, gateway);
            return r;
        }

        /// <summary>Whether <paramref name="address"/> is one of ours (on an interface that is up; 127/8 on lo).</summary>
        public bool IsLocalAddress(uint address)
        {
            for (int i = 0; i < InterfaceCount; i++)
                if (_interfaces[i]!.IsUp && _interfaces[i]!.IsOwnAddress(address))
                    return true;
            return false;
        }

        /// <summary>255.255.255.255 or the broadcast address of one of our subnets.</summary>
        public bool IsBroadcastAddress(uint address)
        {
            if (address == Ipv4Address.Broadcast)
                return true;
            for (int i = 0; i < InterfaceCount; i++)
                if (_interfaces[i]!.Address != 0 && _interfaces[i]!.Broadcast == address && address != 0)
                    return true;
            return false;
        }

        // ---------------------------------------------------------------- registration

        /// <summary>Hands every datagram of <paramref name="protocol"/> addressed to us to <paramref name="receiver"/> (TCP registers here); null unregisters.</summary>
        public void RegisterTransport(byte protocol, ITransportReceiver? receiver) => _transports[protocol] = receiver;

        internal void Wake(object channel) => Waker?.Wake(channel);

        // ---------------------------------------------------------------- DHCP

        /// <summary>Starts DHCP on <paramref name="iface"/> (brought up without an address); its result configures the interface.</summary>
        public DhcpClient StartDhcp(NetInterface iface, uint seed, ulong now)
        {
            Now = now;
            SetUp(iface, true);
            DhcpClient client = _dhcp[iface.Index - 1] ??= new DhcpClient(this, iface);
            client.Start(seed, now);
            return client;
        }

        public DhcpClient? DhcpOf(NetInterface iface) => _dhcp[iface.Index - 1];

        /// <summary>What a DHCP lease configures: address, netmask, default route, DNS servers.</summary>
        internal void ApplyLease(NetInterface iface, uint address, uint netmask, uint router, ReadOnlySpan<uint> dns)
        {
            if (iface.Address != address || iface.Netmask != netmask)
                SetAddress(iface, address, netmask);
            if (router != 0)
                SetDefaultGateway(iface, router);
            for (int i = 0; i < DnsServers.Length; i++)
                DnsServers[i] = i < dns.Length ? dns[i] : 0;
        }

        /// <summary>A lease ended without renewal: the address and routes go.</summary>
        internal void DropLease(NetInterface iface)
        {
            Routes.RemoveAll(iface);
            SetAddress(iface, 0, 0);
        }

        /// <summary>A DHCP message from 0.0.0.0:68 to 255.255.255.255:67, broadcast on <paramref name="iface"/>.</summary>
        internal int SendDhcpBroadcast(NetInterface iface, ReadOnlySpan<byte> message, uint source)
        {
            int length = BuildUdp(source, DhcpClient.ClientPort, Ipv4Address.Broadcast, DhcpClient.ServerPort, message);
            Stats.UdpOutDatagrams++;
            _depth++;
            int r = Output(iface, Ipv4Address.Broadcast, source, Ipv4Address.Broadcast, IpProtocol.Udp, _nextId++, 0, new ReadOnlySpan<byte>(_transport, 0, length));
            Leave();
            return r;
        }

        // ---------------------------------------------------------------- sockets

        public UdpSocket CreateUdp()
        {
            var s = new UdpSocket(this);
            for (int i = 0; i < _udp.Length; i++)
                if (_udp[i] == null)
                {
                    _udp[i] = s;
                    return s;
                }
            var grown = new UdpSocket?[_udp.Length * 2];
            for (int i = 0; i < _udp.Length; i++)
                grown[i] = _udp[i];
            grown[_udp.Length] = s;
            Owned.Free(_udp);
            _udp = grown;
            return s;
        }

        public IcmpSocket CreateIcmp(bool raw)
        {
            var s = new IcmpSocket(this, raw);
            for (int i = 0; i < _icmp.Length; i++)
                if (_icmp[i] == null)
                {
                    _icmp[i] = s;
                    return s;
                }
            var grown = new IcmpSocket?[_icmp.Length * 2];
            for (int i = 0; i < _icmp.Length; i++)
                grown[i] = _icmp[i];
            grown[_icmp.Length] = s;
            Owned.Free(_icmp);
            _icmp = grown;
            return s;
        }

        /// <summary>The UDP endpoints (null slots are free), for /proc/net/udp.</summary>
        public int UdpSlots => _udp.Length;
        public UdpSocket? UdpAt(int i) => _udp[i];

        internal void RemoveUdp(UdpSocket s)
        {
            for (int i = 0; i < _udp.Length; i++)
                if (_udp[i] == s)
                    _udp[i] = null;
        }

        internal void RemoveIcmp(IcmpSocket s)
        {
            for (int i = 0; i < _icmp.Length; i++)
                if (_icmp[i] == s)
                    _icmp[i] = null;
        }

        internal bool UdpPortInUse(UdpSocket? self, uint address, ushort port)
        {
            for (int i = 0; i < _udp.Length; i++)
            {
                UdpSocket? s = _udp[i];
                if (s == null || s == self || s.LocalPort != port)
                    continue;
                if (address != 0 && s.LocalAddress != 0 && s.LocalAddress != address)
                    continue;
                if (self != null && self.ReuseAddress && s.ReuseAddress)
                    continue;
                return true;
            }
            return false;
        }

        internal ushort EphemeralUdpPort(uint address)
        {
            const int range = EphemeralLast - EphemeralFirst + 1;
            for (int tries = 0; tries < range; tries++)
            {
                ushort p = _nextEphemeral;
                _nextEphemeral = p == EphemeralLast ? EphemeralFirst : (ushort)(p + 1);
                if (!UdpPortInUse(null, address, p))
                    return p;
            }
            return 0;
        }

        internal bool IcmpIdentifierInUse(ushort id)
        {
            for (int i = 0; i < _icmp.Length; i++)
                if (_icmp[i] != null && !_icmp[i]!.Raw && _icmp[i]!.Identifier == id)
                    return true;
            return false;
        }

        internal ushort FreeIcmpIdentifier()
        {
            for (int tries = 0; tries < 65535; tries++)
            {
                ushort id = _nextIcmpId;
                _nextIcmpId = id == 65535 ? (ushort)1 : (ushort)(id + 1);
                if (!IcmpIdentifierInUse(id))
                    return id;
            }
            return 0;
        }

        /// <summary>Sends one UDP datagram (the socket checked its arguments): 0 or a negative errno.</summary>
        internal int SendUdp(uint source, ushort sourcePort, uint destination, ushort destinationPort, ReadOnlySpan<byte> data)
        {
            Enter();
            if (source == 0)
                source = SourceFor(destination);
            int r;
            if (source == 0)
            {
                Stats.IpOutNoRoutes++;
                r = -Errno.ENETUNREACH;
            }
            else
            {
                int length = BuildUdp(source, sourcePort, destination, destinationPort, data);
                Stats.UdpOutDatagrams++;
                r = SendIp(source, destination, IpProtocol.Udp, new ReadOnlySpan<byte>(_transport, 0, length));
            }
            Leave();
            return r;
        }

        private int BuildUdp(uint source, ushort sourcePort, uint destination, ushort destinationPort, ReadOnlySpan<byte> data)
        {
            int length = 8 + data.Length;
            Span<byte> u = new Span<byte>(_transport, 0, length);
            BigEndian.Put16(u, 0, sourcePort);
            BigEndian.Put16(u, 2, destinationPort);
            BigEndian.Put16(u, 4, (ushort)length);
            BigEndian.Put16(u, 6, 0);
            data.CopyTo(u.Slice(8));
            ushort sum = InternetChecksum.Finish(InternetChecksum.Add(InternetChecksum.PseudoHeader(source, destination, IpProtocol.Udp, length), u));
            BigEndian.Put16(u, 6, sum == 0 ? (ushort)0xFFFF : sum);
            return length;
        }

        /// <summary>A ping socket's echo request: its identifier and a fresh checksum put in.</summary>
        internal int SendEcho(uint source, uint destination, ushort identifier, ReadOnlySpan<byte> message)
        {
            Enter();
            Span<byte> m = new Span<byte>(_transport, 0, message.Length);
            message.CopyTo(m);
            BigEndian.Put16(m, 4, identifier);
            BigEndian.Put16(m, 2, 0);
            BigEndian.Put16(m, 2, InternetChecksum.Finish(InternetChecksum.Add(0, m)));
            int r = SendIp(source, destination, IpProtocol.Icmp, m);
            Leave();
            return r;
        }

        // ---------------------------------------------------------------- IPv4 output (IIpSender)

        public int SendIp(uint source, uint destination, byte protocol, ReadOnlySpan<byte> payload)
        {
            _depth++;
            int r = SendIpInner(source, destination, protocol, payload);
            Leave();
            return r;
        }

        private int SendIpInner(uint source, uint destination, byte protocol, ReadOnlySpan<byte> payload)
        {
            if (payload.Length + 20 > 65535)
                return -Errno.EMSGSIZE;
            if (!ResolveRoute(destination, out NetInterface? iface, out uint hop))
            {
                Stats.IpOutNoRoutes++;
                return -Errno.ENETUNREACH;
            }
            if (source == 0)
                source = SourceOn(iface!, destination);
            ushort id = _nextId++;
            int mtu = iface!.Mtu;
            bool dontFragment = protocol == IpProtocol.Tcp;
            if (20 + payload.Length <= mtu)
                return Output(iface, hop, source, destination, protocol, id, (ushort)(dontFragment ? 0x4000 : 0), payload);
            if (dontFragment)
                return -Errno.EMSGSIZE;
            int chunk = (mtu - 20) & ~7;
            int fragments = 0;
            for (int offset = 0; offset < payload.Length; offset += chunk)
            {
                int n = payload.Length - offset < chunk ? payload.Length - offset : chunk;
                ushort field = (ushort)((offset + n < payload.Length ? 0x2000 : 0) | offset / 8);
                int r = Output(iface, hop, source, destination, protocol, id, field, payload.Slice(offset, n));
                if (r < 0)
                    return r;
                fragments++;
            }
            Stats.IpFragOks++;
            Stats.IpFragCreates += (ulong)fragments;
            return 0;
        }

        public uint SourceFor(uint destination) =>
            ResolveRoute(destination, out NetInterface? iface, out _) ? SourceOn(iface!, destination) : 0;

        public int MtuFor(uint destination) =>
            ResolveRoute(destination, out NetInterface? iface, out _) ? iface!.Mtu : 0;

        private static uint SourceOn(NetInterface iface, uint destination) =>
            !iface.IsLoopback ? iface.Address : (destination >> 24) == 127 ? iface.Address : destination;

        /// <summary>The interface and next hop for <paramref name="destination"/>: our own addresses over loopback, else the routing table.</summary>
        private bool ResolveRoute(uint destination, out NetInterface? iface, out uint hop)
        {
            hop = destination;
            iface = null;
            if (destination == 0)
                return false;
            if ((destination >> 24) == 127 || IsLocalAddress(destination))
            {
                iface = Loopback;
                return Loopback.IsUp;
            }
            if (!Routes.Lookup(destination, out Route route))
                return false;
            iface = route.Interface;
            if (route.Gateway != 0 && destination != Ipv4Address.Broadcast)
                hop = route.Gateway;
            return iface!.Address != 0 || destination == Ipv4Address.Broadcast;
        }

        /// <summary>Builds one IP datagram in the frame buffer and sends it on <paramref name="iface"/> to <paramref name="hop"/>.</summary>
        private int Output(NetInterface iface, uint hop, uint source, uint destination, byte protocol, ushort id, ushort fragmentField, ReadOnlySpan<byte> payload)
        {
            int total = 20 + payload.Length;
            Span<byte> ip = new Span<byte>(_frame, Ethernet.HeaderLength, total);
            ip[0] = 0x45;
            ip[1] = 0;
            BigEndian.Put16(ip, 2, (ushort)total);
            BigEndian.Put16(ip, 4, id);
            BigEndian.Put16(ip, 6, fragmentField);
            ip[8] = DefaultTtl;
            ip[9] = protocol;
            BigEndian.Put16(ip, 10, 0);
            BigEndian.Put32(ip, 12, source);
            BigEndian.Put32(ip, 16, destination);
            BigEndian.Put16(ip, 10, InternetChecksum.Finish(InternetChecksum.Add(0, ip.Slice(0, 20))));
            payload.CopyTo(ip.Slice(20));
            Stats.IpOutRequests++;
            if (iface.IsLoopback)
            {
                if (!_loopbackQueue.Enqueue(ip, 0, 0))
                {
                    iface.TxDropped++;
                    return -Errno.ENOBUFS;
                }
                iface.TxPackets++;
                iface.TxBytes += (ulong)total;
                return 0;
            }
            if (!iface.IsRunning)
            {
                iface.TxDropped++;
                return -Errno.ENETDOWN;
            }
            Span<byte> frame = new Span<byte>(_frame, 0, Ethernet.HeaderLength + total);
            Ethernet.WriteHeader(frame, MacAddress.Broadcast, iface.Mac, Ethernet.TypeIpv4);
            if (destination == Ipv4Address.Broadcast || iface.IsBroadcastFor(destination) || hop == Ipv4Address.Broadcast)
                return Transmit(iface, frame);
            if (Ipv4Address.IsMulticast(destination))
            {
                new MacAddress(0x01005E00_0000UL | (destination & 0x7F_FFFF)).Write(frame, 0);
                return Transmit(iface, frame);
            }
            return Arp.Send(iface, hop, frame, _now);
        }

        /// <summary>Hands a complete frame to the device, counting it.</summary>
        internal int Transmit(NetInterface iface, ReadOnlySpan<byte> frame)
        {
            if (iface.Device == null || iface.Device.Transmit(frame) < 0)
            {
                iface.TxDropped++;
                return -Errno.ENOBUFS;
            }
            iface.TxPackets++;
            iface.TxBytes += (ulong)frame.Length;
            Packets.Outgoing(iface, frame, null);
            return 0;
        }

        /// <summary>A whole frame from a packet socket (<paramref name="sender"/>), sent as it is.</summary>
        internal int TransmitFrame(NetInterface iface, ReadOnlySpan<byte> frame, PacketEndpoint sender)
        {
            if (iface.Device == null || iface.Device.Transmit(frame) < 0)
            {
                iface.TxDropped++;
                return -Errno.ENOBUFS;
            }
            iface.TxPackets++;
            iface.TxBytes += (ulong)frame.Length;
            Packets.Outgoing(iface, frame, sender);
            return 0;
        }

        internal void SendArp(NetInterface iface, ushort operation, MacAddress target, uint targetIp)
        {
            Span<byte> f = stackalloc byte[Ethernet.HeaderLength + ArpPacket.Length];
            Ethernet.WriteHeader(f, target, iface.Mac, Ethernet.TypeArp);
            ArpPacket.Write(f.Slice(Ethernet.HeaderLength), operation, iface.Mac, iface.Address,
                target.IsBroadcast ? MacAddress.Zero : target, targetIp);
            Stats.ArpOut++;
            Transmit(iface, f);
        }

        // ---------------------------------------------------------------- input

        /// <summary>One frame received on <paramref name="iface"/> (valid only during the call). Anything malformed is counted and dropped.</summary>
        public void Receive(NetInterface iface, ReadOnlySpan<byte> frame, ulong now)
        {
            Now = now;
            _depth++;
            iface.RxPackets++;
            iface.RxBytes += (ulong)frame.Length;
            if (!iface.IsUp)
                iface.RxDropped++;
            else if (frame.Length < Ethernet.HeaderLength)
            {
                iface.RxErrors++;
                Stats.EthernetInvalid++;
            }
            else
            {
                Packets.Incoming(iface, frame);
                MacAddress destination = Ethernet.Destination(frame);
                if (destination.IsGroup)
                    iface.RxMulticast++;
                if (destination.IsGroup || destination.Equals(iface.Mac))
                {
                    ushort type = Ethernet.Type(frame);
                    if (type == Ethernet.TypeArp)
                        ArpInput(iface, frame.Slice(Ethernet.HeaderLength));
                    else if (type == Ethernet.TypeIpv4)
                        IpInput(iface, frame.Slice(Ethernet.HeaderLength));
                    else
                        iface.RxDropped++;
                }
            }
            Leave();
        }

        /// <summary>
        /// Enters the stack from outside (a system call into a transport such as TCP, the network thread's
        /// timers): what is looped back meanwhile is queued, not delivered, so a transport is never re-entered
        /// from its own send. Pair with <see cref="Leave"/>.
        /// </summary>
        public void Enter() => _depth++;

        /// <summary>Leaves a stack entry point: the outermost one delivers what was looped back meanwhile.</summary>
        public void Leave()
        {
            _depth--;
            if (_depth == 0)
                DrainLoopback();
        }

        /// <summary>Datagrams looped back and not yet delivered (more than one drain takes): the network thread polls again.</summary>
        public bool LoopbackPending => !_loopbackQueue.IsEmpty;

        private void DrainLoopback()
        {
            _depth++;
            for (int n = 0; n < MaxLoopbackPerDrain && !_loopbackQueue.IsEmpty; n++)
            {
                ReadOnlySpan<byte> packet = _loopbackQueue.Peek(out _, out _, out _);
                Loopback.RxPackets++;
                Loopback.RxBytes += (ulong)packet.Length;
                IpInput(Loopback, packet);
                _loopbackQueue.Dequeue();
            }
            _depth--;
        }

        private void ArpInput(NetInterface iface, ReadOnlySpan<byte> p)
        {
            if (!ArpPacket.IsValid(p))
            {
                Stats.ArpInvalid++;
                return;
            }
            Stats.ArpIn++;
            MacAddress sender = ArpPacket.SenderMac(p);
            if (sender.Equals(iface.Mac))
                return;
            uint target = ArpPacket.TargetIp(p);
            bool forUs = iface.Address != 0 && target == iface.Address;
            Arp.Learn(iface, ArpPacket.SenderIp(p), sender, forUs, _now);
            if (forUs && ArpPacket.Operation(p) == ArpPacket.Request)
            {
                Span<byte> f = stackalloc byte[Ethernet.HeaderLength + ArpPacket.Length];
                Ethernet.WriteHeader(f, sender, iface.Mac, Ethernet.TypeArp);
                ArpPacket.Write(f.Slice(Ethernet.HeaderLength), ArpPacket.Reply, iface.Mac, iface.Address, sender, ArpPacket.SenderIp(p));
                Stats.ArpOut++;
                Transmit(iface, f);
            }
        }

        private void IpInput(NetInterface iface, ReadOnlySpan<byte> p)
        {
            Stats.IpInReceives++;
            if (p.Length < 20 || p[0] >> 4 != 4)
            {
                Stats.IpInHdrErrors++;
                return;
            }
            int ihl = (p[0] & 15) * 4;
            int total = BigEndian.U16(p, 2);
            if (ihl < 20 || ihl > p.Length || total < ihl || total > p.Length || !InternetChecksum.Verify(InternetChecksum.Add(0, p.Slice(0, ihl))))
            {
                Stats.IpInHdrErrors++;
                return;
            }
            p = p.Slice(0, total);
            uint source = BigEndian.U32(p, 12), destination = BigEndian.U32(p, 16);
            byte protocol = p[9];
            if (source == Ipv4Address.Broadcast || Ipv4Address.IsMulticast(source) || (!iface.IsLoopback && (source >> 24) == 127))
            {
                Stats.IpInAddrErrors++; // a martian source
                return;
            }
            bool broadcast = IsBroadcastAddress(destination) || Ipv4Address.IsMulticast(destination);
            bool local = IsLocalAddress(destination);
            DhcpClient? dhcp = _dhcp[iface.Index - 1];
            bool forDhcp = !local && !broadcast && protocol == IpProtocol.Udp && dhcp != null && dhcp.Active && iface.Address == 0;
            if (!local && !broadcast && !forDhcp)
            {
                Stats.IpInAddrErrors++; // not ours: this host does not forward
                return;
            }
            if (Ipv4Address.IsMulticast(destination) && destination != 0xE000_0001)
            {
                Stats.IpInDiscards++; // no multicast groups but all-hosts
                return;
            }
            ushort fragment = BigEndian.U16(p, 6);
            bool more = (fragment & 0x2000) != 0;
            int offset = (fragment & 0x1FFF) * 8;
            if (more || offset != 0)
            {
                int slot = Reassembly.Add(source, destination, BigEndian.U16(p, 4), protocol, offset, more, p.Slice(ihl), _now);
                if (slot < 0)
                    return;
                Stats.IpReasmOks++;
                Deliver(iface, source, destination, protocol, Reassembly.Payload(slot), p.Slice(0, ihl), broadcast);
                Reassembly.Release(slot);
                return;
            }
            Deliver(iface, source, destination, protocol, p.Slice(ihl), p.Slice(0, ihl), broadcast);
        }

        private void Deliver(NetInterface iface, uint source, uint destination, byte protocol, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> header, bool broadcast)
        {
            Stats.IpInDelivers++;
            if (protocol == IpProtocol.Icmp)
            {
                IcmpInput(source, destination, payload, header, broadcast);
                return;
            }
            if (protocol == IpProtocol.Udp)
            {
                UdpInput(iface, source, destination, payload, header, broadcast);
                return;
            }
            ITransportReceiver? t = _transports[protocol] as ITransportReceiver;
            if (t != null)
            {
                if (!broadcast)
                    t.Receive(source, destination, payload, _now);
                return;
            }
            Stats.IpInUnknownProtos++;
            if (!broadcast)
                SendIcmpError(Icmp.DestinationUnreachable, Icmp.ProtocolUnreachable, source, destination, protocol, header, payload);
        }

        private void UdpInput(NetInterface iface, uint source, uint destination, ReadOnlySpan<byte> segment, ReadOnlySpan<byte> header, bool broadcast)
        {
            if (segment.Length < 8)
            {
                Stats.UdpInErrors++;
                return;
            }
            int length = BigEndian.U16(segment, 4);
            if (length < 8 || length > segment.Length)
            {
                Stats.UdpInErrors++;
                return;
            }
            segment = segment.Slice(0, length);
            if (BigEndian.U16(segment, 6) != 0 &&
                !InternetChecksum.Verify(InternetChecksum.Add(InternetChecksum.PseudoHeader(source, destination, IpProtocol.Udp, length), segment)))
            {
                Stats.UdpInErrors++;
                return;
            }
            ushort sourcePort = BigEndian.U16(segment, 0), port = BigEndian.U16(segment, 2);
            ReadOnlySpan<byte> data = segment.Slice(8);
            DhcpClient? dhcp = _dhcp[iface.Index - 1];
            if (port == DhcpClient.ClientPort && sourcePort == DhcpClient.ServerPort && dhcp != null && dhcp.Active)
            {
                Stats.UdpInDatagrams++;
                dhcp.Receive(data, _now);
                return;
            }
            if (!broadcast && !IsLocalAddress(destination))
                return; // unicast to an address we do not have yet, not for DHCP
            UdpSocket? best = null;
            int bestScore = -1, delivered = 0;
            for (int i = 0; i < _udp.Length; i++)
            {
                UdpSocket? s = _udp[i];
                if (s == null || s.LocalPort != port)
                    continue;
                int score = 0;
                if (s.LocalAddress == destination)
                    score += 2;
                else if (s.LocalAddress != 0)
                    continue;
                if (s.Connected)
                {
                    if (s.RemoteAddress != source || s.RemotePort != sourcePort)
                        continue;
                    score += 4;
                }
                if (broadcast)
                {
                    s.Deliver(source, sourcePort, data); // a broadcast goes to every socket on the port
                    delivered++;
                }
                else if (score > bestScore)
                {
                    best = s;
                    bestScore = score;
                }
            }
            if (best != null)
            {
                best.Deliver(source, sourcePort, data);
                delivered++;
            }
            if (delivered > 0)
            {
                Stats.UdpInDatagrams++;
                return;
            }
            Stats.UdpNoPorts++;
            if (!broadcast)
                SendIcmpError(Icmp.DestinationUnreachable, Icmp.PortUnreachable, source, destination, IpProtocol.Udp, header, segment);
        }

        private void IcmpInput(uint source, uint destination, ReadOnlySpan<byte> message, ReadOnlySpan<byte> header, bool broadcast)
        {
            Stats.IcmpInMsgs++;
            if (message.Length < Icmp.HeaderLength || !InternetChecksum.Verify(InternetChecksum.Add(0, message)))
            {
                Stats.IcmpInErrors++;
                return;
            }
            byte type = message[0];
            DeliverRaw(source, destination, message, header);
            if (type == Icmp.EchoRequest)
            {
                Stats.IcmpInEchos++;
                if (broadcast)
                    return; // icmp_echo_ignore_broadcasts, Linux's default
                Span<byte> reply = new Span<byte>(_transport, 0, message.Length);
                message.CopyTo(reply);
                reply[0] = Icmp.EchoReply;
                reply[1] = 0;
                BigEndian.Put16(reply, 2, 0);
                BigEndian.Put16(reply, 2, InternetChecksum.Finish(InternetChecksum.Add(0, reply)));
                Stats.IcmpOutMsgs++;
                Stats.IcmpOutEchoReps++;
                SendIp(destination, source, IpProtocol.Icmp, reply);
                return;
            }
            if (type == Icmp.EchoReply)
            {
                Stats.IcmpInEchoReps++;
                ushort id = BigEndian.U16(message, 4);
                for (int i = 0; i < _icmp.Length; i++)
                {
                    IcmpSocket? s = _icmp[i];
                    if (s != null && !s.Raw && s.Identifier == id && (s.LocalAddress == 0 || s.LocalAddress == destination))
                        s.Deliver(source, ReadOnlySpan<byte>.Empty, message);
                }
                return;
            }
            if (type != Icmp.DestinationUnreachable && type != Icmp.TimeExceeded && type != Icmp.ParameterProblem)
                return;
            if (type == Icmp.DestinationUnreachable)
                Stats.IcmpInDestUnreachs++;
            ReadOnlySpan<byte> quoted = message.Slice(Icmp.HeaderLength);
            if (quoted.Length < 20 || quoted[0] >> 4 != 4)
                return;
            int qihl = (quoted[0] & 15) * 4;
            if (qihl < 20 || qihl + 8 > quoted.Length)
                return;
            byte qprotocol = quoted[9];
            uint qsource = BigEndian.U32(quoted, 12), qdestination = BigEndian.U32(quoted, 16);
            if (!IsLocalAddress(qsource))
                return; // about a datagram we did not send
            ReadOnlySpan<byte> qtransport = quoted.Slice(qihl);
            byte code = message[1];
            bool hard = type == Icmp.DestinationUnreachable && (code == Icmp.ProtocolUnreachable || code == Icmp.PortUnreachable);
            int errno = type == Icmp.DestinationUnreachable ? Icmp.UnreachableErrno(code) : Errno.EHOSTUNREACH;
            if (qprotocol == IpProtocol.Udp)
            {
                ushort localPort = BigEndian.U16(qtransport, 0), remotePort = BigEndian.U16(qtransport, 2);
                for (int i = 0; i < _udp.Length; i++)
                {
                    UdpSocket? s = _udp[i];
                    if (s != null && hard && s.Connected && s.LocalPort == localPort && s.RemotePort == remotePort && s.RemoteAddress == qdestination)
                        s.SetError(errno);
                }
            }
            else if (qprotocol == IpProtocol.Icmp)
            {
                ushort id = BigEndian.U16(qtransport, 4);
                for (int i = 0; i < _icmp.Length; i++)
                {
                    IcmpSocket? s = _icmp[i];
                    if (s != null && !s.Raw && hard && s.Identifier == id)
                        s.SetError(errno);
                }
            }
            else if (_transports[qprotocol] is IIcmpErrorReceiver receiver)
                receiver.IcmpError(type, code, qsource, qdestination, qtransport, _now);
        }

        /// <summary>A copy of an incoming ICMP message for each raw ICMP socket, after a 20-byte IP header (options left out; a reassembled datagram gets its whole length).</summary>
        private void DeliverRaw(uint source, uint destination, ReadOnlySpan<byte> message, ReadOnlySpan<byte> header)
        {
            Span<byte> h = stackalloc byte[20];
            bool built = false;
            for (int i = 0; i < _icmp.Length; i++)
            {
                IcmpSocket? s = _icmp[i];
                if (s == null || !s.Raw || (s.LocalAddress != 0 && s.LocalAddress != destination))
                    continue;
                if (!built)
                {
                    header.Slice(0, 20).CopyTo(h);
                    h[0] = 0x45;
                    BigEndian.Put16(h, 2, (ushort)(20 + message.Length));
                    BigEndian.Put16(h, 6, 0);
                    BigEndian.Put16(h, 10, 0);
                    BigEndian.Put16(h, 10, InternetChecksum.Finish(InternetChecksum.Add(0, h)));
                    built = true;
                }
                s.Deliver(source, h, message);
            }
        }

        /// <summary>
        /// An ICMP error about a datagram we received (RFC 1122 3.2.2): never about an ICMP error, a broadcast,
        /// or from a source that is not a host; at most 6 a second except to ourselves (Linux's icmp_ratelimit).
        /// </summary>
        private void SendIcmpError(byte type, byte code, uint originalSource, uint originalDestination, byte protocol, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
        {
            if (originalSource == 0 || IsBroadcastAddress(originalSource) || Ipv4Address.IsMulticast(originalSource))
                return;
            if (protocol == IpProtocol.Icmp && (payload.Length < 1 || Icmp.IsError(payload[0])))
                return;
            if (!IsLocalAddress(originalSource) && !_icmpErrorLimit.Allow(_now, out _))
            {
                Stats.IcmpRateLimited++;
                return;
            }
            int quote = header.Length + payload.Length;
            if (quote > IcmpErrorMax)
                quote = IcmpErrorMax;
            Span<byte> m = new Span<byte>(_transport, 0, Icmp.HeaderLength + quote);
            m.Slice(0, Icmp.HeaderLength).Clear();
            m[0] = type;
            m[1] = code;
            int h = header.Length < quote ? header.Length : quote;
            header.Slice(0, h).CopyTo(m.Slice(Icmp.HeaderLength));
            payload.Slice(0, quote - h).CopyTo(m.Slice(Icmp.HeaderLength + h));
            BigEndian.Put16(m, 2, InternetChecksum.Finish(InternetChecksum.Add(0, m)));
            Stats.IcmpOutMsgs++;
            if (type == Icmp.DestinationUnreachable)
                Stats.IcmpOutDestUnreachs++;
            SendIp(IsLocalAddress(originalDestination) ? originalDestination : 0, originalSource, IpProtocol.Icmp, m);
        }

        // ---------------------------------------------------------------- timers

        /// <summary>Runs what is due (ARP, reassembly, DHCP) and returns the next deadline (ulong.MaxValue: none).</summary>
        public ulong Poll(ulong now)
        {
            Now = now;
            now = _now; // never backwards
            _depth++;
            ulong next = Arp.Poll(now);
            ulong r = Reassembly.Poll(now);
            if (r < next)
                next = r;
            for (int i = 0; i < MaxInterfaces; i++)
            {
                DhcpClient? d = _dhcp[i];
                if (d == null)
                    continue;
                ulong t = d.Poll(now);
                if (t < next)
                    next = t;
            }
            Leave();
            return next;
        }

        /// <summary>Frees every buffer (host tests; the kernel's stack lives as long as the kernel).</summary>
        public void Dispose()
        {
            for (int i = 0; i < _udp.Length; i++)
                _udp[i]?.Close();
            for (int i = 0; i < _icmp.Length; i++)
                _icmp[i]?.Close();
            Packets.Dispose();
            Arp.Dispose();
            Reassembly.Free();
            _loopbackQueue.Free();
        }
    }
}
