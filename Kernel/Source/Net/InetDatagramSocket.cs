using System;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Net
{
    /// <summary>
    /// An AF_INET datagram socket: UDP (<see cref="UdpSocket"/>), a ping socket (SOCK_DGRAM IPPROTO_ICMP) or
    /// a raw ICMP socket (<see cref="IcmpSocket"/>). Sending never waits; receiving waits on the endpoint
    /// for a datagram (SO_RCVTIMEO), one datagram per call, MSG_TRUNC giving its real length.
    /// </summary>
    public sealed unsafe class InetDatagramSocket : InetSocket
    {
        private readonly UdpSocket? _udp;
        private readonly IcmpSocket? _icmp;
        private readonly object _endpoint;

        internal InetDatagramSocket(UdpSocket udp, int flags) : base(SocketConstants.SOCK_DGRAM, IPPROTO_UDP, flags)
        {
            _udp = udp;
            _endpoint = udp;
            udp.OwnerUid = CallerUid;
            udp.OwnerInode = Ino;
        }

        internal InetDatagramSocket(IcmpSocket icmp, int type, int flags) : base(type, IPPROTO_ICMP, flags)
        {
            _icmp = icmp;
            _endpoint = icmp;
        }

        public override object WaitChannel => _endpoint;

        private bool IsConnected => _udp != null ? _udp.Connected : _icmp!.RemoteAddress != 0;

        public override int Bind(ReadOnlySpan<byte> address)
        {
            int r = SockaddrIn.Parse(address, out uint ip, out ushort port, out bool unspecified);
            if (r < 0)
                return r;
            if (unspecified && ip != 0)
                return -Errno.EAFNOSUPPORT;
            EnterStack();
            if (_udp != null)
                r = PortNeedsRoot(port) ? -Errno.EACCES : _udp.Bind(ip, port);
            else
                r = _icmp!.Bind(ip, port);
            LeaveStack();
            return r;
        }

        public override int Connect(ReadOnlySpan<byte> address)
        {
            int r = SockaddrIn.Parse(address, out uint ip, out ushort port, out bool unspecified);
            if (unspecified && address.Length >= 2)
            {
                _udp?.Disconnect();
                return 0;
            }
            if (r < 0)
                return r;
            EnterStack();
            r = _udp != null ? _udp.Connect(ip, port) : _icmp!.Connect(ip);
            LeaveStack();
            return r;
        }

        public override int LocalName(Span<byte> address)
        {
            if (_udp != null)
                return SockaddrIn.Write(address, _udp.LocalAddress, _udp.LocalPort);
            return SockaddrIn.Write(address, _icmp!.LocalAddress, _icmp.Raw ? (ushort)IPPROTO_ICMP : _icmp.Identifier);
        }

        public override int PeerName(Span<byte> address)
        {
            if (!IsConnected)
                return -Errno.ENOTCONN;
            if (_udp != null)
                return SockaddrIn.Write(address, _udp.RemoteAddress, _udp.RemotePort);
            return SockaddrIn.Write(address, _icmp!.RemoteAddress, 0);
        }

        public override long Send(ref SendRequest request)
        {
            if ((request.Flags & SocketConstants.MSG_OOB) != 0)
                return -Errno.EOPNOTSUPP;
            if ((Shutdown & SendShutdown) != 0)
                return BrokenPipe(request.Flags);
            uint ip = 0;
            ushort port = 0;
            bool hasAddress = request.Address.Length > 0;
            if (hasAddress)
            {
                int p = SockaddrIn.Parse(request.Address, out ip, out port, out bool unspecified);
                if (p < 0)
                    return p;
                if (unspecified && _udp != null)
                    return -Errno.EAFNOSUPPORT;
            }
            long total = request.Data.Total;
            int max = _udp != null ? UdpSocket.MaxPayload : IcmpSocket.MaxPayload;
            if (total > max)
                return -Errno.EMSGSIZE;
            byte[] buffer = new byte[total > 0 ? (int)total : 1];
            long r;
            if (request.Data.CopyIn(0, new Span<byte>(buffer, 0, (int)total)) < 0)
                r = -Errno.EFAULT;
            else
            {
                EnterStack();
                ReadOnlySpan<byte> data = new ReadOnlySpan<byte>(buffer, 0, (int)total);
                r = _udp != null ? _udp.SendTo(data, ip, port, hasAddress) : _icmp!.SendTo(data, ip, hasAddress);
                LeaveStack();
            }
            Owned.Free(buffer);
            return r;
        }

        public override long Receive(ref ReceiveRequest request)
        {
            BeginCall();
            long r = ReceiveInner(ref request);
            EndCall();
            return r;
        }

        private long ReceiveInner(ref ReceiveRequest request)
        {
            int flags = request.Flags;
            if ((flags & SocketConstants.MSG_OOB) != 0)
                return -Errno.EOPNOTSUPP;
            bool peek = (flags & SocketConstants.MSG_PEEK) != 0;
            bool dontWait = DontWait(flags);
            long total = request.Data.Total;
            int room = total > 65536 ? 65536 : (int)total;
            byte[] buffer = new byte[room > 0 ? room : 1];
            ulong deadline = 0;
            long result;
            while (true)
            {
                uint from;
                ushort fromPort = 0;
                int full, n;
                EnterStack();
                if (_udp != null)
                    n = _udp.ReceiveFrom(new Span<byte>(buffer, 0, room), out from, out fromPort, peek, out full);
                else
                    n = _icmp!.ReceiveFrom(new Span<byte>(buffer, 0, room), out from, peek, out full);
                LeaveStack();
                if (n >= 0)
                {
                    if (n > 0 && request.Data.CopyOut(0, new ReadOnlySpan<byte>(buffer, 0, n)) < 0)
                    {
                        result = -Errno.EFAULT;
                        break;
                    }
                    if (request.Address.Length >= SockaddrIn.Size)
                        request.AddressLength = SockaddrIn.Write(request.Address, from, fromPort);
                    if (full > n)
                        request.OutFlags |= SocketConstants.MSG_TRUNC;
                    result = (flags & SocketConstants.MSG_TRUNC) != 0 ? full : n;
                    break;
                }
                if (n != -Errno.EAGAIN)
                {
                    result = n;
                    break;
                }
                if ((Shutdown & ReceiveShutdown) != 0)
                {
                    result = 0;
                    break;
                }
                if (dontWait)
                {
                    result = -Errno.EAGAIN;
                    break;
                }
                ulong daif = Mask();
                int w = 0;
                if (!Readable && (Shutdown & ReceiveShutdown) == 0)
                    w = Wait(ReceiveTimeout, ref deadline);
                Unmask(daif);
                if (w < 0)
                {
                    result = w;
                    break;
                }
            }
            Owned.Free(buffer);
            return result;
        }

        private bool Readable => _udp != null ? _udp.Readable : _icmp!.Readable;

        public override int ShutdownSocket(int how)
        {
            // Linux's inet_shutdown: an unconnected datagram socket says ENOTCONN but is shut down all the same.
            Shutdown |= how == SocketConstants.SHUT_RD ? ReceiveShutdown : how == SocketConstants.SHUT_WR ? SendShutdown : BothShutdown;
            Stack.Waker?.Wake(_endpoint);
            return IsConnected ? 0 : -Errno.ENOTCONN;
        }

        public override int ReadableBytes => _udp != null ? _udp.NextDatagramLength : _icmp!.NextDatagramLength;

        public override int Poll()
        {
            int events = OpenFlags.PollOut | OpenFlags.PollWrNorm;
            if (Readable)
                events |= OpenFlags.PollIn | OpenFlags.PollRdNorm;
            if ((Shutdown & ReceiveShutdown) != 0)
                events |= OpenFlags.PollIn | OpenFlags.PollRdNorm | 0x2000; // POLLRDHUP
            if (Shutdown == BothShutdown)
                events |= OpenFlags.PollHup;
            return events;
        }

        public override int TakeError()
        {
            int e = _udp != null ? _udp.TakeError() : _icmp!.TakeError();
            int b = base.TakeError();
            return e != 0 ? e : b;
        }

        protected override void SocketOptionChanged(int name)
        {
            if (name == SocketConstants.SO_BROADCAST)
            {
                if (_udp != null)
                    _udp.AllowBroadcast = Broadcast;
                else
                    _icmp!.AllowBroadcast = Broadcast;
            }
            else if (name == SocketConstants.SO_REUSEADDR && _udp != null)
                _udp.ReuseAddress = ReuseAddress;
        }

        protected override void CloseEndpoint()
        {
            EnterStack();
            if (_udp != null)
            {
                _udp.Close();
                Owned.Free(_udp);
            }
            else
            {
                _icmp!.Close();
                Owned.Free(_icmp);
            }
            LeaveStack();
        }
    }
}
