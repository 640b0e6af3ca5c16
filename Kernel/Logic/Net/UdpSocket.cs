using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// A UDP endpoint (what an AF_INET SOCK_DGRAM socket holds): bound to a local address and port, maybe
    /// connected to one peer, with a bounded queue of received datagrams (<see cref="ReceiveCapacity"/>
    /// bytes; past it datagrams are dropped and counted, as Linux past SO_RCVBUF). Sending never blocks.
    /// Readiness changes go to <see cref="NetStack.Waker"/> with this socket as the channel. Results are
    /// byte counts or negative errno values, as the system calls return them.
    /// </summary>
    public sealed class UdpSocket
    {
        public const int ReceiveCapacity = 128 * 1024, MaxPayload = 65535 - 20 - 8;

        private readonly NetStack _stack;
        private DatagramQueue? _queue;
        private int _error;

        public uint LocalAddress { get; internal set; }
        public ushort LocalPort { get; internal set; }
        public uint RemoteAddress { get; private set; }
        public ushort RemotePort { get; private set; }
        public bool Connected => RemotePort != 0;
        public bool Bound => LocalPort != 0;
        /// <summary>SO_BROADCAST: sending to a broadcast address is allowed (else EACCES, as Linux).</summary>
        public bool AllowBroadcast;
        /// <summary>SO_REUSEADDR: another socket with it may bind the same port.</summary>
        public bool ReuseAddress;
        /// <summary>Who holds the socket, for /proc/net/udp's uid and inode columns.</summary>
        public uint OwnerUid;
        public ulong OwnerInode;
        /// <summary>Datagrams dropped because the queue was full.</summary>
        public ulong Drops;

        internal UdpSocket(NetStack stack)
        {
            _stack = stack;
            _queue = new DatagramQueue(ReceiveCapacity);
        }

        public bool Closed => _queue == null;

        /// <summary>Datagrams waiting, or an error to report: recvfrom will not block.</summary>
        public bool Readable => _queue == null || !_queue.IsEmpty || _error != 0;

        /// <summary>Sending never waits.</summary>
        public bool Writable => true;

        /// <summary>The first datagram's size (FIONREAD/SIOCINQ), 0 when none.</summary>
        public int NextDatagramLength => _queue == null || _queue.IsEmpty ? 0 : _queue.FirstLength;

        /// <summary>bind(2): 0, -EINVAL (already bound), -EADDRNOTAVAIL (not our address), -EADDRINUSE.</summary>
        public int Bind(uint address, ushort port)
        {
            if (Closed)
                return -Errno.EBADF;
            if (Bound)
                return -Errno.EINVAL;
            if (address != 0 && address != Ipv4Address.Broadcast && !_stack.IsLocalAddress(address) && !_stack.IsBroadcastAddress(address))
                return -Errno.EADDRNOTAVAIL;
            if (port == 0)
            {
                port = _stack.EphemeralUdpPort(address);
                if (port == 0)
                    return -Errno.EADDRINUSE;
            }
            else if (_stack.UdpPortInUse(this, address, port))
                return -Errno.EADDRINUSE;
            LocalAddress = address;
            LocalPort = port;
            return 0;
        }

        /// <summary>connect(2): fixes the peer (and the local address the route gives). 0, -ENETUNREACH, -EACCES (broadcast without SO_BROADCAST), -EINVAL (port 0).</summary>
        public int Connect(uint address, ushort port)
        {
            if (Closed)
                return -Errno.EBADF;
            if (port == 0)
                return -Errno.EINVAL;
            if (address == 0)
                address = Ipv4Address.Loopback; // Linux: connecting to INADDR_ANY means this host
            if (_stack.IsBroadcastAddress(address) && !AllowBroadcast)
                return -Errno.EACCES;
            uint source = _stack.SourceFor(address);
            if (source == 0)
                return -Errno.ENETUNREACH;
            if (!Bound)
            {
                int r = Bind(0, 0);
                if (r < 0)
                    return r;
            }
            if (LocalAddress == 0)
                LocalAddress = source;
            RemoteAddress = address;
            RemotePort = port;
            return 0;
        }

        /// <summary>connect(2) with AF_UNSPEC: forgets the peer (the local address goes back to any unless it was bound).</summary>
        public void Disconnect()
        {
            RemoteAddress = 0;
            RemotePort = 0;
        }

        /// <summary>
        /// sendto(2)/send(2): <paramref name="hasAddress"/> false sends to the connected peer. The byte count, or
        /// -EDESTADDRREQ, -EINVAL (port 0), -EMSGSIZE, -EACCES, -ENETUNREACH, -ENOBUFS, -EISCONN is not given (Linux
        /// lets a connected UDP socket send elsewhere).
        /// </summary>
        public int SendTo(ReadOnlySpan<byte> data, uint address, ushort port, bool hasAddress)
        {
            if (Closed)
                return -Errno.EBADF;
            if (!hasAddress)
            {
                if (!Connected)
                    return -Errno.EDESTADDRREQ;
                address = RemoteAddress;
                port = RemotePort;
            }
            else if (port == 0)
                return -Errno.EINVAL;
            if (data.Length > MaxPayload)
                return -Errno.EMSGSIZE;
            if (address == 0)
                address = Ipv4Address.Loopback;
            if (_stack.IsBroadcastAddress(address) && !AllowBroadcast)
                return -Errno.EACCES;
            if (!Bound)
            {
                int r = Bind(0, 0);
                if (r < 0)
                    return r;
            }
            uint source = LocalAddress == Ipv4Address.Broadcast || _stack.IsBroadcastAddress(LocalAddress) ? 0 : LocalAddress;
            int sent = _stack.SendUdp(source, LocalPort, address, port, data);
            return sent < 0 ? sent : data.Length;
        }

        /// <summary>
        /// recvfrom(2): copies the next datagram (truncated to the buffer; <paramref name="fullLength"/> is its real
        /// size, for MSG_TRUNC) and its sender. -EAGAIN when none (the caller blocks until woken), or a pending
        /// error (ECONNREFUSED after a port unreachable on a connected socket), once.
        /// </summary>
        public int ReceiveFrom(Span<byte> buffer, out uint address, out ushort port, bool peek, out int fullLength)
        {
            address = 0;
            port = 0;
            fullLength = 0;
            if (_queue == null)
                return -Errno.EBADF;
            if (_queue.IsEmpty)
            {
                int e = TakeError();
                return e != 0 ? -e : -Errno.EAGAIN;
            }
            ReadOnlySpan<byte> d = _queue.Peek(out address, out port, out _);
            fullLength = d.Length;
            int n = d.Length < buffer.Length ? d.Length : buffer.Length;
            d.Slice(0, n).CopyTo(buffer);
            if (!peek)
                _queue.Dequeue();
            return n;
        }

        /// <summary>SO_ERROR: the pending error (a positive errno), cleared.</summary>
        public int TakeError()
        {
            int e = _error;
            _error = 0;
            return e;
        }

        internal void Deliver(uint source, ushort sourcePort, ReadOnlySpan<byte> data)
        {
            if (_queue == null)
                return;
            if (!_queue.Enqueue(data, source, sourcePort))
            {
                Drops++;
                _stack.Stats.UdpReceiveBufferErrors++;
                return;
            }
            _stack.Wake(this);
        }

        internal void SetError(int errno)
        {
            _error = errno;
            _stack.Wake(this);
        }

        /// <summary>close(2): unbinds and frees the queue.</summary>
        public void Close()
        {
            if (!DatagramQueue.Release(ref _queue))
                return;
            _stack.RemoveUdp(this);
            _stack.Wake(this);
        }
    }
}
