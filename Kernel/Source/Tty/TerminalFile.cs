using System;
using Kernel.Fs;
using Kernel.Logic.Fs;

namespace Kernel.Tty
{
    /// <summary>An open file on a terminal: the console (/dev/console, /dev/ttyAMA0), a pty's slave (/dev/pts/N), or /dev/tty.</summary>
    public sealed class TerminalFile : OpenFile
    {
        private readonly Terminal _terminal;
        private readonly ulong _rdev;

        public TerminalFile(Terminal terminal, int flags, ulong rdev)
        {
            _terminal = terminal;
            Flags = flags;
            _rdev = rdev;
            terminal.FileOpened();
        }

        /// <summary>A file on the console as init gets its descriptors 0, 1 and 2 (/dev/console).</summary>
        public static TerminalFile Console(int flags) => new TerminalFile(SerialConsole.Instance, flags, DeviceNumber.Make(5, 1));

        public Terminal Terminal => _terminal;

        public override long Read(Span<byte> destination) => _terminal.Read(destination, NonBlocking);

        public override long Write(ReadOnlySpan<byte> source) => _terminal.Write(source, NonBlocking);

        public override int Ioctl(uint command, ulong argument) => _terminal.Ioctl(command, argument, false, CanRead);

        public override object WaitChannel => _terminal;

        public override int Poll() => _terminal.Poll();

        public override int Stat(Span<byte> stat) => Node != null ? base.Stat(stat) : StatLayout.WriteStat(stat, DevtmpfsDevice, 5, InodeMode.S_IFCHR | InodeMode.S_IRUSR | InodeMode.S_IWUSR, _rdev);

        public override int Describe(Span<byte> text, Logic.Fs.Inode root)
        {
            if (Node != null)
                return base.Describe(text, root);
            ReadOnlySpan<byte> name = "/dev/console"u8;
            name.CopyTo(text);
            return name.Length;
        }

        protected override void Closed()
        {
            base.Closed();
            _terminal.FileClosed();
        }
    }
}
