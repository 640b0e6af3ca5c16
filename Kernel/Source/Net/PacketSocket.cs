using System;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Net;
using Kernel.Threading;

namespace Kernel.Net
{
    /// <summary>
    /// AF_PACKET sockets (what busybox udhcpc opens): SOCK_RAW for whole Ethernet frames, SOCK_DGRAM for payloads
    /// with the link header in sockaddr_ll; root only. The endpoint in <see cref="NetStack.Packets"/> does the work;
    /// this is the open file around it (blocking, timeouts, poll, the filter option).
    /// </summary>
    public sealed unsafe class PacketSocket : Socket
    {
        /// <summary>The most bytes one frame here can have (Ethernet header and a 1500-byte payload).</summary>
        private const int FrameRoom = 1536;
        /// <summary>The receive queue's bytes (Linux's default SO_RCVBUF of 212,992 counts its buffers' overhead too).</summary>
        private const int QueueBytes = 128 * 1024;

        private readonly PacketEndpoint _endpoint;
        private int _holds;
        private bool _closed;

        private PacketSocket(PacketEndpoint endpoint, int type, int protocol, int flags) : base(SocketConstants.AF_PACKET, type, protocol, flags)
            => _endpoint = endpoint;

        public static void Register() => SocketFamilies.Register(SocketConstants.AF_PACKET, &Create, null);

        /// <summary>socket(AF_PACKET, SOCK_RAW or SOCK_DGRAM, htons(ETH_P_*)): -EPERM for others than root, as without CAP_NET_RAW.</summary>
        public static int Create(int type, int protocol, int flags, out Socket? socket)
        {
            socket = null;
            if (Scheduler.Current.Process?.Euid != 0)
                return -Errno.EPERM;
            if (type != SocketConstants.SOCK_RAW && type != SocketConstants.SOCK_DGRAM)
                return -Errno.ESOCKTNOSUPPORT;
            NetStack? stack = NetSubsystem.Stack;
            if (stack == null)
                return -Errno.EAFNOSUPPORT;
            PacketEndpoint e = stack.Packets.Create(type == SocketConstants.SOCK_RAW, PacketEndpoint.EtherTypeOf(protocol), QueueBytes);
            socket = new PacketSocket(e, type, protocol & 0xFFFF, flags);
            return 0;
        }

        public override object WaitChannel => _endpoint;

        public override int Bind(ReadOnlySpan<byte> address) => _endpoint.Bind(address);

        public override int Connect(ReadOnlySpan<byte> address) => -Errno.EOPNOTSUPP;

        public override int LocalName(Span<byte> address) => _endpoint.LocalName(address);

        public override int PeerName(Span<byte> address) => -Errno.EOPNOTSUPP;

        public override int ShutdownSocket(int how) => -Errno.EOPNOTSUPP;

        public override int ReadableBytes => _endpoint.NextLength;

        protected override int AttachFilter(byte[] program)
        {
            _endpoint.AttachFilter(program);
            return 0;
        }

        protected override int DetachFilter() => _endpoint.DetachFilter();

        public override long Send(ref SendRequest request)
        {
            if ((request.Flags & SocketConstants.MSG_OOB) != 0)
                return -Errno.EOPNOTSUPP;
            long total = request.Data.Total;
            if (total > FrameRoom)
                return -Errno.EMSGSIZE;
            Span<byte> data = stackalloc byte[FrameRoom];
            if (total > 0 && request.Data.CopyIn(0, data.Slice(0, (int)total)) < 0)
                return -Errno.EFAULT;
            return _endpoint.Send(data.Slice(0, (int)total), request.Address);
        }

        public override long Receive(ref ReceiveRequest request)
        {
            bool peek = (request.Flags & SocketConstants.MSG_PEEK) != 0;
            bool dontWait = DontWait(request.Flags);
            ulong deadline = 0;
            Span<byte> data = stackalloc byte[FrameRoom];
            Span<byte> address = stackalloc byte[PacketEndpoint.SockaddrLength];
            _holds++;
            long result;
            while (true)
            {
                ulong daif = Mask();
                int n = _endpoint.Receive(data, address, peek, out int full, out int addressLength);
                if (n == -Errno.EAGAIN && !dontWait && !_closed)
                {
                    if (PendingError != 0)
                    {
                        Unmask(daif);
                        result = -TakeError();
                        break;
                    }
                    int w = BlockOn(_endpoint, ReceiveTimeout, ref deadline);
                    Unmask(daif);
                    if (w < 0)
                    {
                        result = w;
                        break;
                    }
                    continue;
                }
                Unmask(daif);
                if (n < 0)
                {
                    result = n;
                    break;
                }
                long total = request.Data.Total;
                long copy = n < total ? n : total;
                if (copy > 0 && request.Data.CopyOut(0, data.Slice(0, (int)copy)) < 0)
                {
                    result = -Errno.EFAULT;
                    break;
                }
                if (full > copy)
                    request.OutFlags |= SocketConstants.MSG_TRUNC;
                if (request.Address.Length >= addressLength)
                {
                    address.Slice(0, addressLength).CopyTo(request.Address);
                    request.AddressLength = addressLength;
                }
                result = (request.Flags & SocketConstants.MSG_TRUNC) != 0 ? full : copy;
                break;
            }
            Unhold();
            return result;
        }

        public override int Poll()
        {
            int bits = OpenFlags.PollOut | OpenFlags.PollWrNorm;
            if (_endpoint.Readable)
                bits |= OpenFlags.PollIn | OpenFlags.PollRdNorm;
            if (PendingError != 0)
                bits |= OpenFlags.PollErr;
            return bits;
        }

        private void Unhold()
        {
            if (--_holds == 0 && _closed)
                FreeNow();
        }

        private void FreeNow()
        {
            Owned.Free(_endpoint);
            Owned.Free(this);
        }

        protected override void Closed()
        {
            _closed = true;
            _endpoint.Close();
            base.Closed();
        }

        protected override void FreeObject()
        {
            if (_holds == 0)
                FreeNow();
        }
    }
}
