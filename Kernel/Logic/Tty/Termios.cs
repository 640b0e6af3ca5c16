using System;

namespace Kernel.Logic.Tty
{
    /// <summary>
    /// The kernel's struct termios as TCGETS/TCSETS pass it on arm64 (asm-generic termbits):
    /// c_iflag, c_oflag, c_cflag, c_lflag (u32 each), c_line (u8), c_cc[19] = 36 bytes.
    /// </summary>
    public unsafe struct Termios
    {
        public const int Size = 36;
        public const int NCCS = 19;
        public const int CcOffset = 17;

        // c_cc indices
        public const int VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6, VSWTC = 7, VSTART = 8,
            VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VDISCARD = 13, VWERASE = 14, VLNEXT = 15, VEOL2 = 16;

        // c_iflag
        public const uint IGNBRK = 0x001, BRKINT = 0x002, IGNPAR = 0x004, PARMRK = 0x008, INPCK = 0x010, ISTRIP = 0x020,
            INLCR = 0x040, IGNCR = 0x080, ICRNL = 0x100, IUCLC = 0x200, IXON = 0x400, IXANY = 0x800, IXOFF = 0x1000,
            IMAXBEL = 0x2000, IUTF8 = 0x4000;

        // c_oflag
        public const uint OPOST = 0x01, OLCUC = 0x02, ONLCR = 0x04, OCRNL = 0x08, ONOCR = 0x10, ONLRET = 0x20, OFILL = 0x40,
            OFDEL = 0x80, NLDLY = 0x100, CRDLY = 0x600, TABDLY = 0x1800, XTABS = 0x1800, BSDLY = 0x2000, VTDLY = 0x4000, FFDLY = 0x8000;

        // c_cflag
        public const uint CBAUD = 0x100f, B0 = 0, B9600 = 0xd, B19200 = 0xe, B38400 = 0xf, CBAUDEX = 0x1000, B57600 = 0x1001,
            B115200 = 0x1002, CSIZE = 0x30, CS5 = 0x00, CS6 = 0x10, CS7 = 0x20, CS8 = 0x30, CSTOPB = 0x40, CREAD = 0x80,
            PARENB = 0x100, PARODD = 0x200, HUPCL = 0x400, CLOCAL = 0x800, CRTSCTS = 0x80000000;

        // c_lflag
        public const uint ISIG = 0x1, ICANON = 0x2, XCASE = 0x4, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, ECHONL = 0x40,
            NOFLSH = 0x80, TOSTOP = 0x100, ECHOCTL = 0x200, ECHOPRT = 0x400, ECHOKE = 0x800, FLUSHO = 0x1000,
            PENDIN = 0x4000, IEXTEN = 0x8000, EXTPROC = 0x10000;

        public uint Iflag, Oflag, Cflag, Lflag;
        public byte Line;
        public fixed byte Cc[NCCS];

        /// <summary>
        /// Linux's tty_std_termios: icrnl ixon, opost onlcr, B38400 cs8 cread hupcl,
        /// isig icanon echo echoe echok echoctl echoke iexten; intr ^C quit ^\ erase ^? kill ^U
        /// eof ^D start ^Q stop ^S susp ^Z rprnt ^R discard ^O werase ^W lnext ^V, min 1 time 0.
        /// </summary>
        public static Termios Standard()
        {
            Termios t = default;
            t.Iflag = ICRNL | IXON;
            t.Oflag = OPOST | ONLCR;
            t.Cflag = B38400 | CS8 | CREAD | HUPCL;
            t.Lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
            t.Cc[VINTR] = 0x03;
            t.Cc[VQUIT] = 0x1c;
            t.Cc[VERASE] = 0x7f;
            t.Cc[VKILL] = 0x15;
            t.Cc[VEOF] = 0x04;
            t.Cc[VSTART] = 0x11;
            t.Cc[VSTOP] = 0x13;
            t.Cc[VSUSP] = 0x1a;
            t.Cc[VREPRINT] = 0x12;
            t.Cc[VDISCARD] = 0x0f;
            t.Cc[VWERASE] = 0x17;
            t.Cc[VLNEXT] = 0x16;
            t.Cc[VMIN] = 1;
            return t;
        }

        /// <summary>
        /// A serial console as Linux sets it up (the PL011 console under QEMU: `stty -a` shows
        /// speed 38400, cs8 hupcl cread clocal): <see cref="Standard"/> with CLOCAL.
        /// </summary>
        public static Termios SerialConsole()
        {
            Termios t = Standard();
            t.Cflag |= CLOCAL;
            return t;
        }

        public static Termios Read(ReadOnlySpan<byte> source)
        {
            Termios t = default;
            t.Iflag = LittleEndian.U32(source, 0);
            t.Oflag = LittleEndian.U32(source, 4);
            t.Cflag = LittleEndian.U32(source, 8);
            t.Lflag = LittleEndian.U32(source, 12);
            t.Line = source[16];
            for (int i = 0; i < NCCS; i++)
                t.Cc[i] = source[CcOffset + i];
            return t;
        }

        public readonly void Write(Span<byte> destination)
        {
            LittleEndian.Put32(destination, 0, Iflag);
            LittleEndian.Put32(destination, 4, Oflag);
            LittleEndian.Put32(destination, 8, Cflag);
            LittleEndian.Put32(destination, 12, Lflag);
            destination[16] = Line;
            for (int i = 0; i < NCCS; i++)
                destination[CcOffset + i] = Cc[i];
        }
    }
}
