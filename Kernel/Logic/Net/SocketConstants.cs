namespace Kernel.Logic.Net
{
    /// <summary>The socket ABI's numbers as Linux defines them on arm64: families, types, flags, levels, options and control-message types.</summary>
    public static class SocketConstants
    {
        public const int AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17, AF_MAX = 46;

        public const int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_RDM = 4, SOCK_SEQPACKET = 5, SOCK_PACKET = 10;
        /// <summary>The socket type is the low bits of socket(2)'s type argument; the flags are O_NONBLOCK and O_CLOEXEC.</summary>
        public const int SOCK_TYPE_MASK = 0xF, SOCK_MAX = 11, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;

        public const int MSG_OOB = 1, MSG_PEEK = 2, MSG_DONTROUTE = 4, MSG_CTRUNC = 8, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40,
            MSG_EOR = 0x80, MSG_WAITALL = 0x100, MSG_ERRQUEUE = 0x2000, MSG_NOSIGNAL = 0x4000, MSG_MORE = 0x8000,
            MSG_CMSG_CLOEXEC = 0x40000000;

        public const int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;

        public const int SOL_SOCKET = 1;
        public const int SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5, SO_BROADCAST = 6,
            SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9, SO_OOBINLINE = 10, SO_NO_CHECK = 11, SO_PRIORITY = 12,
            SO_LINGER = 13, SO_BSDCOMPAT = 14, SO_REUSEPORT = 15, SO_PASSCRED = 16, SO_PEERCRED = 17, SO_RCVLOWAT = 18,
            SO_SNDLOWAT = 19, SO_RCVTIMEO_OLD = 20, SO_SNDTIMEO_OLD = 21, SO_BINDTODEVICE = 25, SO_ATTACH_FILTER = 26,
            SO_DETACH_FILTER = 27, SO_ACCEPTCONN = 30, SO_SNDBUFFORCE = 32,
            SO_RCVBUFFORCE = 33, SO_PROTOCOL = 38, SO_DOMAIN = 39, SO_RCVTIMEO_NEW = 66, SO_SNDTIMEO_NEW = 67;

        public const int SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;
        /// <summary>The most descriptors one SCM_RIGHTS message carries (Linux's SCM_MAX_FD).</summary>
        public const int SCM_MAX_FD = 253;
        /// <summary>sizeof(struct sockaddr_storage): the largest address bind/connect accept.</summary>
        public const int SockaddrStorage = 128;
        /// <summary>The largest control buffer sendmsg takes (Linux's net.core.optmem_max default).</summary>
        public const int OptmemMax = 20480;
    }
}
