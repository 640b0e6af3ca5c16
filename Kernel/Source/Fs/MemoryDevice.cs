using System;
using Kernel.Crypto;
using Kernel.Logic.Fs;
using Kernel.Logic;

namespace Kernel.Fs
{
    /// <summary>/dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom.</summary>
    public sealed class MemoryDevice : OpenFile
    {
        public enum Kind { Null, Zero, Full, Random }

        private readonly Kind _kind;
        private readonly ulong _rdev;

        public MemoryDevice(Kind kind, ulong rdev)
        {
            _kind = kind;
            _rdev = rdev;
        }

        public override bool IsStream => _kind == Kind.Null;
        public override bool MapsAnonymous => _kind == Kind.Zero;

        public override long Read(Span<byte> destination)
        {
            switch (_kind)
            {
                case Kind.Null:
                    return 0;
                case Kind.Random:
                    Random.Fill(destination);
                    return destination.Length;
                default:
                    destination.Clear();
                    return destination.Length;
            }
        }

        public override long Write(ReadOnlySpan<byte> source) => _kind == Kind.Full ? -Errno.ENOSPC : source.Length;
        public override long ReadAt(Span<byte> destination, long offset) => Read(destination);
        public override long WriteAt(ReadOnlySpan<byte> source, long offset) => Write(source);
        public override long Seek(long offset, int whence) => 0;

        public override int Stat(Span<byte> stat)
            => Node != null ? base.Stat(stat) : StatLayout.WriteStat(stat, DevtmpfsDevice, 100 + (ulong)_kind, InodeMode.S_IFCHR | InodeMode.S_IRUGO | InodeMode.S_IWUGO, _rdev);
    }
}
