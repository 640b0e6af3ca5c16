using System;

namespace Kernel.Logic.Net.Tcp
{
    /// <summary>
    /// One TCP endpoint: a listener or a connection (RFC 9293's state machine with RFC 6298
    /// retransmission, RFC 7323 window scaling, RFC 5681 congestion control with fast retransmit,
    /// RFC 5961 challenge ACKs). Methods return byte counts or 0, or a negative errno. Readiness
    /// changes wake the channel <c>this</c> through the stack's <see cref="INetWaker"/>.
    /// </summary>
    public sealed class TcpSocket
    {
        public const int DefaultBufferSize = 64 * 1024;
        public const int MinBufferSize = 2048;
        public const int MaxBufferSize = 4 * 1024 * 1024;
        /// <summary>The window scale this side offers (Linux offers 7 with its default tcp_rmem).</summary>
        public const int WindowShift = 7;
        public const ulong InitialRtoMs = 1000, MinRtoMs = 200, MaxRtoMs = 120000;
        public const int SynRetries = 6, SynAckRetries = 5, DataRetries = 15;
        public const ulong DelayedAckMs = 40, TimeWaitMs = 60000, FinWait2Ms = 60000;
        public const int MaxOutOfOrderRanges = 8;
        /// <summary>Linux's net.core.somaxconn: larger listen backlogs are cut to this.</summary>
        public const int MaxBacklog = 4096;
        public const int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
        private const ulong Never = ulong.MaxValue;
        private const int DefaultMss = 536;

        private readonly TcpStack _stack;
        private TcpState _state = TcpState.Closed;
        private uint _localAddress, _remoteAddress;
        private ushort _localPort, _remotePort;
        private bool _bound, _userBound, _userHeld = true, _everConnected;
        private int _error;

        // Listener: accepted-but-not-yet-accepted children and half-open ones (the SYN queue).
        private TcpSocket? _parent;
        private bool _queuedForAccept;
        private TcpSocket?[]? _acceptQueue;
        private int _acceptCount, _backlog, _synCount;

        // Send side: _send holds bytes from _sndUna on (unacknowledged, then unsent); a FIN, once
        // queued, follows the last byte in sequence space.
        private ByteRing? _send;
        private int _sendCapacity = DefaultBufferSize, _recvCapacity = DefaultBufferSize;
        private uint _iss, _sndUna, _sndNxt, _sndMax, _sndWnd, _sndWl1, _sndWl2, _maxSndWnd;
        private int _sndShift, _rcvShift, _mss = DefaultMss;
        private bool _shutWr, _shutRd, _finAcked, _windowScaling;
        private uint _cwnd, _ssthresh, _recover;
        private int _dupAcks;
        private bool _inRecovery;

        // RFC 6298 estimator, in milliseconds (srtt scaled by 8, rttvar by 4).
        private long _srtt8, _rttvar4;
        private bool _haveRtt, _timing;
        private uint _timedSeq;
        private ulong _timedAt, _rto = InitialRtoMs;
        private int _retries;

        // Receive side: _recv holds readable bytes, out-of-order bytes parked after them.
        private ByteRing? _recv;
        private uint _irs, _rcvNxt, _rcvAdvEdge;
        private bool _finReceived, _oooFin;
        private uint _oooFinSeq;
        private uint[]? _ooo;
        private int _oooCount;
        private bool _ackNow;
        /// <summary>An ACK owed for data only (every second full segment), held to the end of the stack's receive batch.</summary>
        private bool _ackDeferred;
        private int _bytesSinceAck;

        private ulong _rtoAt = Never, _persistAt = Never, _delAckAt = Never, _stateAt = Never, _lastReceivedAt;
        private int _persistBackoff, _keepProbes;
        private bool _keepAlive;
        private int _keepIdle = 7200;

        internal TcpSocket(TcpStack stack)
        {
            _stack = stack;
        }

        /// <summary>Who holds the socket, for /proc/net/tcp's uid and inode columns (inode 0 once the user closed it, as Linux shows orphans).</summary>
        public uint OwnerUid;
        public ulong OwnerInode;

        // ---- Options (setsockopt) ----

        /// <summary>TCP_NODELAY: send small segments at once instead of waiting for outstanding data to be acknowledged (Nagle).</summary>
        public bool NoDelay { get; set; }
        /// <summary>SO_REUSEADDR.</summary>
        public bool ReuseAddress { get; set; }
        /// <summary>SO_KEEPALIVE: after <see cref="KeepIdleSeconds"/> without a segment from the peer, probe every <see cref="KeepIntervalSeconds"/>; <see cref="KeepCount"/> unanswered probes reset the connection with ETIMEDOUT.</summary>
        public bool KeepAlive
        {
            get => _keepAlive;
            set
            {
                _keepAlive = value;
                _stack.NoteDeadline(KeepAliveDeadline);
            }
        }

        /// <summary>TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT (Linux's defaults: 7200 s, 75 s, 9).</summary>
        public int KeepIdleSeconds
        {
            get => _keepIdle;
            set
            {
                _keepIdle = value;
                _stack.NoteDeadline(KeepAliveDeadline);
            }
        }

        public int KeepIntervalSeconds { get; set; } = 75;
        public int KeepCount { get; set; } = 9;
        /// <summary>SO_LINGER: with <see cref="LingerSeconds"/> 0, <see cref="Close"/> resets the connection.</summary>
        public bool LingerOn { get; set; }
        public int LingerSeconds { get; set; }

        /// <summary>SO_SNDBUF: the send buffer's size (clamped to 2 KiB..4 MiB; never below what is queued).</summary>
        public int SendBufferSize
        {
            get => _send != null ? _send.Capacity : _sendCapacity;
            set
            {
                _sendCapacity = Math.Max(MinBufferSize, Math.Min(MaxBufferSize, value));
                _send?.Resize(_sendCapacity);
            }
        }

        /// <summary>SO_RCVBUF: the receive buffer's size, which bounds the advertised window. Set it before connect/listen to get more than 64 KiB windows to a peer without window scaling.</summary>
        public int ReceiveBufferSize
        {
            get => _recv != null ? _recv.Capacity : _recvCapacity;
            set
            {
                _recvCapacity = Math.Max(MinBufferSize, Math.Min(MaxBufferSize, value));
                if (_recv != null && _oooCount == 0)
                    _recv.Resize(Math.Max(_recvCapacity, (int)(_rcvAdvEdge - _rcvNxt) + _recv.Count));
            }
        }

        // ---- State (getsockname, getpeername, /proc/net/tcp, TCP_INFO-like) ----

        public TcpState State => _state;
        public uint LocalAddress => _localAddress;
        public ushort LocalPort => _localPort;
        public uint RemoteAddress => _remoteAddress;
        public ushort RemotePort => _remotePort;
        public bool Bound => _bound;
        /// <summary>tx_queue: bytes not yet acknowledged (sent or not).</summary>
        public int SendQueueBytes => _send?.Count ?? 0;
        /// <summary>rx_queue: readable bytes; for a listener, connections waiting in accept's queue.</summary>
        public int ReceiveQueueBytes => _state == TcpState.Listen ? _acceptCount : _recv?.Count ?? 0;
        /// <summary>The retransmission timeout now in force (ms) and the smoothed round-trip time (ms, 0 before a sample).</summary>
        public ulong RetransmitTimeoutMs => _rto;
        public ulong SmoothedRttMs => (ulong)(_srtt8 / 8);
        /// <summary>The sender's MSS for this connection.</summary>
        public int Mss => _mss;
        /// <summary>The window the peer last advertised, scaled (bytes).</summary>
        public uint PeerWindow => _sndWnd;
        /// <summary>Sent bytes not yet acknowledged.</summary>
        public uint BytesInFlight => _sndNxt - _sndUna;
        /// <summary>The window scales in use (0 when the peer did not offer the option).</summary>
        public int SendWindowShift => _sndShift;
        public int ReceiveWindowShift => _rcvShift;
        /// <summary>RCV.NXT: the next sequence number expected from the peer.</summary>
        public uint ReceiveNext => _rcvNxt;

        /// <summary>SO_ERROR: the pending error (a positive errno, or 0), cleared by reading it.</summary>
        public int TakeError()
        {
            int e = _error;
            _error = 0;
            return e;
        }

        /// <summary>The pending error without clearing it.</summary>
        public int PendingError => _error;

        /// <summary>poll(2) readiness: a mask of <see cref="PollEvents"/> bits, as Linux's tcp_poll computes it.</summary>
        public int PollEvents()
        {
            if (_state == TcpState.Listen)
                return _acceptCount > 0 ? Tcp.PollEvents.POLLIN | Tcp.PollEvents.POLLRDNORM : 0;
            int ev = 0;
            if (_error != 0)
                ev |= Tcp.PollEvents.POLLERR;
            if (_state == TcpState.Closed || (_shutWr && (_shutRd || _finReceived)))
                ev |= Tcp.PollEvents.POLLHUP;
            if (_shutRd || _finReceived)
                ev |= Tcp.PollEvents.POLLIN | Tcp.PollEvents.POLLRDNORM | Tcp.PollEvents.POLLRDHUP;
            if (_state == TcpState.SynSent || _state == TcpState.SynReceived)
                return ev;
            if (_recv != null && _recv.Count > 0)
                ev |= Tcp.PollEvents.POLLIN | Tcp.PollEvents.POLLRDNORM;
            if (_shutWr || _send == null || _send.Free >= _send.Capacity / 3)
                ev |= Tcp.PollEvents.POLLOUT | Tcp.PollEvents.POLLWRNORM;
            return ev;
        }

        // ---- User calls ----

        /// <summary>bind(2). Port 0 picks an ephemeral port. -EINVAL when already bound, -EADDRINUSE on a conflict.</summary>
        public int Bind(uint address, ushort port)
        {
            if (_bound || _state != TcpState.Closed)
                return -Errno.EINVAL;
            if (port == 0)
            {
                port = _stack.EphemeralPort();
                if (port == 0)
                    return -Errno.EADDRINUSE;
            }
            else if (_stack.PortConflict(this, address, port, false))
                return -Errno.EADDRINUSE;
            _localAddress = address;
            _localPort = port;
            _bound = _userBound = true;
            _stack.Add(this);
            return 0;
        }

        /// <summary>listen(2). Binds an ephemeral port when unbound. The accept queue holds backlog + 1 connections, as Linux's does.</summary>
        public int Listen(int backlog)
        {
            if (_state != TcpState.Closed && _state != TcpState.Listen)
                return -Errno.EINVAL;
            if (backlog < 0 || backlog > MaxBacklog)
                backlog = MaxBacklog;
            if (!_bound)
            {
                int r = Bind(0, 0);
                if (r < 0)
                    return r;
            }
            if (_state == TcpState.Closed && _stack.PortConflict(this, _localAddress, _localPort, true))
                return -Errno.EADDRINUSE;
            if (_acceptQueue == null || _acceptQueue.Length < backlog + 1)
            {
                var queue = new TcpSocket?[backlog + 1];
                if (_acceptQueue != null)
                {
                    Array.Copy(_acceptQueue, 0, queue, 0, _acceptCount);
                    Owned.Free(_acceptQueue);
                }
                _acceptQueue = queue;
            }
            _backlog = backlog;
            _state = TcpState.Listen;
            return 0;
        }

        /// <summary>accept(2): 0 and the oldest established connection, -EAGAIN when none, -EINVAL when not listening. The caller then holds the connection.</summary>
        public int Accept(out TcpSocket? connection)
        {
            connection = null;
            if (_state != TcpState.Listen)
                return -Errno.EINVAL;
            if (_acceptCount == 0)
                return -Errno.EAGAIN;
            connection = _acceptQueue![0];
            _acceptCount--;
            Array.Copy(_acceptQueue, 1, _acceptQueue, 0, _acceptCount);
            _acceptQueue[_acceptCount] = null;
            connection!._parent = null;
            connection._queuedForAccept = false;
            return 0;
        }

        /// <summary>
        /// connect(2), always non-blocking: -EINPROGRESS once the SYN is sent. A blocking connect waits
        /// for POLLOUT or POLLERR and then returns -<see cref="TakeError"/> (0, ECONNREFUSED, ETIMEDOUT...).
        /// </summary>
        public int Connect(uint address, ushort port, ulong nowMs)
        {
            if (_state == TcpState.SynSent || _state == TcpState.SynReceived)
                return -Errno.EALREADY;
            if (_state != TcpState.Closed)
                return -Errno.EISCONN;
            if (port == 0)
                return -Errno.ECONNREFUSED;
            uint source = _stack.Ip.SourceFor(address);
            if (source == 0)
                return -Errno.ENETUNREACH;
            uint local = _bound && _localAddress != 0 ? _localAddress : source;
            if (_bound)
            {
                TcpSocket? other = _stack.FindConnection(local, _localPort, address, port);
                if (other != null && other.State == TcpState.TimeWait)
                    other.Terminate(0, nowMs);
                else if (other != null)
                    return -Errno.EADDRNOTAVAIL;
            }
            else
            {
                ushort ephemeral = _stack.EphemeralPort();
                if (ephemeral == 0)
                    return -Errno.EADDRNOTAVAIL;
                _localPort = ephemeral;
                _bound = true;
                _stack.Add(this);
            }
            _localAddress = local;
            _remoteAddress = address;
            _remotePort = port;
            _error = 0;
            ResetConnection();
            _mss = OurMss();
            _iss = _stack.Random.NextUInt32();
            _sndUna = _iss;
            _sndNxt = _sndMax = _iss + 1;
            _state = TcpState.SynSent;
            SendSyn(nowMs);
            _stack.Reap();
            return -Errno.EINPROGRESS;
        }

        /// <summary>
        /// send(2): queues bytes and sends what the windows, Nagle and the MSS allow. Returns the bytes
        /// queued, -EAGAIN when the buffer is full (or the connection is not yet established), -EPIPE
        /// after shutdown(SHUT_WR) or once the connection is gone, -ENOTCONN when never connected, or
        /// the pending error (ECONNRESET, ETIMEDOUT) once.
        /// </summary>
        public int Send(ReadOnlySpan<byte> data, ulong nowMs)
        {
            if (_error != 0)
                return -TakeError();
            if (_shutWr)
                return -Errno.EPIPE;
            switch (_state)
            {
                case TcpState.Established:
                case TcpState.CloseWait:
                    break;
                case TcpState.SynSent:
                case TcpState.SynReceived:
                    return -Errno.EAGAIN;
                case TcpState.Closed:
                    return _everConnected ? -Errno.EPIPE : -Errno.ENOTCONN;
                case TcpState.Listen:
                    return -Errno.ENOTCONN;
                default:
                    return -Errno.EPIPE;
            }
            if (data.Length == 0)
                return 0;
            int n = _send!.Append(data);
            if (n == 0)
                return -Errno.EAGAIN;
            Output(nowMs);
            _stack.Reap();
            return n;
        }

        /// <summary>
        /// recv(2): copies readable bytes (leaving them queued when <paramref name="peek"/>). Returns
        /// the count, 0 at end of stream (FIN received or SHUT_RD), -EAGAIN when nothing is readable yet,
        /// -ENOTCONN when not connected, or the pending error once (ECONNRESET...).
        /// </summary>
        public int Receive(Span<byte> buffer, bool peek, ulong nowMs)
        {
            if (_state == TcpState.Listen)
                return -Errno.ENOTCONN;
            if (_recv != null && _recv.Count > 0)
            {
                if (buffer.Length == 0)
                    return 0;
                int n = Math.Min(buffer.Length, _recv.Count);
                _recv.CopyOut(0, buffer.Slice(0, n));
                if (!peek)
                {
                    _recv.Consume(n);
                    MaybeSendWindowUpdate(nowMs);
                    _stack.Reap();
                }
                return n;
            }
            if (_error != 0)
                return -TakeError();
            if (_finReceived || _shutRd)
                return 0;
            if (_state == TcpState.Closed)
                return _everConnected ? 0 : -Errno.ENOTCONN;
            return -Errno.EAGAIN;
        }

        /// <summary>shutdown(2): SHUT_RD makes reads return 0; SHUT_WR queues a FIN after the queued data. -ENOTCONN when not connected.</summary>
        public int Shutdown(int how, ulong nowMs)
        {
            if (how < SHUT_RD || how > SHUT_RDWR)
                return -Errno.EINVAL;
            if (_state == TcpState.Closed || _state == TcpState.Listen || _state == TcpState.SynSent)
                return -Errno.ENOTCONN;
            if (how != SHUT_WR)
                _shutRd = true;
            if (how != SHUT_RD)
                QueueFin(nowMs);
            _stack.Wake(this);
            _stack.Reap();
            return 0;
        }

        /// <summary>
        /// close(2): the caller lets go of the socket. A listener resets its queued connections. A
        /// connection sends its FIN after the queued data and lingers in the stack until closed
        /// (FIN_WAIT, TIME_WAIT); with SO_LINGER 0, or unread data (RFC 2525), it is reset at once.
        /// SO_LINGER with a timeout is the caller's: wait for <see cref="SendQueueBytes"/> to reach 0 first.
        /// </summary>
        public void Close(ulong nowMs)
        {
            _userHeld = false;
            switch (_state)
            {
                case TcpState.Listen:
                    CloseListener(nowMs);
                    Terminate(0, nowMs);
                    break;
                case TcpState.Closed:
                case TcpState.SynSent:
                    Terminate(0, nowMs);
                    break;
                case TcpState.Established:
                case TcpState.CloseWait:
                case TcpState.SynReceived:
                case TcpState.FinWait1:
                case TcpState.FinWait2:
                case TcpState.Closing:
                case TcpState.LastAck:
                    if ((LingerOn && LingerSeconds == 0) || (_recv != null && _recv.Count > 0))
                        Abort(nowMs);
                    else
                    {
                        _shutRd = true;
                        QueueFin(nowMs);
                        if (_state == TcpState.FinWait2)
                            Arm(ref _stateAt, nowMs + FinWait2Ms);
                    }
                    break;
                case TcpState.TimeWait:
                    ReleaseBuffers();
                    break;
            }
            _stack.Reap();
        }

        /// <summary>Resets the connection (RST to the peer when synchronized) and closes it without reporting an error.</summary>
        public void Abort(ulong nowMs)
        {
            if (_state == TcpState.Established || _state == TcpState.CloseWait || _state == TcpState.FinWait1
                || _state == TcpState.FinWait2 || _state == TcpState.Closing || _state == TcpState.LastAck || _state == TcpState.SynReceived)
                SendReset(_sndNxt);
            Terminate(0, nowMs);
        }

        // ---- Internals ----

        internal ulong NextDeadline
        {
            get
            {
                ulong next = Math.Min(Math.Min(_rtoAt, _persistAt), Math.Min(_delAckAt, _stateAt));
                return Math.Min(next, KeepAliveDeadline);
            }
        }

        private ulong KeepAliveDeadline
        {
            get
            {
                if (!_keepAlive || (_state != TcpState.Established && _state != TcpState.CloseWait))
                    return Never;
                return _lastReceivedAt + (ulong)Math.Max(1, KeepIdleSeconds) * 1000 + (ulong)_keepProbes * (ulong)Math.Max(1, KeepIntervalSeconds) * 1000;
            }
        }

        private void Arm(ref ulong timer, ulong at)
        {
            timer = at;
            _stack.NoteDeadline(at);
        }

        private int OurMss()
        {
            int mtu = _stack.Ip.MtuFor(_remoteAddress);
            if (mtu <= 40)
                return DefaultMss;
            return Math.Min(mtu - 40, 65495);
        }

        private void ResetConnection()
        {
            _send ??= new ByteRing(_sendCapacity);
            _recv ??= new ByteRing(_recvCapacity);
            _shutRd = _shutWr = _finAcked = _finReceived = _oooFin = false;
            _oooCount = 0;
            _haveRtt = _timing = false;
            _rto = InitialRtoMs;
            _retries = 0;
            _ackNow = false;
            _ackDeferred = false;
            _bytesSinceAck = 0;
            _dupAcks = 0;
            _inRecovery = false;
            _sndWnd = 0;
            _maxSndWnd = 0;
            _windowScaling = false;
            _sndShift = _rcvShift = 0;
            _rtoAt = _persistAt = _delAckAt = _stateAt = Never;
            _persistBackoff = _keepProbes = 0;
        }

        private void QueueFin(ulong nowMs)
        {
            if (_shutWr)
                return;
            _shutWr = true;
            if (_state == TcpState.Established || _state == TcpState.SynReceived)
                _state = TcpState.FinWait1;
            else if (_state == TcpState.CloseWait)
                _state = TcpState.LastAck;
            if (_state == TcpState.FinWait1 || _state == TcpState.LastAck)
                Output(nowMs);
        }

        private void CloseListener(ulong nowMs)
        {
            for (int i = 0; i < _acceptCount; i++)
            {
                TcpSocket child = _acceptQueue![i]!;
                _acceptQueue[i] = null;
                child._parent = null;
                child._queuedForAccept = false;
                child._userHeld = false;
                child.Abort(nowMs);
            }
            _acceptCount = 0;
            for (int i = _stack.Count - 1; i >= 0; i--)
            {
                if (i >= _stack.Count)
                    continue;
                TcpSocket s = _stack.SocketAt(i);
                if (s._parent == this)
                    s.Abort(nowMs);
            }
        }

        /// <summary>Ends the connection: state CLOSED, timers off, out of the table; freed once nobody holds it.</summary>
        internal void Terminate(int error, ulong nowMs)
        {
            if (error != 0)
                _error = error;
            _state = TcpState.Closed;
            _shutRd = _shutWr = true;
            _rtoAt = _persistAt = _delAckAt = _stateAt = Never;
            if (_parent != null && !_queuedForAccept)
            {
                _parent._synCount--;
                _parent = null;
            }
            // A socket its user bound keeps its port while held (Linux's SOCK_BINDPORT_LOCK); as it is
            // CLOSED it no longer matches segments. Otherwise the port is released.
            if (_bound && !(_userBound && _userHeld))
            {
                _stack.Remove(this);
                _bound = false;
            }
            _stack.Wake(this);
            if (!_userHeld)
                _stack.Bury(this);
        }

        internal void FreeStorage()
        {
            if (_send != null)
            {
                _send.FreeStorage();
                Owned.Free(_send);
                _send = null;
            }
            if (_recv != null)
            {
                _recv.FreeStorage();
                Owned.Free(_recv);
                _recv = null;
            }
            Owned.Free(_ooo);
            _ooo = null;
            Owned.Free(_acceptQueue);
            _acceptQueue = null;
        }

        // ---- Segment arrival ----

        internal void Input(ref TcpSegment seg, uint source, uint destination, ulong nowMs)
        {
            switch (_state)
            {
                case TcpState.Listen:
                    InputListen(ref seg, source, destination, nowMs);
                    return;
                case TcpState.SynSent:
                    InputSynSent(ref seg, nowMs);
                    return;
            }
            _lastReceivedAt = nowMs;
            _keepProbes = 0;

            // SYN_RECEIVED after a simultaneous open: the peer's SYN-ACK completes the handshake.
            if (_state == TcpState.SynReceived && seg.Has(TcpFlags.SYN) && seg.Has(TcpFlags.ACK) && !seg.Has(TcpFlags.RST)
                && seg.SequenceNumber == _irs && seg.AckNumber == _iss + 1)
            {
                if (!Establish(ref seg, nowMs))
                    return;
                SendAck();
                return;
            }

            int segLen = seg.SequenceLength;
            uint seq = seg.SequenceNumber;
            uint wnd = Seq.Gt(_rcvAdvEdge, _rcvNxt) ? _rcvAdvEdge - _rcvNxt : 0;
            bool acceptable;
            if (segLen == 0)
                acceptable = wnd == 0 ? seq == _rcvNxt : Seq.Ge(seq, _rcvNxt) && Seq.Lt(seq, _rcvNxt + wnd);
            else
                acceptable = wnd != 0 && ((Seq.Ge(seq, _rcvNxt) && Seq.Lt(seq, _rcvNxt + wnd))
                    || (Seq.Ge(seq + (uint)segLen - 1, _rcvNxt) && Seq.Lt(seq + (uint)segLen - 1, _rcvNxt + wnd)));
            if (!acceptable)
            {
                if (seg.Has(TcpFlags.RST))
                    return;
                if (_state == TcpState.SynReceived && seg.Has(TcpFlags.SYN) && !seg.Has(TcpFlags.ACK) && seq == _irs)
                {
                    SendSynAck();
                    return;
                }
                if (_state == TcpState.TimeWait && seg.Has(TcpFlags.FIN))
                    Arm(ref _stateAt, nowMs + TimeWaitMs);
                SendAck();
                return;
            }

            if (seg.Has(TcpFlags.RST))
            {
                if (seq != _rcvNxt)
                {
                    SendAck(); // RFC 5961 3.2: challenge ACK for an in-window but inexact reset
                    return;
                }
                switch (_state)
                {
                    case TcpState.SynReceived:
                        Terminate(_parent != null ? 0 : Errno.ECONNREFUSED, nowMs);
                        break;
                    case TcpState.Established:
                    case TcpState.FinWait1:
                    case TcpState.FinWait2:
                    case TcpState.CloseWait:
                        Terminate(Errno.ECONNRESET, nowMs);
                        break;
                    default:
                        Terminate(0, nowMs);
                        break;
                }
                return;
            }

            if (seg.Has(TcpFlags.SYN))
            {
                SendAck(); // RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK
                return;
            }
            if (!seg.Has(TcpFlags.ACK))
                return;

            if (_state == TcpState.SynReceived)
            {
                if (!Seq.Gt(seg.AckNumber, _sndUna) || Seq.Gt(seg.AckNumber, _sndMax))
                {
                    SendReset(seg.AckNumber);
                    return;
                }
                if (!Establish(ref seg, nowMs))
                    return;
            }

            if (!ProcessAck(ref seg, nowMs))
                return;
            if (_state == TcpState.Closed)
                return;

            if (seg.Payload.Length > 0 || seg.Has(TcpFlags.FIN))
            {
                if (!_userHeld && _state is TcpState.FinWait1 or TcpState.FinWait2 && seg.Payload.Length > 0
                    && Seq.Gt(seq + (uint)seg.Payload.Length, _rcvNxt))
                {
                    // Linux: new data for a socket nobody can read any more is answered with a reset.
                    SendReset(_sndNxt);
                    Terminate(0, nowMs);
                    return;
                }
                if (_state is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
                    ProcessData(ref seg, nowMs);
                else if (_state is TcpState.CloseWait or TcpState.Closing or TcpState.LastAck or TcpState.TimeWait)
                {
                    if (_state == TcpState.TimeWait && seg.Has(TcpFlags.FIN))
                        Arm(ref _stateAt, nowMs + TimeWaitMs);
                    _ackNow = true;
                }
            }
            if (_state != TcpState.Closed)
                Output(nowMs);
        }

        private void InputListen(ref TcpSegment seg, uint source, uint destination, ulong nowMs)
        {
            if (seg.Has(TcpFlags.RST))
                return;
            if (seg.Has(TcpFlags.ACK))
            {
                _stack.Transmit(destination, source, seg.DestinationPort, seg.SourcePort, seg.AckNumber, 0, TcpFlags.RST, 0, 0, -1, null, 0, 0);
                return;
            }
            if (!seg.Has(TcpFlags.SYN) || seg.Has(TcpFlags.FIN))
                return;
            // Linux drops the SYN while the accept queue is full (no reset: the client retries).
            if (_acceptCount > _backlog || _acceptCount >= _acceptQueue!.Length || _synCount >= Math.Max(_backlog, 16))
                return;
            var child = new TcpSocket(_stack)
            {
                _parent = this,
                _userHeld = false,
                _sendCapacity = _sendCapacity,
                _recvCapacity = _recvCapacity,
                NoDelay = NoDelay,
                ReuseAddress = ReuseAddress,
                KeepAlive = KeepAlive,
                KeepIdleSeconds = KeepIdleSeconds,
                KeepIntervalSeconds = KeepIntervalSeconds,
                KeepCount = KeepCount,
                LingerOn = LingerOn,
                LingerSeconds = LingerSeconds,
            };
            child._localAddress = destination;
            child._localPort = _localPort;
            child._remoteAddress = source;
            child._remotePort = seg.SourcePort;
            child._bound = true;
            child.ResetConnection();
            child._mss = child.OurMss();
            child.TakeSynOptions(ref seg);
            child._irs = seg.SequenceNumber;
            child._rcvNxt = seg.SequenceNumber + 1;
            child._rcvAdvEdge = child._rcvNxt + (uint)Math.Min(child.ReceiveBufferSize, 65535);
            child._iss = _stack.Random.NextUInt32();
            child._sndUna = child._iss;
            child._sndNxt = child._sndMax = child._iss + 1;
            child._sndWnd = seg.Window;
            child._lastReceivedAt = nowMs;
            child._state = TcpState.SynReceived;
            _synCount++;
            _stack.Add(child);
            child.SendSynAck();
            child._timing = true; // the handshake gives the first RTT sample
            child._timedAt = nowMs;
            child.Arm(ref child._rtoAt, nowMs + child._rto);
        }

        private void TakeSynOptions(ref TcpSegment seg)
        {
            if (seg.MssOption > 0)
                _mss = Math.Min(_mss, Math.Max(seg.MssOption, 64));
            else
                _mss = Math.Min(_mss, DefaultMss);
            _windowScaling = seg.WindowScaleOption >= 0;
            _sndShift = _windowScaling ? seg.WindowScaleOption : 0;
            _rcvShift = _windowScaling ? WindowShift : 0;
        }

        private void InputSynSent(ref TcpSegment seg, ulong nowMs)
        {
            bool hasAck = seg.Has(TcpFlags.ACK);
            if (hasAck && (Seq.Le(seg.AckNumber, _iss) || Seq.Gt(seg.AckNumber, _sndNxt)))
            {
                if (!seg.Has(TcpFlags.RST))
                    SendReset(seg.AckNumber);
                return;
            }
            if (seg.Has(TcpFlags.RST))
            {
                if (hasAck)
                    Terminate(Errno.ECONNREFUSED, nowMs);
                return;
            }
            if (!seg.Has(TcpFlags.SYN))
                return;
            _lastReceivedAt = nowMs;
            _irs = seg.SequenceNumber;
            _rcvNxt = _irs + 1;
            _rcvAdvEdge = _rcvNxt + (uint)Math.Min(ReceiveBufferSize, 65535);
            TakeSynOptions(ref seg);
            if (hasAck)
            {
                if (!Establish(ref seg, nowMs))
                    return;
                SendAck();
                _stack.Wake(this);
                Output(nowMs);
            }
            else
            {
                // Simultaneous open (RFC 9293 3.5, figure 8).
                _state = TcpState.SynReceived;
                _sndWnd = seg.Window;
                SendSynAck();
            }
        }

        /// <summary>SYN_SENT or SYN_RECEIVED to ESTABLISHED on an acceptable ACK of our SYN. False when a passive child must wait because its listener's accept queue is full (Linux drops the ACK).</summary>
        private bool Establish(ref TcpSegment seg, ulong nowMs)
        {
            if (_parent != null)
            {
                TcpSocket listener = _parent;
                if (listener._acceptCount > listener._backlog || listener._acceptCount >= listener._acceptQueue!.Length)
                    return false;
                listener._acceptQueue[listener._acceptCount++] = this;
                listener._synCount--;
                _queuedForAccept = true;
                _userHeld = true;
                _stack.Wake(listener);
            }
            if (_timing && _retries == 0)
                RttSample(nowMs - _timedAt);
            _timing = false;
            _sndUna = _iss + 1;
            if (Seq.Lt(_sndNxt, _sndUna))
                _sndNxt = _sndUna;
            _sndWnd = (uint)seg.Window << (seg.Has(TcpFlags.SYN) ? 0 : _sndShift);
            _maxSndWnd = _sndWnd;
            _sndWl1 = seg.SequenceNumber;
            _sndWl2 = seg.AckNumber;
            _cwnd = (uint)(10 * _mss);
            _ssthresh = uint.MaxValue / 2;
            _retries = 0;
            _rtoAt = Never;
            _state = TcpState.Established;
            _everConnected = true;
            _lastReceivedAt = nowMs;
            _stack.NoteDeadline(KeepAliveDeadline);
            _stack.Wake(this);
            return true;
        }

        /// <summary>The ACK field of a synchronized segment. False when the segment must be dropped.</summary>
        private bool ProcessAck(ref TcpSegment seg, ulong nowMs)
        {
            uint ack = seg.AckNumber;
            if (Seq.Gt(ack, _sndMax))
            {
                SendAck();
                return false;
            }
            uint window = (uint)seg.Window << _sndShift;
            if (Seq.Gt(ack, _sndUna))
            {
                uint acked = ack - _sndUna;
                int dataAcked = (int)Math.Min(acked, (uint)_send!.Count);
                _send.Consume(dataAcked);
                if (acked > (uint)dataAcked)
                    _finAcked = true;
                _sndUna = ack;
                if (Seq.Lt(_sndNxt, _sndUna))
                    _sndNxt = _sndUna;
                if (_timing && Seq.Gt(ack, _timedSeq))
                {
                    RttSample(nowMs - _timedAt);
                    _timing = false;
                }
                _retries = 0;
                _dupAcks = 0;
                if (_inRecovery)
                {
                    if (Seq.Ge(ack, _recover))
                    {
                        _inRecovery = false;
                        _cwnd = _ssthresh;
                    }
                    else
                    {
                        // NewReno partial ACK: the next hole is lost too.
                        RetransmitFirst();
                        _cwnd = _cwnd > acked ? _cwnd - acked + (uint)_mss : (uint)_mss;
                    }
                }
                else if (_cwnd < _ssthresh)
                    _cwnd += Math.Min(acked, (uint)_mss);
                else
                    _cwnd += Math.Max(1u, (uint)_mss * (uint)_mss / _cwnd);
                if (_cwnd > (1u << 30))
                    _cwnd = 1u << 30;
                if (_sndNxt == _sndUna)
                    _rtoAt = Never;
                else
                    Arm(ref _rtoAt, nowMs + _rto);
                _stack.Wake(this);
            }
            else if (ack == _sndUna && seg.Payload.Length == 0 && !seg.Has(TcpFlags.FIN) && window == _sndWnd && _sndNxt != _sndUna)
            {
                _dupAcks++;
                if (_dupAcks == 3 && !_inRecovery)
                {
                    uint flight = _sndNxt - _sndUna;
                    _ssthresh = Math.Max(flight / 2, (uint)(2 * _mss));
                    _recover = _sndMax;
                    _inRecovery = true;
                    RetransmitFirst();
                    _cwnd = _ssthresh + (uint)(3 * _mss);
                }
                else if (_dupAcks > 3 && _inRecovery)
                    _cwnd += (uint)_mss;
            }

            if (Seq.Lt(_sndWl1, seg.SequenceNumber) || (_sndWl1 == seg.SequenceNumber && Seq.Le(_sndWl2, ack)))
            {
                bool opened = _sndWnd == 0 && window != 0;
                _sndWnd = window;
                _sndWl1 = seg.SequenceNumber;
                _sndWl2 = ack;
                if (window > _maxSndWnd)
                    _maxSndWnd = window;
                if (opened || window != 0)
                {
                    _persistAt = Never;
                    _persistBackoff = 0;
                }
            }

            if (_finAcked)
            {
                switch (_state)
                {
                    case TcpState.FinWait1:
                        _state = TcpState.FinWait2;
                        if (!_userHeld)
                            Arm(ref _stateAt, nowMs + FinWait2Ms);
                        _stack.Wake(this);
                        break;
                    case TcpState.Closing:
                        EnterTimeWait(nowMs);
                        break;
                    case TcpState.LastAck:
                        Terminate(0, nowMs);
                        return false;
                }
            }
            return true;
        }

        private void ProcessData(ref TcpSegment seg, ulong nowMs)
        {
            uint seq = seg.SequenceNumber;
            ReadOnlySpan<byte> data = seg.Payload;
            bool fin = seg.Has(TcpFlags.FIN);
            if (Seq.Lt(seq, _rcvNxt))
            {
                uint skip = _rcvNxt - seq;
                if (skip > (uint)data.Length)
                {
                    data = ReadOnlySpan<byte>.Empty;
                    seq = _rcvNxt;
                    if (skip > (uint)seg.Payload.Length + 1)
                        fin = false;
                    else if (skip == (uint)seg.Payload.Length + 1)
                        fin = false;
                }
                else
                {
                    data = data.Slice((int)skip);
                    seq = _rcvNxt;
                }
            }
            int offset = (int)(seq - _rcvNxt);
            int room = _recv!.Capacity - _recv.Count - offset;
            if (room < 0)
                room = 0;
            if (data.Length > room)
            {
                data = data.Slice(0, room);
                fin = false;
            }
            if (offset == 0)
            {
                bool hadHoles = _oooCount > 0;
                if (data.Length > 0)
                {
                    _recv.WriteAt(_recv.Count, data);
                    _recv.Extend(data.Length);
                    _rcvNxt += (uint)data.Length;
                    _bytesSinceAck += data.Length;
                    MergeOutOfOrder();
                    _stack.Wake(this);
                }
                if (fin)
                    ReceiveFin(nowMs);
                else if (_oooFin && _oooFinSeq == _rcvNxt)
                    ReceiveFin(nowMs);
                if (hadHoles)
                    _ackNow = true;
                else if (_bytesSinceAck >= 2 * _mss)
                {
                    // In a batch of frames from the card, one ACK at its end covers them all, as Linux's GRO
                    // makes one ACK per aggregate; elsewhere, at once.
                    if (_stack.Batching)
                        _ackDeferred = true;
                    else
                        _ackNow = true;
                }
                else if (data.Length > 0 && _delAckAt == Never)
                    Arm(ref _delAckAt, nowMs + DelayedAckMs);
            }
            else
            {
                if (data.Length > 0)
                {
                    _recv.WriteAt(_recv.Count + offset, data);
                    AddOutOfOrder(seq, seq + (uint)data.Length);
                }
                if (fin)
                {
                    _oooFin = true;
                    _oooFinSeq = seq + (uint)data.Length;
                }
                _ackNow = true; // a duplicate ACK tells the sender about the hole
            }
        }

        private void ReceiveFin(ulong nowMs)
        {
            if (_finReceived)
                return;
            _finReceived = true;
            _oooFin = false;
            _rcvNxt++;
            _ackNow = true;
            switch (_state)
            {
                case TcpState.Established:
                    _state = TcpState.CloseWait;
                    break;
                case TcpState.FinWait1:
                    _state = TcpState.Closing;
                    break;
                case TcpState.FinWait2:
                    EnterTimeWait(nowMs);
                    break;
            }
            _stack.Wake(this);
        }

        private void EnterTimeWait(ulong nowMs)
        {
            _state = TcpState.TimeWait;
            _rtoAt = _persistAt = _delAckAt = Never;
            Arm(ref _stateAt, nowMs + TimeWaitMs);
            if (!_userHeld)
                ReleaseBuffers();
            _stack.Wake(this);
        }

        /// <summary>
        /// A closed connection in TIME_WAIT neither sends data nor keeps any: its rings shrink to what they
        /// hold (nothing), so that a TIME_WAIT socket costs little more than its object (Linux keeps a small
        /// tcp_timewait_sock for the same reason).
        /// </summary>
        private void ReleaseBuffers()
        {
            _send?.Resize(_send.Count);
            _recv?.Resize(_recv.Count);
            Owned.Free(_ooo);
            _ooo = null;
            _oooCount = 0;
        }

        private void AddOutOfOrder(uint start, uint end)
        {
            _ooo ??= new uint[2 * MaxOutOfOrderRanges];
            for (int i = 0; i < _oooCount; i++)
            {
                uint s = _ooo[2 * i], e = _ooo[2 * i + 1];
                if (Seq.Le(start, e) && Seq.Ge(end, s))
                {
                    _ooo[2 * i] = Seq.Lt(start, s) ? start : s;
                    _ooo[2 * i + 1] = Seq.Max(end, e);
                    CoalesceOutOfOrder();
                    return;
                }
            }
            if (_oooCount == MaxOutOfOrderRanges)
                return; // bounded: the data is dropped and retransmitted later
            _ooo[2 * _oooCount] = start;
            _ooo[2 * _oooCount + 1] = end;
            _oooCount++;
        }

        private void CoalesceOutOfOrder()
        {
            for (int i = 0; i < _oooCount; i++)
            {
                for (int j = i + 1; j < _oooCount; j++)
                {
                    if (Seq.Le(_ooo![2 * i], _ooo[2 * j + 1]) && Seq.Ge(_ooo[2 * i + 1], _ooo[2 * j]))
                    {
                        _ooo[2 * i] = Seq.Lt(_ooo[2 * i], _ooo[2 * j]) ? _ooo[2 * i] : _ooo[2 * j];
                        _ooo[2 * i + 1] = Seq.Max(_ooo[2 * i + 1], _ooo[2 * j + 1]);
                        RemoveOutOfOrder(j);
                        j = i;
                    }
                }
            }
        }

        private void RemoveOutOfOrder(int i)
        {
            _oooCount--;
            _ooo![2 * i] = _ooo[2 * _oooCount];
            _ooo[2 * i + 1] = _ooo[2 * _oooCount + 1];
        }

        private void MergeOutOfOrder()
        {
            bool merged = true;
            while (merged)
            {
                merged = false;
                for (int i = 0; i < _oooCount; i++)
                {
                    uint s = _ooo![2 * i], e = _ooo[2 * i + 1];
                    if (Seq.Le(s, _rcvNxt))
                    {
                        if (Seq.Gt(e, _rcvNxt))
                        {
                            int more = (int)(e - _rcvNxt);
                            _recv!.Extend(more);
                            _rcvNxt = e;
                        }
                        RemoveOutOfOrder(i);
                        merged = true;
                        break;
                    }
                }
            }
        }

        // ---- Sending ----

        /// <summary>Sends what may be sent now: new data (windows, Nagle, sender SWS avoidance), a FIN, a due ACK; arms the persist timer on a zero window.</summary>
        private void Output(ulong nowMs)
        {
            bool synchronized = _state is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck;
            bool sent = false;
            while (synchronized)
            {
                int count = _send!.Count;
                int offset = (int)(_sndNxt - _sndUna);
                int unsent = count - offset;
                if (unsent < 0)
                    unsent = 0;
                uint flight = _sndNxt - _sndUna;
                uint wnd = Math.Min(_sndWnd, _cwnd);
                int usable = wnd > flight ? (int)Math.Min(wnd - flight, 1u << 30) : 0;
                int len = Math.Min(Math.Min(unsent, _mss), usable);
                bool finPending = _shutWr && !_finAcked && offset <= count;
                bool fin = finPending && len == unsent;
                if (len == 0 && !fin)
                    break;
                if (len > 0 && len < _mss && !fin)
                {
                    if (len == unsent)
                    {
                        if (!NoDelay && flight > 0)
                            break; // Nagle: wait for the outstanding data's ACK
                    }
                    else if (len < _maxSndWnd / 2)
                        break; // sender silly window avoidance
                }
                SendData(_sndNxt, offset, len, fin, nowMs);
                sent = true;
                if (fin)
                    break;
            }
            if (synchronized && _send!.Count > (int)(_sndNxt - _sndUna) && _sndNxt == _sndUna && _persistAt == Never)
                Arm(ref _persistAt, nowMs + PersistInterval());
            if (_ackNow && !sent)
                SendAck();
        }

        /// <summary>At the end of a receive batch: the ACK held for it, unless a segment sent since carried it.</summary>
        internal void FlushDeferredAck()
        {
            if (!_ackDeferred)
                return;
            _ackDeferred = false;
            if (_state is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2 or TcpState.CloseWait or TcpState.Closing or TcpState.LastAck)
                SendAck();
        }

        private ulong PersistInterval() => Math.Min(Math.Max(_rto, MinRtoMs) << Math.Min(_persistBackoff, 10), MaxRtoMs);

        private void SendData(uint seq, int offset, int len, bool fin, ulong nowMs)
        {
            byte flags = (byte)(TcpFlags.ACK | (fin ? TcpFlags.FIN : 0) | (len > 0 && offset + len == _send!.Count ? TcpFlags.PSH : 0));
            SendSegment(seq, flags, offset, len);
            uint end = seq + (uint)len + (fin ? 1u : 0u);
            if (seq == _sndNxt)
            {
                if (!_timing && seq == _sndMax)
                {
                    _timing = true;
                    _timedSeq = seq;
                    _timedAt = nowMs;
                }
                _sndNxt = end;
                if (Seq.Gt(_sndNxt, _sndMax))
                    _sndMax = _sndNxt;
            }
            if (_rtoAt == Never)
                Arm(ref _rtoAt, nowMs + _rto);
        }

        /// <summary>Retransmits one segment at SND.UNA (fast retransmit, partial ACKs, timeouts), window or not.</summary>
        private void RetransmitFirst()
        {
            int len = Math.Min(_send!.Count, _mss);
            bool fin = _shutWr && !_finAcked && len == _send.Count && Seq.Gt(_sndMax, _sndUna + (uint)len);
            if (len == 0 && !fin)
                return;
            _timing = false; // Karn: no RTT sample from a retransmitted segment
            byte flags = (byte)(TcpFlags.ACK | (fin ? TcpFlags.FIN : 0));
            SendSegment(_sndUna, flags, 0, len);
            uint end = _sndUna + (uint)len + (fin ? 1u : 0u);
            if (Seq.Lt(_sndNxt, end))
                _sndNxt = end;
        }

        private void SendSegment(uint seq, byte flags, int offset, int len)
        {
            ushort window = (flags & TcpFlags.SYN) != 0 ? (ushort)Math.Min(ReceiveBufferSize, 65535) : WindowField();
            int mss = (flags & TcpFlags.SYN) != 0 ? OurMss() : 0;
            int ws = (flags & TcpFlags.SYN) != 0 && (_state == TcpState.SynSent || _windowScaling) ? WindowShift : -1;
            _stack.Transmit(_localAddress, _remoteAddress, _localPort, _remotePort, seq, (flags & TcpFlags.ACK) != 0 ? _rcvNxt : 0,
                flags, window, mss, ws, len > 0 ? _send : null, offset, len);
            if ((flags & TcpFlags.ACK) != 0)
            {
                _ackNow = false;
                _ackDeferred = false;
                _delAckAt = Never;
                _bytesSinceAck = 0;
            }
        }

        /// <summary>The window field for a non-SYN segment: free receive space, never moving the right edge back, and not forward by less than an MSS or half the buffer (receiver SWS avoidance).</summary>
        private ushort WindowField()
        {
            if (_recv == null)
                return 0;
            uint current = Seq.Gt(_rcvAdvEdge, _rcvNxt) ? _rcvAdvEdge - _rcvNxt : 0;
            uint free = (uint)(_recv.Capacity - _recv.Count);
            // Like Linux, less than an MSS of space is advertised as a zero window (receiver SWS avoidance);
            // the MSS counted is at most half the buffer (Linux clamps it to the space), or a buffer smaller
            // than the MSS (SO_RCVBUF 4096 on loopback's 65,496) would never open its window.
            uint mss = ReceiveMss;
            uint win = free < mss ? 0 : free;
            if (win > current && win - current < mss)
                win = current;
            if (win < current)
                win = current;
            uint field = win >> _rcvShift;
            if (field > 65535)
                field = 65535;
            uint edge = _rcvNxt + (field << _rcvShift);
            if (Seq.Gt(edge, _rcvAdvEdge))
                _rcvAdvEdge = edge;
            return (ushort)field;
        }

        private void MaybeSendWindowUpdate(ulong nowMs)
        {
            if (_state is not (TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2) || _finReceived)
                return;
            uint current = Seq.Gt(_rcvAdvEdge, _rcvNxt) ? _rcvAdvEdge - _rcvNxt : 0;
            uint free = (uint)(_recv!.Capacity - _recv.Count);
            if (free >= 2 * current && free - current >= ReceiveMss)
                SendAck();
        }

        /// <summary>The segment size the receive window is counted in: the MSS, at most half the receive buffer.</summary>
        private uint ReceiveMss => Math.Max(1u, Math.Min((uint)_mss, (uint)_recv!.Capacity / 2));

        private void SendSyn(ulong nowMs)
        {
            SendSegment(_iss, TcpFlags.SYN, 0, 0);
            if (_retries == 0)
            {
                _timing = true;
                _timedAt = nowMs;
            }
            Arm(ref _rtoAt, nowMs + _rto);
        }

        private void SendSynAck()
        {
            SendSegment(_iss, TcpFlags.SYN | TcpFlags.ACK, 0, 0);
        }

        // SND.MAX, not SND.NXT: after a timeout rolls SND.NXT back, the peer has seen sequence numbers up
        // to SND.MAX, and an ACK below them would fail its acceptability test (Linux never rolls back).
        private void SendAck() => SendSegment(_sndMax, TcpFlags.ACK, 0, 0);

        private void SendReset(uint seq)
        {
            _stack.Transmit(_localAddress, _remoteAddress, _localPort, _remotePort, seq, 0, TcpFlags.RST, 0, 0, -1, null, 0, 0);
        }

        // ---- Timers ----

        private void RttSample(ulong sampleMs)
        {
            long r = (long)Math.Min(sampleMs, 60000UL);
            if (!_haveRtt)
            {
                _srtt8 = r * 8;
                _rttvar4 = r * 2;
                _haveRtt = true;
            }
            else
            {
                long delta = r - _srtt8 / 8;
                _rttvar4 += Math.Abs(delta) - _rttvar4 / 4;
                _srtt8 += delta;
            }
            long rto = _srtt8 / 8 + Math.Max(1, _rttvar4);
            _rto = (ulong)Math.Max((long)MinRtoMs, Math.Min((long)MaxRtoMs, rto));
        }

        internal void OnTimer(ulong nowMs)
        {
            if (_stateAt <= nowMs)
            {
                _stateAt = Never;
                if (_state is TcpState.TimeWait or TcpState.FinWait2)
                {
                    Terminate(0, nowMs);
                    return;
                }
            }
            if (_rtoAt <= nowMs)
            {
                _rtoAt = Never;
                RetransmitTimeout(nowMs);
                if (_state == TcpState.Closed)
                    return;
            }
            if (_persistAt <= nowMs)
            {
                _persistAt = Never;
                int unsent = _send != null ? _send.Count - (int)(_sndNxt - _sndUna) : 0;
                if (_sndWnd != 0 && unsent > 0 && _sndNxt == _sndUna)
                {
                    // A window too small for the sender's silly-window rule: send what fits rather than wait forever.
                    SendData(_sndNxt, 0, (int)Math.Min((uint)Math.Min(unsent, _mss), _sndWnd), false, nowMs);
                }
                else if (_sndWnd == 0 && unsent > 0 && _sndNxt == _sndUna)
                {
                    // Zero-window probe: an old sequence number makes the peer answer with its window.
                    SendSegment(_sndUna - 1, TcpFlags.ACK, 0, 0);
                    _persistBackoff++;
                    Arm(ref _persistAt, nowMs + PersistInterval());
                }
            }
            if (_delAckAt <= nowMs)
            {
                _delAckAt = Never;
                if (_state is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
                    SendAck();
            }
            if (KeepAliveDeadline <= nowMs)
            {
                if (_sndNxt != _sndUna)
                {
                    _lastReceivedAt = nowMs; // the retransmission timer watches a connection with data in flight
                    _keepProbes = 0;
                }
                else if (_keepProbes >= KeepCount)
                {
                    SendReset(_sndNxt);
                    Terminate(Errno.ETIMEDOUT, nowMs);
                    return;
                }
                else
                {
                    SendSegment(_sndUna - 1, TcpFlags.ACK, 0, 0);
                    _keepProbes++;
                    _stack.NoteDeadline(KeepAliveDeadline);
                }
            }
        }

        private void RetransmitTimeout(ulong nowMs)
        {
            _retries++;
            _timing = false;
            _rto = Math.Min(_rto * 2, MaxRtoMs);
            switch (_state)
            {
                case TcpState.SynSent:
                    if (_retries > SynRetries)
                    {
                        Terminate(Errno.ETIMEDOUT, nowMs);
                        return;
                    }
                    SendSyn(nowMs);
                    return;
                case TcpState.SynReceived:
                    if (_retries > SynAckRetries)
                    {
                        Terminate(Errno.ETIMEDOUT, nowMs);
                        return;
                    }
                    SendSynAck();
                    Arm(ref _rtoAt, nowMs + _rto);
                    return;
            }
            if (_sndNxt == _sndUna)
                return;
            if (_retries > DataRetries)
            {
                SendReset(_sndNxt);
                Terminate(Errno.ETIMEDOUT, nowMs);
                return;
            }
            uint flight = _sndNxt - _sndUna;
            _ssthresh = Math.Max(flight / 2, (uint)(2 * _mss));
            _cwnd = (uint)_mss;
            _inRecovery = false;
            _dupAcks = 0;
            _sndNxt = _sndUna; // go back N: resend from the first unacknowledged byte
            RetransmitFirst();
            Arm(ref _rtoAt, nowMs + _rto);
        }
    }
}
