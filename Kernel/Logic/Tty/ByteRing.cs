using System;

namespace Kernel.Logic.Tty
{
    /// <summary>
    /// A bounded byte queue (a pseudo-terminal's data on its way from the slave to the master). Put takes
    /// what fits and says how much; the caller decides whether to wait. The owner calls <see cref="Free"/>.
    /// </summary>
    public sealed class ByteRing
    {
        private readonly byte[] _data;
        private int _head, _count;

        public ByteRing(int capacity) { _data = new byte[capacity]; }

        public int Capacity => _data.Length;
        public int Count => _count;
        public int Space => _data.Length - _count;

        /// <summary>Appends as much of <paramref name="source"/> as fits; returns how much that was.</summary>
        public int Put(ReadOnlySpan<byte> source)
        {
            int n = source.Length < Space ? source.Length : Space;
            int tail = (_head + _count) % _data.Length;
            for (int i = 0; i < n; i++)
            {
                _data[tail] = source[i];
                if (++tail == _data.Length)
                    tail = 0;
            }
            _count += n;
            return n;
        }

        /// <summary>Removes up to <paramref name="destination"/>.Length bytes from the front; returns how many.</summary>
        public int Take(Span<byte> destination)
        {
            int n = destination.Length < _count ? destination.Length : _count;
            for (int i = 0; i < n; i++)
            {
                destination[i] = _data[_head];
                if (++_head == _data.Length)
                    _head = 0;
            }
            _count -= n;
            if (_count == 0)
                _head = 0;
            return n;
        }

        public void Clear() => _head = _count = 0;

        public void Free()
        {
            Owned.Free(_data);
            Owned.Free(this);
        }
    }
}
