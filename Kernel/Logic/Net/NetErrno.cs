namespace Kernel.Logic.Net
{
    /// <summary>Linux's network errno values (asm-generic/errno.h) that <see cref="Errno"/> does not hold.</summary>
    public static class NetErrno
    {
        public const int EDESTADDRREQ = 89, EMSGSIZE = 90, EPROTOTYPE = 91, ENOPROTOOPT = 92, EPROTONOSUPPORT = 93,
            EAFNOSUPPORT = 97, EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100, ENETUNREACH = 101,
            ECONNRESET = 104, ENOBUFS = 105, EISCONN = 106, ENOTCONN = 107, ECONNREFUSED = 111, EHOSTUNREACH = 113;
    }
}
