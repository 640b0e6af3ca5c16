using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// struct sockaddr_in as AF_INET system calls pass it: sin_family (host order), sin_port and sin_addr
    /// (network order), eight bytes of zero padding; 16 bytes.
    /// </summary>
    public static class SockaddrIn
    {
        public const int Size = 16;

        /// <summary>
        /// Reads an address argument: -EINVAL when shorter than a sockaddr_in, -EAFNOSUPPORT for a family
        /// other than AF_INET and AF_UNSPEC; <paramref name="unspecified"/> tells AF_UNSPEC (connect's
        /// "dissolve the association", bind's old spelling of INADDR_ANY).
        /// </summary>
        public static int Parse(ReadOnlySpan<byte> sockaddr, out uint address, out ushort port, out bool unspecified)
        {
            address = 0;
            port = 0;
            unspecified = false;
            if (sockaddr.Length >= 2 && LittleEndian.U16(sockaddr, 0) == SocketConstants.AF_UNSPEC)
                unspecified = true;
            if (sockaddr.Length < Size)
                return -Errno.EINVAL;
            int family = LittleEndian.U16(sockaddr, 0);
            if (family != SocketConstants.AF_INET && family != SocketConstants.AF_UNSPEC)
                return -Errno.EAFNOSUPPORT;
            port = BigEndian.U16(sockaddr, 2);
            address = BigEndian.U32(sockaddr, 4);
            return 0;
        }

        /// <summary>Writes a sockaddr_in and returns its length.</summary>
        public static int Write(Span<byte> sockaddr, uint address, ushort port)
        {
            sockaddr.Slice(0, Size).Clear();
            LittleEndian.Put16(sockaddr, 0, SocketConstants.AF_INET);
            BigEndian.Put16(sockaddr, 2, port);
            BigEndian.Put32(sockaddr, 4, address);
            return Size;
        }
    }
}
