using System;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Net
{
    /// <summary>
    /// <c>socket(AF_INET, SOCK_RAW, IPPROTO_RAW)</c> (root only): on Linux a send-only socket whose writes carry
    /// their own IP header. Programs such as busybox <c>udhcpc</c> open one only as a handle for the interface
    /// ioctls (SIOCGIFINDEX, SIOCGIFHWADDR), which every socket answers. Sending datagrams with a header of
    /// their own is not supported here (EOPNOTSUPP); nothing is ever received, as on Linux.
    /// </summary>
    public sealed class InetRawIpSocket : InetSocket
    {
        public const int IPPROTO_RAW = 255;

        public InetRawIpSocket(int flags) : base(SocketConstants.SOCK_RAW, IPPROTO_RAW, flags)
        {
        }

        public override int Bind(ReadOnlySpan<byte> address) => address.Length < SockaddrIn.Size ? -Errno.EINVAL : 0;

        public override int Connect(ReadOnlySpan<byte> address) => address.Length < SockaddrIn.Size ? -Errno.EINVAL : 0;

        public override int LocalName(Span<byte> address) => SockaddrIn.Write(address, 0, 0);

        public override int PeerName(Span<byte> address) => -Errno.ENOTCONN;

        public override long Send(ref SendRequest request) => -Errno.EOPNOTSUPP;

        public override long Receive(ref ReceiveRequest request)
        {
            if (DontWait(request.Flags))
                return -Errno.EAGAIN;
            ulong deadline = 0;
            while (true)
            {
                ulong daif = Mask();
                int r = BlockOn(this, ReceiveTimeout, ref deadline);
                Unmask(daif);
                if (r < 0)
                    return r;
            }
        }

        public override int ShutdownSocket(int how) => -Errno.ENOTCONN;

        public override int ReadableBytes => 0;

        public override int Poll() => OpenFlags.PollOut | OpenFlags.PollWrNorm;

        protected override void CloseEndpoint()
        {
        }
    }
}
