using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// An ICMP endpoint for ping. <see cref="Raw"/> is SOCK_RAW IPPROTO_ICMP (what busybox ping opens as
    /// root): it sends the ICMP message the user built (checksum included) and receives a copy of every ICMP
    /// message that arrives, with a 20-byte IP header before it. Otherwise it is a "ping socket"
    /// (SOCK_DGRAM IPPROTO_ICMP, Linux's net/ipv4/ping.c): it sends echo requests only, the kernel puts
    /// the socket's identifier and the checksum in, and it receives the echo replies with that identifier,
    /// without the IP header. Results are byte counts or negative errno values.
    /// </summary>
    public sealed class IcmpSocket
    {
        public const int ReceiveCapacity = 64 * 1024, MaxPayload = 65535 - 20;

        private readonly NetStack _stack;
        private DatagramQueue? _queue;
        private int _error;

        public readonly bool Raw;
        /// <summary>The echo identifier of a ping socket (its "port"); 0 until bound.</summary>
        public ushort Identifier { get; private set; }
        public uint LocalAddress { get; private set; }
        public uint RemoteAddress { get; private set; }
        public bool AllowBroadcast;
        public ulong Drops;

        internal IcmpSocket(NetStack stack, bool raw)
        {
            _stack = stack;
            Raw = raw;
            _queue = new DatagramQueue(ReceiveCapacity);
        }

        public bool Closed => _queue == null;
        public bool Readable => _queue == null || !_queue.IsEmpty || _error != 0;
        public bool Writable => true;
        public int NextDatagramLength => _queue == null || _queue.IsEmpty ? 0 : _queue.FirstLength;

        /// <summary>bind(2): the local address and, for a ping socket, the identifier (0 picks one). 0, -EINVAL, -EADDRNOTAVAIL, -EADDRINUSE.</summary>
        public int Bind(uint address, ushort identifier)
        {
            if (Closed)
                return -Errno.EBADF;
            if (address != 0 && !_stack.IsLocalAddress(address))
                return -Errno.EADDRNOTAVAIL;
            if (!Raw)
            {
                if (Identifier != 0)
                    return -Errno.EINVAL;
                if (identifier == 0)
                    identifier = _stack.FreeIcmpIdentifier();
                else if (_stack.IcmpIdentifierInUse(identifier))
                    return -Errno.EADDRINUSE;
                if (identifier == 0)
                    return -Errno.EADDRINUSE;
                Identifier = identifier;
            }
            LocalAddress = address;
            return 0;
        }

        /// <summary>connect(2): the default destination.</summary>
        public int Connect(uint address)
        {
            if (_stack.SourceFor(address == 0 ? Ipv4Address.Loopback : address) == 0)
                return -Errno.ENETUNREACH;
            RemoteAddress = address == 0 ? Ipv4Address.Loopback : address;
            return 0;
        }

        /// <summary>
        /// sendto(2): <paramref name="message"/> is an ICMP message. A ping socket takes only echo requests
        /// (type 8, code 0; else -EINVAL) and fills in identifier and checksum. The byte count or an error.
        /// </summary>
        public int SendTo(ReadOnlySpan<byte> message, uint address, bool hasAddress)
        {
            if (Closed)
                return -Errno.EBADF;
            if (!hasAddress)
            {
                if (RemoteAddress == 0)
                    return -Errno.EDESTADDRREQ;
                address = RemoteAddress;
            }
            if (address == 0)
                address = Ipv4Address.Loopback;
            if (message.Length > MaxPayload)
                return -Errno.EMSGSIZE;
            if (_stack.IsBroadcastAddress(address) && !AllowBroadcast)
                return -Errno.EACCES;
            if (Raw)
            {
                if (message.Length < 1)
                    return -Errno.EINVAL;
                int r = _stack.SendIp(LocalAddress, address, IpProtocol.Icmp, message);
                return r < 0 ? r : message.Length;
            }
            if (message.Length < Icmp.HeaderLength || message[0] != Icmp.EchoRequest || message[1] != 0)
                return -Errno.EINVAL;
            if (Identifier == 0)
            {
                int b = Bind(LocalAddress, 0);
                if (b < 0)
                    return b;
            }
            int sent = _stack.SendEcho(LocalAddress, address, Identifier, message);
            return sent < 0 ? sent : message.Length;
        }

        /// <summary>recvfrom(2): the next message (raw: IP header first) and its sender; -EAGAIN when none.</summary>
        public int ReceiveFrom(Span<byte> buffer, out uint address, bool peek, out int fullLength)
        {
            address = 0;
            fullLength = 0;
            if (_queue == null)
                return -Errno.EBADF;
            if (_queue.IsEmpty)
            {
                int e = TakeError();
                return e != 0 ? -e : -Errno.EAGAIN;
            }
            ReadOnlySpan<byte> d = _queue.Peek(out address, out _, out _);
            fullLength = d.Length;
            int n = d.Length < buffer.Length ? d.Length : buffer.Length;
            d.Slice(0, n).CopyTo(buffer);
            if (!peek)
                _queue.Dequeue();
            return n;
        }

        public int TakeError()
        {
            int e = _error;
            _error = 0;
            return e;
        }

        internal void Deliver(uint source, ReadOnlySpan<byte> header, ReadOnlySpan<byte> message)
        {
            if (_queue == null)
                return;
            if (!_queue.Enqueue(header, message, source, 0, 0))
            {
                Drops++;
                return;
            }
            _stack.Wake(this);
        }

        internal void SetError(int errno)
        {
            _error = errno;
            _stack.Wake(this);
        }

        public void Close()
        {
            if (!DatagramQueue.Release(ref _queue))
                return;
            _stack.RemoveIcmp(this);
            _stack.Wake(this);
        }
    }
}
