using System;
using Kernel.Logic;
using Kernel.Logic.Net;
using Kernel.Logic.Net.Tcp;

namespace Kernel.Net
{
    /// <summary>
    /// An AF_INET SOCK_STREAM socket: the system calls over one <see cref="TcpSocket"/>. The TCP layer never
    /// blocks (connect is always in progress, send and receive say EAGAIN); waiting is done here, on the
    /// TcpSocket as the channel the stack wakes, with SO_RCVTIMEO/SO_SNDTIMEO. Closing hands the
    /// connection to the stack, which finishes it (FIN_WAIT, TIME_WAIT) and frees it; SO_LINGER with a
    /// time makes close wait, up to that time, for the send queue to drain.
    /// </summary>
    public sealed unsafe class InetStreamSocket : InetSocket
    {
        public const int TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_CORK = 3, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6,
            TCP_SYNCNT = 7, TCP_DEFER_ACCEPT = 9, TCP_QUICKACK = 12, TCP_FASTOPEN = 23;
        /// <summary>The most bytes copied through the kernel per step of a send or receive.</summary>
        private const int Chunk = 64 * 1024;
        /// <summary>TCP_MSS_DEFAULT: what TCP_MAXSEG reports before a connection has an MSS.</summary>
        private const int DefaultMss = 536;

        private readonly TcpSocket _tcp;
        private int _userMss, _fastOpen;
        /// <summary>A connect said EINPROGRESS: the next connect reports how it ended (Linux's SS_CONNECTING).</summary>
        private bool _connecting;

        internal InetStreamSocket(TcpSocket tcp, int flags) : base(SocketConstants.SOCK_STREAM, IPPROTO_TCP, flags)
        {
            _tcp = tcp;
            _tcp.OwnerUid = CallerUid;
            _tcp.OwnerInode = Ino;
            // getsockopt shows Linux's doubled value of the TCP buffers this socket really has.
            SendBuffer = _tcp.SendBufferSize * 2;
            ReceiveBuffer = _tcp.ReceiveBufferSize * 2;
        }

        public override object WaitChannel => _tcp;

        private bool Connected => _tcp.State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1
            or TcpState.FinWait2 or TcpState.Closing or TcpState.LastAck or TcpState.TimeWait;

        // ---- addresses --------------------------------------------------------------------------------

        public override int Bind(ReadOnlySpan<byte> address)
        {
            int r = SockaddrIn.Parse(address, out uint ip, out ushort port, out bool unspecified);
            if (r < 0)
                return r;
            if (unspecified && ip != 0)
                return -Errno.EAFNOSUPPORT;
            if (ip != 0 && !Stack.IsLocalAddress(ip))
                return -Errno.EADDRNOTAVAIL;
            if (PortNeedsRoot(port))
                return -Errno.EACCES;
            EnterStack();
            r = _tcp.Bind(ip, port);
            LeaveStack();
            return r;
        }

        public override int Listen(int backlog)
        {
            EnterStack();
            int r = _tcp.Listen(backlog);
            LeaveStack();
            if (r == 0)
                Listening = true;
            return r;
        }

        public override int Accept(int flags, out Socket? accepted)
        {
            accepted = null;
            BeginCall();
            int r = AcceptInner(flags, out accepted);
            EndCall();
            return r;
        }

        private int AcceptInner(int flags, out Socket? accepted)
        {
            accepted = null;
            ulong deadline = 0;
            while (true)
            {
                EnterStack();
                int r = _tcp.Accept(out TcpSocket? connection);
                LeaveStack();
                if (r == 0)
                {
                    var s = new InetStreamSocket(connection!, flags);
                    s.InheritFrom(this);
                    accepted = s;
                    return 0;
                }
                if (r != -Errno.EAGAIN)
                    return r;
                if (NonBlocking)
                    return -Errno.EAGAIN;
                ulong daif = Mask();
                int w = 0;
                if ((_tcp.PollEvents() & PollEvents.POLLIN) == 0 && _tcp.State == TcpState.Listen)
                    w = Wait(ReceiveTimeout, ref deadline);
                Unmask(daif);
                if (w < 0)
                    return w;
            }
        }

        /// <summary>What an accepted socket takes from its listener (Linux clones the listener's socket).</summary>
        private void InheritFrom(InetStreamSocket listener)
        {
            ReceiveTimeout = listener.ReceiveTimeout;
            SendTimeout = listener.SendTimeout;
            ReuseAddress = listener.ReuseAddress;
            KeepAlive = listener.KeepAlive;
            Linger = listener.Linger;
            LingerSeconds = listener.LingerSeconds;
            _tcp.NoDelay = listener._tcp.NoDelay;
            _tcp.KeepIdleSeconds = listener._tcp.KeepIdleSeconds;
            _tcp.KeepIntervalSeconds = listener._tcp.KeepIntervalSeconds;
            _tcp.KeepCount = listener._tcp.KeepCount;
            _tcp.KeepAlive = KeepAlive;
            _tcp.LingerOn = Linger;
            _tcp.LingerSeconds = LingerSeconds;
        }

        public override int Connect(ReadOnlySpan<byte> address)
        {
            BeginCall();
            int r = ConnectInner(address);
            EndCall();
            return r;
        }

        private int ConnectInner(ReadOnlySpan<byte> address)
        {
            int r = SockaddrIn.Parse(address, out uint ip, out ushort port, out bool unspecified);
            if (unspecified && address.Length >= 2)
            {
                // AF_UNSPEC: Linux's tcp_disconnect (an established connection is reset).
                EnterStack();
                if (_tcp.State != TcpState.Closed && _tcp.State != TcpState.Listen)
                    _tcp.Abort(Stack.Now);
                LeaveStack();
                return 0;
            }
            if (r < 0)
                return r;
            if (Listening)
                return -Errno.EISCONN;
            if (_connecting)
            {
                if (_tcp.State == TcpState.SynSent || _tcp.State == TcpState.SynReceived)
                {
                    if (NonBlocking)
                        return -Errno.EALREADY;
                }
                else
                {
                    _connecting = false;
                    if (Connected)
                        return 0;
                    int e0 = _tcp.TakeError();
                    return e0 != 0 ? -e0 : -Errno.ECONNABORTED;
                }
            }
            if (ip == 0)
                ip = Ipv4Address.Loopback; // Linux: INADDR_ANY means this host
            if (Stack.IsBroadcastAddress(ip) || Ipv4Address.IsMulticast(ip))
                return -Errno.ENETUNREACH;
            ulong now = EnterStack();
            r = _tcp.Connect(ip, port, now);
            LeaveStack();
            if (r == -Errno.EISCONN && _tcp.State == TcpState.Closed)
                r = -Errno.ECONNABORTED;
            if (r != -Errno.EINPROGRESS && r != -Errno.EALREADY)
                return r;
            _connecting = true;
            if (NonBlocking)
                return r;
            ulong deadline = 0;
            while (true)
            {
                ulong daif = Mask();
                if (_tcp.State != TcpState.SynSent && _tcp.State != TcpState.SynReceived)
                {
                    Unmask(daif);
                    break;
                }
                int w = Wait(SendTimeout, ref deadline);
                Unmask(daif);
                if (w == -Errno.EAGAIN)
                    return -Errno.EINPROGRESS; // SO_SNDTIMEO ran out: the connection goes on
                if (w < 0)
                    return -Errno.EINTR; // Linux: an interrupted connect goes on in the background
            }
            _connecting = false;
            int e = _tcp.TakeError();
            if (e != 0)
                return -e;
            return _tcp.State == TcpState.Closed ? -Errno.ECONNREFUSED : 0;
        }

        public override int LocalName(Span<byte> address) => SockaddrIn.Write(address, _tcp.LocalAddress, _tcp.LocalPort);

        public override int PeerName(Span<byte> address)
        {
            if (!Connected && _tcp.State != TcpState.SynReceived)
                return -Errno.ENOTCONN;
            return SockaddrIn.Write(address, _tcp.RemoteAddress, _tcp.RemotePort);
        }

        // ---- data -------------------------------------------------------------------------------------

        public override long Send(ref SendRequest request)
        {
            BeginCall();
            long r = SendInner(ref request);
            EndCall();
            return r;
        }

        private long SendInner(ref SendRequest request)
        {
            if ((request.Flags & SocketConstants.MSG_OOB) != 0)
                return -Errno.EOPNOTSUPP;
            long total = request.Data.Total, sent = 0;
            // A destination address is ignored (Linux's tcp_sendmsg never reads msg_name).
            bool dontWait = DontWait(request.Flags);
            ulong deadline = 0;
            byte[] buffer = new byte[total < Chunk ? (total > 0 ? (int)total : 1) : Chunk];
            long bufferStart = 0;
            int bufferLength = 0;
            long result = 0;
            do
            {
                if (sent >= bufferStart + bufferLength)
                {
                    bufferStart = sent;
                    long want = total - sent < buffer.Length ? total - sent : buffer.Length;
                    bufferLength = (int)want;
                    if (request.Data.CopyIn(sent, new Span<byte>(buffer, 0, bufferLength)) < 0)
                    {
                        result = sent > 0 ? sent : -Errno.EFAULT;
                        break;
                    }
                }
                int offset = (int)(sent - bufferStart);
                ulong now = EnterStack();
                int n = _tcp.Send(new ReadOnlySpan<byte>(buffer, offset, bufferLength - offset), now);
                LeaveStack();
                if (n > 0)
                {
                    sent += n;
                    continue;
                }
                if (n == 0)
                    break; // an empty send
                if (n == -Errno.EAGAIN)
                {
                    if (dontWait)
                    {
                        result = sent > 0 ? sent : -Errno.EAGAIN;
                        break;
                    }
                    ulong daif = Mask();
                    int w = 0;
                    if ((_tcp.PollEvents() & (PollEvents.POLLOUT | PollEvents.POLLERR | PollEvents.POLLHUP)) == 0)
                        w = Wait(SendTimeout, ref deadline);
                    Unmask(daif);
                    if (w < 0)
                    {
                        result = sent > 0 ? sent : w;
                        break;
                    }
                    continue;
                }
                if (sent > 0)
                {
                    result = sent;
                    break;
                }
                // Linux: a socket that is not connected fails sends with EPIPE (sk_stream_wait_connect), SIGPIPE too.
                result = n == -Errno.EPIPE || n == -Errno.ENOTCONN ? BrokenPipe(request.Flags) : n;
                break;
            } while (sent < total);
            Owned.Free(buffer);
            return result != 0 ? result : sent;
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
                return -Errno.EINVAL; // no urgent data is ever kept
            if (Listening)
                return -Errno.ENOTCONN;
            long total = request.Data.Total, copied = 0;
            bool peek = (flags & SocketConstants.MSG_PEEK) != 0;
            bool trunc = (flags & SocketConstants.MSG_TRUNC) != 0;
            bool waitAll = (flags & SocketConstants.MSG_WAITALL) != 0 && !peek;
            long target = waitAll ? total : (ReceiveLowWater < total ? ReceiveLowWater : total);
            bool dontWait = DontWait(flags);
            ulong deadline = 0;
            if (total == 0)
            {
                if (_tcp.State == TcpState.Closed && _tcp.PendingError == 0 && _tcp.RemotePort == 0)
                    return -Errno.ENOTCONN;
                return 0;
            }
            byte[] buffer = new byte[total < Chunk ? (int)total : Chunk];
            long result = 0;
            while (copied < total)
            {
                long want = total - copied < buffer.Length ? total - copied : buffer.Length;
                ulong now = EnterStack();
                int n = _tcp.Receive(new Span<byte>(buffer, 0, (int)want), peek, now);
                LeaveStack();
                if (n > 0)
                {
                    // MSG_TRUNC on a stream: the bytes are dropped, not copied (Linux).
                    if (!trunc && request.Data.CopyOut(copied, new ReadOnlySpan<byte>(buffer, 0, n)) < 0)
                    {
                        result = copied > 0 ? copied : -Errno.EFAULT;
                        break;
                    }
                    copied += n;
                    if (peek || copied >= target)
                        break;
                    continue;
                }
                if (n == 0)
                    break; // end of stream
                if (n != -Errno.EAGAIN)
                {
                    result = copied > 0 ? copied : n;
                    break;
                }
                if (copied >= target)
                    break;
                if (dontWait)
                {
                    result = copied > 0 ? copied : -Errno.EAGAIN;
                    break;
                }
                ulong daif = Mask();
                int w = 0;
                if ((_tcp.PollEvents() & (PollEvents.POLLIN | PollEvents.POLLERR | PollEvents.POLLHUP)) == 0)
                    w = Wait(ReceiveTimeout, ref deadline);
                Unmask(daif);
                if (w < 0)
                {
                    result = copied > 0 ? copied : w;
                    break;
                }
            }
            Owned.Free(buffer);
            return result != 0 ? result : copied;
        }

        public override int ShutdownSocket(int how)
        {
            if (Listening)
            {
                if (how == SocketConstants.SHUT_WR)
                    return 0;
                // SHUT_RD on a listener stops it (Linux disconnects it): a waiting accept sees EINVAL.
                ulong now = EnterStack();
                _tcp.Close(now);
                LeaveStack();
                return -Errno.ENOTCONN;
            }
            ulong t = EnterStack();
            int r = _tcp.Shutdown(how, t);
            LeaveStack();
            if (r == 0)
                Shutdown |= how == SocketConstants.SHUT_RD ? ReceiveShutdown : how == SocketConstants.SHUT_WR ? SendShutdown : BothShutdown;
            return r;
        }

        public override int ReadableBytes => _tcp.State == TcpState.Listen ? 0 : _tcp.ReceiveQueueBytes;

        public override int Poll() => _tcp.PollEvents();

        public override int TakeError()
        {
            int e = _tcp.TakeError();
            int b = base.TakeError();
            return e != 0 ? e : b;
        }

        // ---- options ----------------------------------------------------------------------------------

        protected override void SocketOptionChanged(int name)
        {
            EnterStack();
            switch (name)
            {
                case SocketConstants.SO_SNDBUF:
                case SocketConstants.SO_SNDBUFFORCE:
                    _tcp.SendBufferSize = SendBuffer / 2;
                    SendBuffer = _tcp.SendBufferSize * 2;
                    break;
                case SocketConstants.SO_RCVBUF:
                case SocketConstants.SO_RCVBUFFORCE:
                    _tcp.ReceiveBufferSize = ReceiveBuffer / 2;
                    ReceiveBuffer = _tcp.ReceiveBufferSize * 2;
                    break;
                case SocketConstants.SO_REUSEADDR:
                    _tcp.ReuseAddress = ReuseAddress;
                    break;
                case SocketConstants.SO_KEEPALIVE:
                    _tcp.KeepAlive = KeepAlive;
                    break;
                case SocketConstants.SO_LINGER:
                    _tcp.LingerOn = Linger;
                    _tcp.LingerSeconds = LingerSeconds;
                    break;
            }
            LeaveStack();
        }

        public override int SetFamilyOption(int level, int name, ReadOnlySpan<byte> value)
        {
            if (level != IPPROTO_TCP)
                return base.SetFamilyOption(level, name, value);
            if (value.Length < 4)
                return -Errno.EINVAL;
            int v = ControlMessages.ReadI32(value, 0);
            int r = 0;
            EnterStack();
            switch (name)
            {
                case TCP_NODELAY:
                    _tcp.NoDelay = v != 0;
                    break;
                case TCP_KEEPIDLE:
                    if (v < 1 || v > 32767)
                        r = -Errno.EINVAL;
                    else
                        _tcp.KeepIdleSeconds = v;
                    break;
                case TCP_KEEPINTVL:
                    if (v < 1 || v > 32767)
                        r = -Errno.EINVAL;
                    else
                        _tcp.KeepIntervalSeconds = v;
                    break;
                case TCP_KEEPCNT:
                    if (v < 1 || v > 127)
                        r = -Errno.EINVAL;
                    else
                        _tcp.KeepCount = v;
                    break;
                case TCP_MAXSEG:
                    // Linux clamps the MSS it will send to this; accepted in its range, the stack's MSS stays (documented).
                    if (v != 0 && (v < 88 || v > 32767))
                        r = -Errno.EINVAL;
                    else
                        _userMss = v;
                    break;
                case TCP_FASTOPEN:
                    // The server-side TFO queue length (dropbear sets it): accepted; no TFO cookies are ever given,
                    // so clients fall back to the normal handshake, as against a Linux server with TFO off.
                    if (v < 0)
                        r = -Errno.EINVAL;
                    else
                        _fastOpen = v;
                    break;
                default:
                    r = -Errno.ENOPROTOOPT;
                    break;
            }
            LeaveStack();
            return r;
        }

        public override int GetFamilyOption(int level, int name, Span<byte> value)
        {
            if (level != IPPROTO_TCP)
                return base.GetFamilyOption(level, name, value);
            int v;
            switch (name)
            {
                case TCP_NODELAY: v = _tcp.NoDelay ? 1 : 0; break;
                case TCP_KEEPIDLE: v = _tcp.KeepIdleSeconds; break;
                case TCP_KEEPINTVL: v = _tcp.KeepIntervalSeconds; break;
                case TCP_KEEPCNT: v = _tcp.KeepCount; break;
                case TCP_MAXSEG:
                    v = Connected ? _tcp.Mss : _userMss != 0 ? _userMss : DefaultMss;
                    break;
                case TCP_FASTOPEN: v = _fastOpen; break;
                default: return -Errno.ENOPROTOOPT;
            }
            ControlMessages.WriteI32(value, 0, v);
            return 4;
        }

        // ---- closing ----------------------------------------------------------------------------------

        protected override void CloseEndpoint()
        {
            if (Linger && LingerSeconds > 0 && Connected)
            {
                // SO_LINGER with a time: wait, up to it, for what was sent to be acknowledged.
                ulong deadline = 0;
                while (true)
                {
                    ulong daif = Mask();
                    int w = -Errno.EAGAIN;
                    if (_tcp.SendQueueBytes > 0 && Connected && _tcp.PendingError == 0)
                        w = Wait((ulong)LingerSeconds * 1_000_000_000, ref deadline);
                    Unmask(daif);
                    if (w < 0)
                        break;
                }
            }
            _tcp.OwnerInode = 0;
            ulong now = EnterStack();
            _tcp.Close(now);
            LeaveStack();
        }
    }
}
