namespace Kernel.Logic
{
    /// <summary>Linux errno values (asm-generic, as on arm64); kernel functions return them negated.</summary>
    public static class Errno
    {
        public const int EPERM = 1;
        public const int ENOENT = 2;
        public const int ESRCH = 3;
        public const int EINTR = 4;
        public const int EIO = 5;
        public const int ENXIO = 6;
        public const int E2BIG = 7;
        public const int ENOEXEC = 8;
        public const int EBADF = 9;
        public const int ECHILD = 10;
        public const int EAGAIN = 11;
        public const int ENOMEM = 12;
        public const int EACCES = 13;
        public const int EFAULT = 14;
        public const int ENOTBLK = 15;
        public const int EBUSY = 16;
        public const int EEXIST = 17;
        public const int EXDEV = 18;
        public const int ENODEV = 19;
        public const int ENOTDIR = 20;
        public const int EISDIR = 21;
        public const int EINVAL = 22;
        public const int ENFILE = 23;
        public const int EMFILE = 24;
        public const int ENOTTY = 25;
        public const int ETXTBSY = 26;
        public const int EFBIG = 27;
        public const int ENOSPC = 28;
        public const int ESPIPE = 29;
        public const int EROFS = 30;
        public const int EMLINK = 31;
        public const int EPIPE = 32;
        public const int EDOM = 33;
        public const int ERANGE = 34;
        public const int EDEADLK = 35;
        public const int ENAMETOOLONG = 36;
        public const int ENOLCK = 37;
        public const int ENOSYS = 38;
        public const int ENOTEMPTY = 39;
        public const int ELOOP = 40;
        /// <summary>A program's interpreter (PT_INTERP) is not an ELF file the kernel can load.</summary>
        public const int ELIBBAD = 80;
        /// <summary>Sockets and networking (Linux's numbers on arm64).</summary>
        public const int ENOTSOCK = 88;
        public const int EDESTADDRREQ = 89;
        public const int EMSGSIZE = 90;
        public const int EPROTOTYPE = 91;
        public const int ENOPROTOOPT = 92;
        public const int EPROTONOSUPPORT = 93;
        public const int ESOCKTNOSUPPORT = 94;
        public const int ENOTSUP = 95;
        public const int EOPNOTSUPP = 95;
        public const int EAFNOSUPPORT = 97;
        public const int EADDRINUSE = 98;
        public const int EADDRNOTAVAIL = 99;
        public const int ENETDOWN = 100;
        public const int ENETUNREACH = 101;
        public const int ECONNABORTED = 103;
        public const int ECONNRESET = 104;
        public const int ENOBUFS = 105;
        public const int EISCONN = 106;
        public const int ENOTCONN = 107;
        public const int ESHUTDOWN = 108;
        public const int ETOOMANYREFS = 109;
        public const int ETIMEDOUT = 110;
        public const int ECONNREFUSED = 111;
        public const int EHOSTUNREACH = 113;
        public const int EALREADY = 114;
        public const int EINPROGRESS = 115;
        /// <summary>Structure needs cleaning: a file system found its on-disk data inconsistent (Linux's EFSCORRUPTED).</summary>
        public const int EUCLEAN = 117;
        /// <summary>A checksum of on-disk metadata did not match (Linux's EFSBADCRC).</summary>
        public const int EBADMSG = 74;
        /// <summary>A value too large for its type (a range that wraps).</summary>
        public const int EOVERFLOW = 75;
        /// <summary>Kernel-internal: a blocked call interrupted by a signal whose handler has SA_RESTART.</summary>
        public const int ERESTARTSYS = 512;
    }
}
