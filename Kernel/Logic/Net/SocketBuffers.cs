namespace Kernel.Logic.Net
{
    /// <summary>Socket buffer sizes as Linux keeps them (SO_SNDBUF/SO_RCVBUF store twice the value asked for, for bookkeeping overhead).</summary>
    public static class SocketBuffers
    {
        /// <summary>net.core.wmem_default / rmem_default, and the _max sysctls that cap what a user may ask.</summary>
        public const int Default = 212992, UserMax = 212992;
        /// <summary>SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF: the least a socket keeps, whatever it asks.</summary>
        public const int MinSend = 4608, MinReceive = 2304;

        /// <summary>The size stored for setsockopt(SO_SNDBUF or SO_RCVBUF, <paramref name="requested"/>): capped at the maximum, doubled, then at least the minimum.</summary>
        public static int FromUser(int requested, bool send)
        {
            uint v = (uint)requested;
            if (v > UserMax)
                v = UserMax;
            int doubled = (int)v * 2;
            int min = send ? MinSend : MinReceive;
            return doubled < min ? min : doubled;
        }
    }
}
