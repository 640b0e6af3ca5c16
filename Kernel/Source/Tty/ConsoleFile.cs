using System;
using Kernel.Fs;
using Kernel.Logic.Fs;

namespace Kernel.Tty
{
    /// <summary>An open file on the console terminal.</summary>
    public sealed class ConsoleFile : OpenFile
    {
        private readonly ulong _rdev;

        public ConsoleFile(int flags, ulong rdev = (5UL << 8) | 1)
        {
            Flags = flags;
            _rdev = rdev;
        }

        public override long Read(Span<byte> destination) => Console.Read(destination, NonBlocking);

        public override long Write(ReadOnlySpan<byte> source)
        {
            Console.Output(source);
            return source.Length;
        }

        public override int Ioctl(uint command, ulong argument) => Console.Ioctl(command, argument);

        public override object WaitChannel => Console.Channel;

        public override int Poll() => OpenFlags.PollOut | OpenFlags.PollWrNorm | (Console.PollReadable ? OpenFlags.PollIn | OpenFlags.PollRdNorm : 0);

        public override int Stat(Span<byte> stat) => Node != null ? base.Stat(stat) : StatLayout.WriteStat(stat, DevtmpfsDevice, 5, InodeMode.S_IFCHR | InodeMode.S_IRUSR | InodeMode.S_IWUSR, _rdev);

        public override int Describe(Span<byte> text, Logic.Fs.Inode root)
        {
            if (Node != null)
                return base.Describe(text, root);
            ReadOnlySpan<byte> name = "/dev/console"u8;
            name.CopyTo(text);
            return name.Length;
        }
    }
}
