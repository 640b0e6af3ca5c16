namespace Kernel.Logic.Tty
{
    /// <summary>The pseudo-terminal master's ioctl numbers (asm-generic/ioctls.h: _IOR/_IOW('T', n) as on arm64).</summary>
    public static class PtyIoctl
    {
        public const uint TIOCPKT = 0x5420,
            TIOCGPTN = 0x80045430,   // _IOR('T', 0x30, unsigned int)
            TIOCSPTLCK = 0x40045431, // _IOW('T', 0x31, int)
            TIOCSIG = 0x40045436,    // _IOW('T', 0x36, int)
            TIOCGPKT = 0x80045438,   // _IOR('T', 0x38, int)
            TIOCGPTLCK = 0x80045439; // _IOR('T', 0x39, int)
    }
}
