using System;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Fs;
using Kernel.Logic.Net;
using Kernel.Processes;
using Kernel.Threading;

namespace Kernel.Net
{
    /// <summary>
    /// An AF_UNIX socket: SOCK_STREAM (a byte stream), SOCK_DGRAM (datagrams, connected or addressed
    /// per send) and SOCK_SEQPACKET (a connection keeping message boundaries). Each socket owns its
    /// receive queue; a sender puts messages straight into the receiver's queue, bounded by the
    /// sender's SO_SNDBUF (and, for datagrams to a socket not connected back, Linux's queue length of
    /// 10). A stream connection is made at once: connect creates the server side and queues it on the
    /// listener for accept. Closing a socket tells its peer (end of file, EPIPE, ECONNRESET when data
    /// was left unread) and drops what its queue holds, passed descriptors included.
    /// A socket a sender is waiting on is held (<see cref="Hold"/>): closed, it is marked so and freed
    /// when the last holder lets go.
    /// </summary>
    public sealed unsafe class UnixSocket : Socket
    {
        /// <summary>net.unix.max_dgram_qlen.</summary>
        private const int MaxDatagramQueue = 10;
        /// <summary>What a datagram costs against the sender's buffer beyond its bytes (Linux counts the sk_buff's truesize).</summary>
        private const int DatagramOverhead = 512;
        /// <summary>The largest piece one stream send queues as one message.</summary>
        private const int StreamChunk = 65536;
        /// <summary>net.core.somaxconn: the largest listen backlog.</summary>
        private const int SomaxConn = 4096;

        private const int StateUnconnected = 0, StateConnected = 1;

        private static UnixSocket? s_all;
        private UnixSocket? _nextAll, _previousAll;

        private readonly bool _boundaries, _connectionOriented;
        private int _state;
        private UnixSocket? _peer;
        /// <summary>A connected datagram socket whose peer closed: the next send says ECONNREFUSED.</summary>
        private bool _peerGone;
        /// <summary>The server side of a connection not accepted yet.</summary>
        private bool _embryo;
        private readonly MessageQueue _queue = new MessageQueue();

        private UnixSocket? _pendingFirst, _pendingLast, _nextPending;
        private int _pendingCount, _backlog;
        private int _listenPid;
        private uint _listenUid, _listenGid;

        private byte[]? _address;
        private int _addressLength;
        private Inode? _node;
        private byte[]? _peerAddress;
        private int _peerAddressLength;

        private bool _closed;
        private int _holds;

        private UnixSocket(int type, int protocol, int flags) : base(SocketConstants.AF_UNIX, type, protocol, flags)
        {
            _boundaries = type != SocketConstants.SOCK_STREAM;
            _connectionOriented = type != SocketConstants.SOCK_DGRAM;
            _nextAll = s_all;
            if (s_all != null)
                s_all._previousAll = this;
            s_all = this;
        }

        /// <summary>The family's constructor (<see cref="SocketFamilies"/>): SOCK_RAW means SOCK_DGRAM, as on Linux.</summary>
        public static int Create(int type, int protocol, int flags, out Socket? socket)
        {
            socket = null;
            if (protocol != 0 && protocol != SocketConstants.AF_UNIX)
                return -Errno.EPROTONOSUPPORT;
            if (type == SocketConstants.SOCK_RAW)
                type = SocketConstants.SOCK_DGRAM;
            if (type != SocketConstants.SOCK_STREAM && type != SocketConstants.SOCK_DGRAM && type != SocketConstants.SOCK_SEQPACKET)
                return -Errno.ESOCKTNOSUPPORT;
            socket = new UnixSocket(type, 0, flags);
            return 0;
        }

        /// <summary>socketpair(2): two sockets connected to each other, each with the caller's credentials as its peer's.</summary>
        public static int CreatePair(int type, int protocol, int flags, out Socket? first, out Socket? second)
        {
            first = second = null;
            int r = Create(type, protocol, flags, out Socket? a);
            if (r < 0)
                return r;
            Create(type, protocol, flags, out Socket? b);
            var x = (UnixSocket)a!;
            var y = (UnixSocket)b!;
            x.ConnectTo(y);
            y.ConnectTo(x);
            first = x;
            second = y;
            return 0;
        }

        private void ConnectTo(UnixSocket peer)
        {
            _peer = peer;
            _state = StateConnected;
            SetPeerCredentialsFromCaller();
        }

        private void SetPeerCredentialsFromCaller()
        {
            Process? p = Scheduler.Current.Process;
            HasPeerCredentials = true;
            PeerPid = p != null ? p.Pid : 0;
            PeerUid = p != null ? p.Euid : 0;
            PeerGid = p != null ? p.Egid : 0;
        }

        public void Hold() => _holds++;

        public void Unhold()
        {
            if (--_holds == 0 && _closed)
                FreeNow();
        }

        // ---- names ------------------------------------------------------------------------------------

        public override int Bind(ReadOnlySpan<byte> address)
        {
            int kind = UnixAddress.Parse(address, out int start, out int length);
            if (kind < 0)
                return kind;
            if (_address != null)
            {
                // Linux makes a path's node before it looks at the socket: a taken path is EADDRINUSE even then.
                if (kind == UnixAddress.Path)
                {
                    FsContext fs = Scheduler.Current.Process!.Fs!;
                    if (Vfs.Resolve(fs.Root, fs.Cwd, address.Slice(start, length), Vfs.NoFollow, out _) == 0)
                        return -Errno.EADDRINUSE;
                }
                return -Errno.EINVAL;
            }
            Span<byte> formatted = stackalloc byte[UnixAddress.MaxLength + 1];
            int n;
            if (kind == UnixAddress.Unnamed)
            {
                Span<byte> name = stackalloc byte[5];
                UnixNames.NextAutobindName(name);
                UnixNames.BindAbstract(name, this);
                n = UnixAddress.Format(formatted, UnixAddress.Abstract, name);
            }
            else if (kind == UnixAddress.Abstract)
            {
                int r = UnixNames.BindAbstract(address.Slice(start, length), this);
                if (r < 0)
                    return r;
                n = UnixAddress.Format(formatted, kind, address.Slice(start, length));
            }
            else
            {
                int r = CreateSocketNode(address.Slice(start, length), out Inode? node);
                if (r < 0)
                    return r;
                node!.Acquire();
                _node = node;
                UnixNames.BindPath(node, this);
                n = UnixAddress.Format(formatted, kind, address.Slice(start, length));
            }
            _address = new byte[n];
            formatted.Slice(0, n).CopyTo(_address);
            _addressLength = n;
            return 0;
        }

        /// <summary>The socket inode bind makes (mode 0777 less the umask); an existing name is EADDRINUSE.</summary>
        private static int CreateSocketNode(ReadOnlySpan<byte> path, out Inode? node)
        {
            node = null;
            Process p = Scheduler.Current.Process!;
            FsContext fs = p.Fs!;
            if (p.Euid != 0 && Vfs.ResolveParent(fs.Root, fs.Cwd, path, out Inode? dir, out _, out _) == 0
                && !Permissions.MayAccess(dir!, p, Permissions.Write | Permissions.Search))
                return -Errno.EACCES;
            int r = Vfs.Mknod(fs.Root, fs.Cwd, path, InodeMode.S_IFSOCK | (0x1FF & ~p.Umask), 0, p.Euid, p.Egid, out node);
            return r == -Errno.EEXIST ? -Errno.EADDRINUSE : r;
        }

        /// <summary>The socket bound to <paramref name="address"/> (connect, sendto): ENOENT, EACCES or ECONNREFUSED as Linux, EPROTOTYPE for another type.</summary>
        private int FindTarget(ReadOnlySpan<byte> address, out UnixSocket? target)
        {
            target = null;
            int kind = UnixAddress.Parse(address, out int start, out int length);
            if (kind < 0)
                return kind;
            if (kind == UnixAddress.Unnamed)
                return -Errno.EINVAL;
            if (kind == UnixAddress.Abstract)
            {
                target = UnixNames.FindAbstract(address.Slice(start, length));
            }
            else
            {
                Process p = Scheduler.Current.Process!;
                FsContext fs = p.Fs!;
                int r = Vfs.Resolve(fs.Root, fs.Cwd, address.Slice(start, length), 0, out Inode? node);
                if (r < 0)
                    return r;
                if (node!.Type != InodeMode.S_IFSOCK)
                    return -Errno.ECONNREFUSED;
                if (p.Euid != 0 && !Permissions.MayAccess(node, p, Permissions.Write))
                    return -Errno.EACCES;
                target = UnixNames.FindPath(node);
            }
            if (target == null || target._closed)
            {
                target = null;
                return -Errno.ECONNREFUSED;
            }
            if (target.Type != Type)
            {
                target = null;
                return -Errno.EPROTOTYPE;
            }
            return 0;
        }

        public override int LocalName(Span<byte> address)
        {
            if (_address == null)
                return UnixAddress.Format(address, UnixAddress.Unnamed, default);
            new ReadOnlySpan<byte>(_address, 0, _addressLength).CopyTo(address);
            return _addressLength;
        }

        public override int PeerName(Span<byte> address)
        {
            if (_state != StateConnected)
                return -Errno.ENOTCONN;
            if (_peerAddress == null)
                return UnixAddress.Format(address, UnixAddress.Unnamed, default);
            new ReadOnlySpan<byte>(_peerAddress, 0, _peerAddressLength).CopyTo(address);
            return _peerAddressLength;
        }

        private byte[]? CopyAddress(out int length)
        {
            length = _addressLength;
            if (_address == null)
                return null;
            byte[] copy = new byte[_addressLength];
            new ReadOnlySpan<byte>(_address, 0, _addressLength).CopyTo(copy);
            return copy;
        }

        // ---- connections -------------------------------------------------------------------------------

        public override int Listen(int backlog)
        {
            if (!_connectionOriented)
                return -Errno.EOPNOTSUPP;
            if (_address == null || _state == StateConnected)
                return -Errno.EINVAL;
            _backlog = (uint)backlog > SomaxConn ? SomaxConn : backlog;
            if (!Listening)
            {
                Process? p = Scheduler.Current.Process;
                _listenPid = p != null ? p.Pid : 0;
                _listenUid = p != null ? p.Euid : 0;
                _listenGid = p != null ? p.Egid : 0;
            }
            Listening = true;
            Changed();
            return 0;
        }

        public override int Connect(ReadOnlySpan<byte> address)
        {
            if (address.Length >= 2 && (address[0] | address[1] << 8) == SocketConstants.AF_UNSPEC && !_connectionOriented)
            {
                Disconnect();
                return 0;
            }
            if (Listening)
                return -Errno.EINVAL;
            if (_connectionOriented && _state == StateConnected)
                return -Errno.EISCONN;
            int r = FindTarget(address, out UnixSocket? target);
            if (r < 0)
                return r;
            if (!_connectionOriented)
            {
                _peer = target;
                _peerGone = false;
                _state = StateConnected;
                Owned.Free(_peerAddress);
                _peerAddress = target!.CopyAddress(out _peerAddressLength);
                return 0;
            }
            return ConnectStream(target!);
        }

        private void Disconnect()
        {
            _peer = null;
            _peerGone = false;
            _state = StateUnconnected;
            Owned.Free(_peerAddress);
            _peerAddress = null;
        }

        /// <summary>A stream or seqpacket connection: made at once while the listener's backlog has room (else wait, or EAGAIN).</summary>
        private int ConnectStream(UnixSocket listener)
        {
            if (!listener.Listening)
                return -Errno.ECONNREFUSED;
            listener.Hold();
            ulong deadline = 0;
            int result = 0;
            while (true)
            {
                ulong daif = Mask();
                if (listener._closed || !listener.Listening)
                {
                    Unmask(daif);
                    result = -Errno.ECONNREFUSED;
                    break;
                }
                if (_state == StateConnected)
                {
                    Unmask(daif);
                    result = -Errno.EISCONN;
                    break;
                }
                if (listener._pendingCount <= listener._backlog)
                {
                    Unmask(daif);
                    break;
                }
                if (NonBlocking)
                {
                    Unmask(daif);
                    result = -Errno.EAGAIN;
                    break;
                }
                int w = BlockOn(listener, SendTimeout, ref deadline);
                Unmask(daif);
                if (w < 0)
                {
                    result = w;
                    break;
                }
            }
            if (result == 0)
            {
                var server = new UnixSocket(Type, Protocol, 0);
                server._embryo = true;
                server._address = listener.CopyAddress(out server._addressLength);
                server._peerAddress = CopyAddress(out server._peerAddressLength);
                server.ConnectTo(this);
                _peer = server;
                _state = StateConnected;
                _peerAddress = listener.CopyAddress(out _peerAddressLength);
                HasPeerCredentials = true;
                PeerPid = listener._listenPid;
                PeerUid = listener._listenUid;
                PeerGid = listener._listenGid;
                if (listener._pendingLast == null)
                    listener._pendingFirst = server;
                else
                    listener._pendingLast._nextPending = server;
                listener._pendingLast = server;
                listener._pendingCount++;
                listener.Changed();
                Changed();
            }
            listener.Unhold();
            return result;
        }

        public override int Accept(int flags, out Socket? accepted)
        {
            accepted = null;
            if (!_connectionOriented)
                return -Errno.EOPNOTSUPP;
            if (!Listening)
                return -Errno.EINVAL;
            ulong deadline = 0;
            while (true)
            {
                ulong daif = Mask();
                UnixSocket? s = _pendingFirst;
                if (s != null)
                {
                    _pendingFirst = s._nextPending;
                    if (_pendingFirst == null)
                        _pendingLast = null;
                    s._nextPending = null;
                    _pendingCount--;
                    Unmask(daif);
                    s._embryo = false;
                    s.Flags = OpenFlags.ReadWrite | (flags & OpenFlags.NonBlock);
                    Changed();
                    accepted = s;
                    return 0;
                }
                if (NonBlocking)
                {
                    Unmask(daif);
                    return -Errno.EAGAIN;
                }
                int w = BlockOn(this, ReceiveTimeout, ref deadline);
                Unmask(daif);
                if (w < 0)
                    return w;
            }
        }

        public override int ShutdownSocket(int how)
        {
            int mode = how + 1; // SHUT_RD -> receive, SHUT_WR -> send, SHUT_RDWR -> both
            Shutdown |= mode;
            UnixSocket? peer = _peer;
            if (peer != null && _connectionOriented)
            {
                int peerMode = ((mode & ReceiveShutdown) != 0 ? SendShutdown : 0) | ((mode & SendShutdown) != 0 ? ReceiveShutdown : 0);
                peer.Shutdown |= peerMode;
                peer.Changed();
            }
            Changed();
            return 0;
        }

        // ---- sending -------------------------------------------------------------------------------------

        public override long Send(ref SendRequest request)
        {
            if ((request.Flags & SocketConstants.MSG_OOB) != 0)
                return -Errno.EOPNOTSUPP;
            if (Type == SocketConstants.SOCK_STREAM)
                return SendStream(ref request);
            return SendDatagram(ref request);
        }

        private SocketMessage NewMessage(int length, int charge, ref SendRequest request)
        {
            SocketMessage m = SocketMessage.Create(length, charge);
            if (request.HasCredentials)
            {
                m.Pid = request.Pid;
                m.Uid = request.Uid;
                m.Gid = request.Gid;
            }
            else
            {
                Process? p = Scheduler.Current.Process;
                m.Pid = p != null ? p.Pid : 0;
                m.Uid = p != null ? p.Uid : 0;
                m.Gid = p != null ? p.Gid : 0;
            }
            m.Address = CopyAddress(out _);
            return m;
        }

        private long SendStream(ref SendRequest request)
        {
            if (request.Address.Length != 0)
                return _state == StateConnected ? -Errno.EISCONN : -Errno.EOPNOTSUPP;
            if (_state != StateConnected)
                return -Errno.ENOTCONN;
            long total = request.Data.Total, sent = 0;
            bool dontWait = DontWait(request.Flags);
            ulong deadline = 0;
            while (sent < total)
            {
                ulong daif = Mask();
                UnixSocket? peer = _peer;
                if ((Shutdown & SendShutdown) != 0 || peer == null || (peer.Shutdown & ReceiveShutdown) != 0)
                {
                    Unmask(daif);
                    return sent > 0 ? sent : BrokenPipe(request.Flags);
                }
                long room = SendBuffer - peer._queue.Charged;
                if (room <= 0)
                {
                    if (dontWait)
                    {
                        Unmask(daif);
                        return sent > 0 ? sent : -Errno.EAGAIN;
                    }
                    int w = BlockOn(this, SendTimeout, ref deadline);
                    Unmask(daif);
                    if (w < 0)
                        return sent > 0 ? sent : w;
                    continue;
                }
                Unmask(daif);
                long n = total - sent;
                if (n > room) n = room;
                if (n > StreamChunk) n = StreamChunk;
                SocketMessage m = NewMessage((int)n, (int)n, ref request);
                if (request.Data.CopyIn(sent, new Span<byte>(m.Data!, 0, (int)n)) < 0)
                {
                    m.Free();
                    return sent > 0 ? sent : -Errno.EFAULT;
                }
                if (request.Rights != null)
                {
                    m.Rights = request.Rights;
                    request.Rights = null;
                }
                peer._queue.Enqueue(m);
                peer.Changed();
                sent += n;
            }
            return sent;
        }

        private long SendDatagram(ref SendRequest request)
        {
            long total = request.Data.Total;
            UnixSocket? target;
            if (_connectionOriented)
            {
                // SOCK_SEQPACKET: a destination address is ignored, as Linux does.
                if (_state != StateConnected)
                    return -Errno.ENOTCONN;
                if ((Shutdown & SendShutdown) != 0 || _peer == null)
                    return BrokenPipe(request.Flags);
                target = _peer;
            }
            else if (request.Address.Length != 0)
            {
                int r = FindTarget(request.Address, out target);
                if (r < 0)
                    return r;
            }
            else
            {
                if (_peerGone)
                {
                    Disconnect();
                    return -Errno.ECONNREFUSED;
                }
                if (_peer == null)
                    return -Errno.ENOTCONN;
                target = _peer;
            }
            if (total > SendBuffer - 32)
                return -Errno.EMSGSIZE;
            int charge = (int)total + DatagramOverhead;
            bool dontWait = DontWait(request.Flags);
            ulong deadline = 0;
            target!.Hold();
            long result;
            while (true)
            {
                ulong daif = Mask();
                if (target._closed)
                {
                    Unmask(daif);
                    result = _connectionOriented ? -Errno.EPIPE : -Errno.ECONNREFUSED;
                    if (_peerGone && !_connectionOriented)
                        Disconnect(); // it was our peer: reported once, as Linux does

                    break;
                }
                if (!_connectionOriented && target._peer != null && target._peer != this)
                {
                    Unmask(daif);
                    result = -Errno.EPERM; // it is connected to another socket
                    break;
                }
                if ((target.Shutdown & ReceiveShutdown) != 0)
                {
                    Unmask(daif);
                    result = -Errno.EPIPE;
                    break;
                }
                bool full = target._queue.Charged + charge > SendBuffer
                    || (target != this && target._peer != this && target._queue.Count > MaxDatagramQueue);
                if (!full || target._queue.IsEmpty)
                {
                    Unmask(daif);
                    result = 0;
                    break;
                }
                if (dontWait)
                {
                    Unmask(daif);
                    result = -Errno.EAGAIN;
                    break;
                }
                int w = BlockOn(target, SendTimeout, ref deadline);
                Unmask(daif);
                if (w < 0)
                {
                    result = w;
                    break;
                }
            }
            if (result == 0)
            {
                SocketMessage m = NewMessage((int)total, charge, ref request);
                if (total > 0 && request.Data.CopyIn(0, new Span<byte>(m.Data!, 0, (int)total)) < 0)
                {
                    m.Free();
                    result = -Errno.EFAULT;
                }
                else
                {
                    m.Rights = request.Rights;
                    request.Rights = null;
                    target._queue.Enqueue(m);
                    target.Changed();
                    result = total;
                }
            }
            target.Unhold();
            return result;
        }

        // ---- receiving -----------------------------------------------------------------------------------

        public override long Receive(ref ReceiveRequest request)
        {
            if ((request.Flags & SocketConstants.MSG_OOB) != 0)
                return -Errno.EOPNOTSUPP;
            if (_connectionOriented && _state != StateConnected)
                return Listening || Type == SocketConstants.SOCK_STREAM ? -Errno.EINVAL : -Errno.ENOTCONN;
            return Type == SocketConstants.SOCK_STREAM ? ReceiveStream(ref request) : ReceiveDatagram(ref request);
        }

        /// <summary>The message's sender details into the request (address when asked, credentials when SO_PASSCRED is on).</summary>
        private void Describe(SocketMessage m, ref ReceiveRequest request)
        {
            if (m.Address != null && request.Address.Length > 0)
            {
                int n = m.Address.Length < request.Address.Length ? m.Address.Length : request.Address.Length;
                new ReadOnlySpan<byte>(m.Address, 0, n).CopyTo(request.Address);
                request.AddressLength = m.Address.Length;
            }
            if (PassCredentials)
            {
                request.HasCredentials = true;
                request.Pid = m.Pid;
                request.Uid = m.Uid;
                request.Gid = m.Gid;
            }
        }

        private long ReceiveStream(ref ReceiveRequest request)
        {
            long total = request.Data.Total, copied = 0;
            bool peek = (request.Flags & SocketConstants.MSG_PEEK) != 0;
            bool waitAll = (request.Flags & SocketConstants.MSG_WAITALL) != 0 && !peek;
            long target = waitAll ? total : (ReceiveLowWater < total ? ReceiveLowWater : total);
            bool dontWait = DontWait(request.Flags);
            ulong deadline = 0;
            long skip = 0; // bytes of the queue already peeked in this call
            if (total == 0)
                return 0;
            while (copied < total)
            {
                ulong daif = Mask();
                SocketMessage? m = _queue.Head;
                long offset = skip;
                while (m != null && offset >= m.Remaining)
                {
                    offset -= m.Remaining;
                    m = m.Next;
                }
                if (m == null)
                {
                    if (copied >= target)
                    {
                        Unmask(daif);
                        break;
                    }
                    if (PendingError != 0)
                    {
                        Unmask(daif);
                        if (copied > 0)
                            break;
                        return -TakeError();
                    }
                    if ((Shutdown & ReceiveShutdown) != 0)
                    {
                        Unmask(daif);
                        break;
                    }
                    if (dontWait)
                    {
                        Unmask(daif);
                        if (copied > 0)
                            break;
                        return -Errno.EAGAIN;
                    }
                    int w = BlockOn(this, ReceiveTimeout, ref deadline);
                    Unmask(daif);
                    if (w < 0)
                        return copied > 0 ? copied : w;
                    continue;
                }
                Unmask(daif);
                long n = m.Remaining - offset;
                if (n > total - copied)
                    n = total - copied;
                if (request.Data.CopyOut(copied, new ReadOnlySpan<byte>(m.Data!, m.Start + (int)offset, (int)n)) < 0)
                    return copied > 0 ? copied : -Errno.EFAULT;
                if (copied == 0)
                    Describe(m, ref request);
                copied += n;
                bool rights = m.Rights != null;
                if (peek)
                {
                    skip += n;
                }
                else
                {
                    if (rights)
                        request.Rights = (FileRights?)m.TakeRights();
                    _queue.Consume((int)n);
                    WakeSender();
                }
                if (rights)
                    break; // descriptors end a read, as on Linux
            }
            return copied;
        }

        private long ReceiveDatagram(ref ReceiveRequest request)
        {
            long total = request.Data.Total;
            bool peek = (request.Flags & SocketConstants.MSG_PEEK) != 0;
            bool dontWait = DontWait(request.Flags);
            ulong deadline = 0;
            while (true)
            {
                ulong daif = Mask();
                SocketMessage? m = _queue.Head;
                if (m == null)
                {
                    if (PendingError != 0)
                    {
                        Unmask(daif);
                        return -TakeError();
                    }
                    if ((Shutdown & ReceiveShutdown) != 0)
                    {
                        Unmask(daif);
                        return 0;
                    }
                    if (dontWait)
                    {
                        Unmask(daif);
                        return -Errno.EAGAIN;
                    }
                    int w = BlockOn(this, ReceiveTimeout, ref deadline);
                    Unmask(daif);
                    if (w < 0)
                        return w;
                    continue;
                }
                Unmask(daif);
                long n = m.Length < total ? m.Length : total;
                if (n > 0 && request.Data.CopyOut(0, new ReadOnlySpan<byte>(m.Data!, 0, (int)n)) < 0)
                    return -Errno.EFAULT;
                if (m.Length > total)
                    request.OutFlags |= SocketConstants.MSG_TRUNC;
                Describe(m, ref request);
                long length = m.Length;
                if (!peek)
                {
                    request.Rights = (FileRights?)m.TakeRights();
                    _queue.Dequeue()!.Free();
                    WakeSender();
                }
                return (request.Flags & SocketConstants.MSG_TRUNC) != 0 && Type == SocketConstants.SOCK_DGRAM ? length : n;
            }
        }

        /// <summary>Room was made in this socket's queue: senders wait on it (datagrams) or on themselves (streams).</summary>
        private void WakeSender()
        {
            Changed();
            _peer?.Changed();
        }

        public override int ReadableBytes
        {
            get
            {
                if (Type == SocketConstants.SOCK_DGRAM)
                    return _queue.Head != null ? _queue.Head.Length : 0;
                return (int)_queue.Bytes;
            }
        }

        public override int Poll()
        {
            int bits = 0;
            if (PendingError != 0)
                bits |= OpenFlags.PollErr;
            if (Shutdown == BothShutdown)
                bits |= OpenFlags.PollHup;
            if ((Shutdown & ReceiveShutdown) != 0)
                bits |= OpenFlags.PollIn | OpenFlags.PollRdNorm | PollRdHup;
            if (!_queue.IsEmpty || _pendingCount > 0)
                bits |= OpenFlags.PollIn | OpenFlags.PollRdNorm;
            if (_connectionOriented && _state == StateUnconnected && !Listening)
                bits |= OpenFlags.PollHup;
            if (Writable())
                bits |= OpenFlags.PollOut | OpenFlags.PollWrNorm | PollWrBand;
            return bits;
        }

        private const int PollRdHup = 0x2000, PollWrBand = 0x200;

        private bool Writable()
        {
            if (Listening)
                return false;
            UnixSocket? peer = _peer;
            if (peer == null || peer._closed)
                return true;
            if (!_connectionOriented && peer._peer != this && peer._queue.Count > MaxDatagramQueue)
                return false;
            return peer._queue.Charged * 4 <= SendBuffer;
        }

        // ---- closing ---------------------------------------------------------------------------------------

        protected override void Closed()
        {
            _closed = true;
            if (_previousAll != null) _previousAll._nextAll = _nextAll; else s_all = _nextAll;
            if (_nextAll != null) _nextAll._previousAll = _previousAll;
            _nextAll = _previousAll = null;
            if (_address != null)
                UnixNames.Unbind(this);
            _node?.Release();
            _node = null;
            // Connections nobody accepted: their clients see the connection reset.
            while (_pendingFirst != null)
            {
                UnixSocket s = _pendingFirst;
                _pendingFirst = s._nextPending;
                s._nextPending = null;
                s.Release();
            }
            _pendingLast = null;
            _pendingCount = 0;
            Listening = false;
            UnixSocket? peer = _peer;
            _peer = null;
            if (_connectionOriented)
            {
                if (peer != null)
                {
                    peer.Shutdown = BothShutdown;
                    if (!_queue.IsEmpty || _embryo)
                        peer.PendingError = Errno.ECONNRESET;
                    peer._peer = null;
                    peer.Changed();
                }
            }
            else
            {
                for (UnixSocket? s = s_all; s != null; s = s._nextAll)
                    if (s._peer == this)
                    {
                        s._peer = null;
                        s._peerGone = true;
                        s.Changed();
                    }
            }
            _queue.Clear();
            Changed();
            base.Closed();
        }

        protected override void FreeObject()
        {
            if (_holds == 0)
                FreeNow();
        }

        private void FreeNow()
        {
            Owned.Free(_queue);
            Owned.Free(_address);
            Owned.Free(_peerAddress);
            Owned.Free(this);
        }
    }
}
