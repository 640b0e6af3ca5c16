using System;

namespace Kernel.Logic.Net.Tcp
{
    /// <summary>
    /// A bounded byte queue in one array: a send buffer (unacknowledged then unsent bytes) or a
    /// receive buffer (readable bytes, then out-of-order bytes parked at their offsets). Offsets are
    /// counted from the oldest byte. The owner calls <see cref="FreeStorage"/> and then frees the object.
    /// </summary>
    public sealed class ByteRing
    {
        private byte[] _data;
        private int _head;
        private int _count;

        public ByteRing(int capacity)
        {
            _data = new byte[capacity];
        }

        public int Capacity => _data.Length;

        /// <summary>Bytes queued (in order).</summary>
        public int Count => _count;

        public int Free => _data.Length - _count;

        /// <summary>Appends as much of <paramref name="bytes"/> as fits; returns how much.</summary>
        public int Append(ReadOnlySpan<byte> bytes)
        {
            int n = Math.Min(bytes.Length, Free);
            WriteAt(_count, bytes.Slice(0, n));
            _count += n;
            return n;
        }

        /// <summary>Writes bytes at <paramref name="offset"/> from the oldest byte, which may lie past <see cref="Count"/> (out-of-order data); offset + length must not exceed the capacity.</summary>
        public void WriteAt(int offset, ReadOnlySpan<byte> bytes)
        {
            int start = Wrap(_head + offset);
            int first = Math.Min(bytes.Length, _data.Length - start);
            bytes.Slice(0, first).CopyTo(new Span<byte>(_data, start, first));
            if (first < bytes.Length)
                bytes.Slice(first).CopyTo(new Span<byte>(_data, 0, bytes.Length - first));
        }

        /// <summary>Counts <paramref name="n"/> more bytes as queued (ones <see cref="WriteAt"/> already placed).</summary>
        public void Extend(int n) => _count += n;

        /// <summary>Copies bytes starting at <paramref name="offset"/> into <paramref name="destination"/> (its whole length), without consuming them.</summary>
        public void CopyOut(int offset, Span<byte> destination)
        {
            int start = Wrap(_head + offset);
            int first = Math.Min(destination.Length, _data.Length - start);
            new ReadOnlySpan<byte>(_data, start, first).CopyTo(destination);
            if (first < destination.Length)
                new ReadOnlySpan<byte>(_data, 0, destination.Length - first).CopyTo(destination.Slice(first));
        }

        /// <summary>Drops the <paramref name="n"/> oldest bytes.</summary>
        public void Consume(int n)
        {
            _head = Wrap(_head + n);
            _count -= n;
        }

        /// <summary>Changes the capacity, keeping queued bytes (never below <see cref="Count"/>); out-of-order bytes beyond Count are lost.</summary>
        public void Resize(int capacity)
        {
            if (capacity < _count)
                capacity = _count;
            if (capacity == _data.Length)
                return;
            byte[] next = new byte[capacity];
            CopyOut(0, new Span<byte>(next, 0, _count));
            Owned.Free(_data);
            _data = next;
            _head = 0;
        }

        /// <summary>Frees the storage (the owner then frees this object).</summary>
        public void FreeStorage()
        {
            Owned.Free(_data);
            _data = Array.Empty<byte>();
            _head = 0;
            _count = 0;
        }

        private int Wrap(int i) => i >= _data.Length ? i - _data.Length : i;
    }
}
