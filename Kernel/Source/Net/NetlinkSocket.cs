using System;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Net;
using Kernel.Threading;

namespace Kernel.Net
{
    /// <summary>
    /// AF_NETLINK sockets of protocol NETLINK_ROUTE (what `ip` talks to): requests sent to the kernel (port id 0)
    /// are answered at once by <see cref="RouteNetlink"/>, each request's replies one datagram in the receive
    /// queue. A socket gets its port id on bind (or its first send): the process id when free, else a negative
    /// number, as Linux's autobind. Other netlink protocols are EPROTONOSUPPORT; messages to other user
    /// sockets ECONNREFUSED; multicast groups are accepted on bind but nothing is ever sent to them.
    /// </summary>
    public sealed unsafe class NetlinkSocket : Socket
    {
        private const int QueueBytes = 128 * 1024, MaxRequest = 64 * 1024, ReplyRoom = 16 * 1024;

        private static NetlinkSocket? s_all;
        private static int s_rover = -4097;

        private NetlinkSocket? _next, _previous;
        private DatagramQueue? _queue = new DatagramQueue(QueueBytes);
        private uint _portId, _groups;
        private bool _bound;
        private int _holds;
        private bool _closed;

        private NetlinkSocket(int type, int flags) : base(SocketConstants.AF_NETLINK, type, Netlink.NETLINK_ROUTE, flags)
        {
            _next = s_all;
            if (s_all != null)
                s_all._previous = this;
            s_all = this;
        }

        public static void Register() => SocketFamilies.Register(SocketConstants.AF_NETLINK, &Create, null);

        public static int Create(int type, int protocol, int flags, out Socket? socket)
        {
            socket = null;
            if (type != SocketConstants.SOCK_RAW && type != SocketConstants.SOCK_DGRAM)
                return -Errno.ESOCKTNOSUPPORT;
            if (protocol != Netlink.NETLINK_ROUTE)
                return -Errno.EPROTONOSUPPORT;
            if (NetSubsystem.Stack == null)
                return -Errno.EAFNOSUPPORT;
            socket = new NetlinkSocket(type, flags);
            return 0;
        }

        private static bool PortInUse(uint portId)
        {
            for (NetlinkSocket? s = s_all; s != null; s = s._next)
                if (s._bound && s._portId == portId)
                    return true;
            return false;
        }

        private void AutoBind()
        {
            if (_bound)
                return;
            int pid = Scheduler.Current.Process?.Pid ?? 0;
            uint candidate = (uint)pid;
            while (candidate == 0 || PortInUse(candidate))
            {
                candidate = (uint)s_rover--;
                if (s_rover > -4097)
                    s_rover = -4097;
            }
            _portId = candidate;
            _bound = true;
        }

        public override int Bind(ReadOnlySpan<byte> address)
        {
            if (address.Length < Netlink.SockaddrLength || LittleEndian.U16(address, 0) != SocketConstants.AF_NETLINK)
                return -Errno.EINVAL;
            uint portId = LittleEndian.U32(address, 4), groups = LittleEndian.U32(address, 8);
            if (_bound && portId != 0 && portId != _portId)
                return -Errno.EINVAL;
            if (!_bound)
            {
                if (portId == 0)
                    AutoBind();
                else
                {
                    if (PortInUse(portId))
                        return -Errno.EADDRINUSE;
                    _portId = portId;
                    _bound = true;
                }
            }
            _groups = groups;
            return 0;
        }

        /// <summary>Only the kernel (port id 0) can be the peer.</summary>
        public override int Connect(ReadOnlySpan<byte> address)
        {
            if (address.Length < 2)
                return -Errno.EINVAL;
            if (LittleEndian.U16(address, 0) == SocketConstants.AF_UNSPEC)
                return 0;
            if (address.Length < Netlink.SockaddrLength || LittleEndian.U16(address, 0) != SocketConstants.AF_NETLINK)
                return -Errno.EINVAL;
            if (LittleEndian.U32(address, 4) != 0)
                return -Errno.ECONNREFUSED;
            AutoBind();
            return 0;
        }

        private static int WriteName(Span<byte> address, uint portId, uint groups)
        {
            address.Slice(0, Netlink.SockaddrLength).Clear();
            LittleEndian.Put16(address, 0, SocketConstants.AF_NETLINK);
            LittleEndian.Put32(address, 4, portId);
            LittleEndian.Put32(address, 8, groups);
            return Netlink.SockaddrLength;
        }

        public override int LocalName(Span<byte> address) => WriteName(address, _portId, _groups);

        public override int PeerName(Span<byte> address) => WriteName(address, 0, 0);

        public override int ShutdownSocket(int how)
        {
            Shutdown |= how + 1;
            Changed();
            return 0;
        }

        public override int ReadableBytes => _queue == null || _queue.IsEmpty ? 0 : _queue.FirstLength;

        public override long Send(ref SendRequest request)
        {
            if (_queue == null)
                return -Errno.EBADF;
            if ((request.Flags & SocketConstants.MSG_OOB) != 0)
                return -Errno.EOPNOTSUPP;
            if (request.Address.Length > 0)
            {
                if (request.Address.Length < Netlink.SockaddrLength || LittleEndian.U16(request.Address, 0) != SocketConstants.AF_NETLINK)
                    return -Errno.EINVAL;
                if (LittleEndian.U32(request.Address, 4) != 0)
                    return -Errno.ECONNREFUSED;
                if (LittleEndian.U32(request.Address, 8) != 0 && Scheduler.Current.Process?.Euid != 0)
                    return -Errno.EPERM;
            }
            long total = request.Data.Total;
            if (total > MaxRequest)
                return -Errno.EMSGSIZE;
            AutoBind();
            byte[] buffer = new byte[total > 0 ? (int)total : 1];
            if (total > 0 && request.Data.CopyIn(0, new Span<byte>(buffer, 0, (int)total)) < 0)
            {
                Owned.Free(buffer);
                return -Errno.EFAULT;
            }
            byte[] reply = new byte[ReplyRoom];
            bool root = Scheduler.Current.Process?.Euid == 0;
            ReadOnlySpan<byte> messages = new ReadOnlySpan<byte>(buffer, 0, (int)total);
            int offset = 0;
            while (Netlink.NextMessage(messages, ref offset, out ReadOnlySpan<byte> message))
            {
                var writer = new NetlinkWriter(reply);
                RouteNetlink.Handle(NetSubsystem.Stack!, message, _portId, root, ref writer);
                if (writer.Overflow)
                {
                    writer = new NetlinkWriter(reply);
                    writer.Error(-Errno.ENOBUFS, message.Slice(0, Netlink.HeaderLength), _portId);
                }
                if (writer.Length > 0 && !_queue.Enqueue(writer.Written, 0, 0))
                    PendingError = Errno.ENOBUFS; // the reply is lost, as Linux's on a full receive queue
            }
            Owned.Free(reply);
            Owned.Free(buffer);
            Changed();
            return total;
        }

        public override long Receive(ref ReceiveRequest request)
        {
            bool peek = (request.Flags & SocketConstants.MSG_PEEK) != 0;
            bool dontWait = DontWait(request.Flags);
            ulong deadline = 0;
            _holds++;
            long result;
            while (true)
            {
                ulong daif = Mask();
                if (_queue == null)
                {
                    Unmask(daif);
                    result = -Errno.EBADF;
                    break;
                }
                if (_queue.IsEmpty)
                {
                    if (PendingError != 0)
                    {
                        Unmask(daif);
                        result = -TakeError();
                        break;
                    }
                    if ((Shutdown & ReceiveShutdown) != 0)
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
                    int w = BlockOn(this, ReceiveTimeout, ref deadline);
                    Unmask(daif);
                    if (w < 0)
                    {
                        result = w;
                        break;
                    }
                    continue;
                }
                Unmask(daif);
                ReadOnlySpan<byte> d = _queue.Peek(out _, out _, out _);
                long total = request.Data.Total;
                long copy = d.Length < total ? d.Length : total;
                if (copy > 0 && request.Data.CopyOut(0, d.Slice(0, (int)copy)) < 0)
                {
                    result = -Errno.EFAULT;
                    break;
                }
                if (d.Length > copy)
                    request.OutFlags |= SocketConstants.MSG_TRUNC;
                if (request.Address.Length >= Netlink.SockaddrLength)
                    request.AddressLength = WriteName(request.Address, 0, 0);
                result = (request.Flags & SocketConstants.MSG_TRUNC) != 0 ? d.Length : copy;
                if (!peek)
                    _queue.Dequeue();
                break;
            }
            Unhold();
            return result;
        }

        public override int Poll()
        {
            int bits = OpenFlags.PollOut | OpenFlags.PollWrNorm;
            if (_queue == null || !_queue.IsEmpty || (Shutdown & ReceiveShutdown) != 0)
                bits |= OpenFlags.PollIn | OpenFlags.PollRdNorm;
            if (PendingError != 0)
                bits |= OpenFlags.PollErr;
            return bits;
        }

        private void Unhold()
        {
            if (--_holds == 0 && _closed)
                Owned.Free(this);
        }

        protected override void Closed()
        {
            _closed = true;
            if (_previous != null) _previous._next = _next; else s_all = _next;
            if (_next != null) _next._previous = _previous;
            _next = _previous = null;
            _bound = false;
            DatagramQueue.Release(ref _queue);
            Changed();
            base.Closed();
        }

        protected override void FreeObject()
        {
            if (_holds == 0)
                Owned.Free(this);
        }
    }
}
