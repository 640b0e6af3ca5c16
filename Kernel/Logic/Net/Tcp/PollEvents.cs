namespace Kernel.Logic.Net.Tcp
{
    /// <summary>poll(2) event bits as Linux defines them (asm-generic/poll.h), returned by <see cref="TcpSocket.PollEvents"/>.</summary>
    public static class PollEvents
    {
        public const int POLLIN = 0x1;
        public const int POLLPRI = 0x2;
        public const int POLLOUT = 0x4;
        public const int POLLERR = 0x8;
        public const int POLLHUP = 0x10;
        public const int POLLRDNORM = 0x40;
        public const int POLLWRNORM = 0x100;
        public const int POLLRDHUP = 0x2000;
    }
}
