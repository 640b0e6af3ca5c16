using System;
using Kernel.Logic.Fs;
using Kernel.Logic;

namespace Kernel.Fs
{
    /// <summary>
    /// A file with no name in any file system (Linux's anon_inode files: epoll, eventfd, timerfd,
    /// signalfd): /proc/PID/fd shows "anon_inode:[KIND]", and fstat an inode of mode 0600 with no type bits.
    /// </summary>
    public abstract class AnonymousFile : OpenFile
    {
        private static ulong s_nextIno = 1;
        private readonly ulong _ino = s_nextIno++;

        /// <summary>The kind in the /proc/PID/fd link ("eventfd").</summary>
        protected abstract ReadOnlySpan<byte> Kind { get; }

        public override int Describe(Span<byte> text, Logic.Fs.Inode root)
        {
            var t = new TextBuilder(text);
            t.Append("anon_inode:["u8);
            t.Append(Kind);
            t.Append((byte)']');
            return t.Length;
        }

        public override int Stat(Span<byte> stat) => StatLayout.WriteStat(stat, AnonymousInodeDevice, _ino, InodeMode.S_IRUSR | InodeMode.S_IWUSR, 0);
    }
}
