using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// The AF_PACKET endpoints of a <see cref="NetStack"/>: every Ethernet frame an interface that is up receives
    /// (before the stack looks at it) and every frame it transmits is offered to each endpoint, which keeps what
    /// its protocol, interface and filter take. Frames sent by packet sockets go out through <see cref="Send"/>.
    /// </summary>
    public sealed class PacketTaps
    {
        /// <summary>sockaddr_ll's sll_pkttype values.</summary>
        public const byte PacketHost = 0, PacketBroadcast = 1, PacketMulticast = 2, PacketOtherHost = 3, PacketOutgoing = 4;

        private readonly NetStack _stack;
        private PacketEndpoint?[] _endpoints = new PacketEndpoint?[4];
        private int _count;
        private readonly byte[] _frame = new byte[Ethernet.HeaderLength + 1500];

        internal PacketTaps(NetStack stack) => _stack = stack;

        public NetStack Stack => _stack;
        public int Count => _count;

        /// <summary>A new endpoint of SOCK_RAW (<paramref name="raw"/>) or SOCK_DGRAM taking <paramref name="protocol"/> (an EtherType, 3 for all; 0 for none until bound).</summary>
        public PacketEndpoint Create(bool raw, ushort protocol, int receiveCapacity)
        {
            var e = new PacketEndpoint(this, raw, protocol, receiveCapacity);
            for (int i = 0; i < _endpoints.Length; i++)
                if (_endpoints[i] == null)
                {
                    _endpoints[i] = e;
                    _count++;
                    return e;
                }
            var grown = new PacketEndpoint?[_endpoints.Length * 2];
            for (int i = 0; i < _endpoints.Length; i++)
                grown[i] = _endpoints[i];
            grown[_endpoints.Length] = e;
            Owned.Free(_endpoints);
            _endpoints = grown;
            _count++;
            return e;
        }

        internal void Remove(PacketEndpoint e)
        {
            for (int i = 0; i < _endpoints.Length; i++)
                if (_endpoints[i] == e)
                {
                    _endpoints[i] = null;
                    _count--;
                }
        }

        /// <summary>A frame <paramref name="iface"/> received (it is up, the frame has a whole Ethernet header).</summary>
        internal void Incoming(NetInterface iface, ReadOnlySpan<byte> frame)
        {
            if (_count == 0)
                return;
            MacAddress destination = Ethernet.Destination(frame);
            byte type = destination.Equals(iface.Mac) ? PacketHost : destination.IsBroadcast ? PacketBroadcast
                : destination.IsGroup ? PacketMulticast : PacketOtherHost;
            for (int i = 0; i < _endpoints.Length; i++)
                _endpoints[i]?.Offer(iface, frame, type);
        }

        /// <summary>A frame <paramref name="iface"/> transmitted: seen by ETH_P_ALL endpoints other than its sender, as PACKET_OUTGOING.</summary>
        internal void Outgoing(NetInterface iface, ReadOnlySpan<byte> frame, PacketEndpoint? sender)
        {
            if (_count == 0)
                return;
            for (int i = 0; i < _endpoints.Length; i++)
            {
                PacketEndpoint? e = _endpoints[i];
                if (e != null && e != sender && e.Protocol == PacketEndpoint.EthernetAll)
                    e.Offer(iface, frame, PacketOutgoing);
            }
        }

        /// <summary>
        /// Transmits for an endpoint: <paramref name="data"/> is the whole frame (<paramref name="header"/> false) or the
        /// payload behind a header to <paramref name="destination"/> with <paramref name="protocol"/>. The byte count
        /// sent, or -ENXIO (no interface), -ENETDOWN, -EMSGSIZE, -EINVAL (a raw frame shorter than its header),
        /// -EOPNOTSUPP (lo, which has no link layer here), -ENOBUFS.
        /// </summary>
        internal int Send(PacketEndpoint sender, int ifindex, bool header, MacAddress destination, ushort protocol, ReadOnlySpan<byte> data)
        {
            NetInterface? iface = _stack.FindInterface(ifindex);
            if (iface == null)
                return -Errno.ENXIO;
            if (iface.IsLoopback)
                return -Errno.EOPNOTSUPP;
            if (!iface.IsUp)
                return -Errno.ENETDOWN;
            int length = header ? Ethernet.HeaderLength + data.Length : data.Length;
            if (!header && data.Length < Ethernet.HeaderLength)
                return -Errno.EINVAL;
            if (length - Ethernet.HeaderLength > iface.Mtu)
                return -Errno.EMSGSIZE;
            Span<byte> f = new Span<byte>(_frame, 0, length);
            if (header)
            {
                Ethernet.WriteHeader(f, destination, iface.Mac, protocol);
                data.CopyTo(f.Slice(Ethernet.HeaderLength));
            }
            else
                data.CopyTo(f);
            int r = _stack.TransmitFrame(iface, f, sender);
            return r < 0 ? r : data.Length;
        }

        /// <summary>Closes every endpoint (host tests).</summary>
        internal void Dispose()
        {
            for (int i = 0; i < _endpoints.Length; i++)
                _endpoints[i]?.Close();
        }
    }
}
