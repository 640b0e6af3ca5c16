namespace Kernel.Logic.Tty
{
    /// <summary>TTY ioctl request numbers (asm-generic ioctls.h, as on arm64).</summary>
    public static class TtyIoctl
    {
        public const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TCSBRK = 0x5409,
            TCXONC = 0x540A, TCFLSH = 0x540B, TIOCEXCL = 0x540C, TIOCNXCL = 0x540D, TIOCSCTTY = 0x540E, TIOCGPGRP = 0x540F,
            TIOCSPGRP = 0x5410, TIOCOUTQ = 0x5411, TIOCSTI = 0x5412, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414,
            FIONREAD = 0x541B, TIOCINQ = 0x541B, TIOCNOTTY = 0x5422, TIOCGSID = 0x5429, FIONBIO = 0x5421,
            FIONCLEX = 0x5450, FIOCLEX = 0x5451;

        /// <summary>TCFLSH arguments.</summary>
        public const int TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2;
        /// <summary>TCXONC arguments.</summary>
        public const int TCOOFF = 0, TCOON = 1, TCIOFF = 2, TCION = 3;
    }
}
