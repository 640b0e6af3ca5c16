using System;
using Kernel.Logic;

namespace Kernel.Fs
{
    /// <summary>A pipe's shared buffer: 64 KiB ring, reader and writer counts.</summary>
    public sealed unsafe class Pipe
    {
        public const int Capacity = 65536;
        /// <summary>PIPE_BUF: writes up to this size are never interleaved with other writers'.</summary>
        public const int AtomicWrite = 4096;
        private readonly byte[] _ring = new byte[Capacity];
        private int _head, _count;
        public int Readers, Writers;
        public readonly ulong Ino;
        public bool Named;
        /// <summary>An anonymous pipe reopened through /proc/PID/fd: its FIFO inode in the pipe file system (held), else null.</summary>
        public Logic.Fs.Inode? ProcNode;
        public int Opens, WriterOpens;
        private static ulong s_nextIno = 0x10000;

        public Pipe() { Ino = s_nextIno++; }

        public int Available => _count;
        public int Space => Capacity - _count;

        public int Take(Span<byte> destination)
        {
            int n = destination.Length < _count ? destination.Length : _count;
            for (int i = 0; i < n; i++)
                destination[i] = _ring[(_head + i) % Capacity];
            _head = (_head + n) % Capacity;
            _count -= n;
            return n;
        }

        public int Put(ReadOnlySpan<byte> source)
        {
            int n = source.Length < Space ? source.Length : Space;
            int tail = (_head + _count) % Capacity;
            for (int i = 0; i < n; i++)
                _ring[(tail + i) % Capacity] = source[i];
            _count += n;
            return n;
        }

        public void Free()
        {
            Owned.Free(_ring);
            Owned.Free(this);
        }
    }
}
