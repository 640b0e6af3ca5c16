using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// A bounded queue of datagrams in one ring of bytes (a socket's receive queue, the loopback queue):
    /// each record is a 12-byte header (length, address, port, a word for the owner) and the data, never
    /// split across the end of the ring. A datagram that does not fit is refused (the caller counts the
    /// drop), as Linux drops past SO_RCVBUF. The buffer is allocated once and freed by <see cref="Free"/>.
    /// </summary>
    public sealed class DatagramQueue
    {
        private const int HeaderBytes = 12;

        private byte[]? _ring;
        private int _head, _tail, _wrapEnd = -1, _count, _bytes;

        public DatagramQueue(int capacity) => _ring = new byte[capacity];

        public int Count => _count;
        public bool IsEmpty => _count == 0;
        /// <summary>The data bytes queued (without record headers), what FIONREAD's sum would be.</summary>
        public int Bytes => _bytes;
        public int Capacity => _ring == null ? 0 : _ring.Length;

        private static int RecordSize(int length) => HeaderBytes + ((length + 3) & ~3);

        /// <summary>Appends a datagram; false when it does not fit.</summary>
        public bool Enqueue(ReadOnlySpan<byte> data, uint address, ushort port, ushort extra = 0) =>
            Enqueue(data, ReadOnlySpan<byte>.Empty, address, port, extra);

        /// <summary>Appends the datagram <paramref name="first"/> followed by <paramref name="second"/>; false when it does not fit.</summary>
        public bool Enqueue(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, uint address, ushort port, ushort extra)
        {
            if (_ring == null)
                return false;
            int length = first.Length + second.Length;
            int size = RecordSize(length);
            int at;
            if (_count == 0)
            {
                _head = _tail = 0;
                _wrapEnd = -1;
            }
            if (_wrapEnd < 0)
            {
                if (_tail + size <= _ring.Length)
                    at = _tail;
                else if (size <= _head)
                {
                    _wrapEnd = _tail;
                    at = 0;
                }
                else
                    return false;
            }
            else if (_tail + size <= _head)
                at = _tail;
            else
                return false;
            Span<byte> r = new Span<byte>(_ring, at, size);
            LittleEndian.Put32(r, 0, (uint)length);
            LittleEndian.Put32(r, 4, address);
            LittleEndian.Put16(r, 8, port);
            LittleEndian.Put16(r, 10, extra);
            first.CopyTo(r.Slice(HeaderBytes));
            second.CopyTo(r.Slice(HeaderBytes + first.Length));
            _tail = at + size;
            _count++;
            _bytes += length;
            return true;
        }

        /// <summary>The first datagram (empty and zeros when none); it stays queued until <see cref="Dequeue"/>.</summary>
        public ReadOnlySpan<byte> Peek(out uint address, out ushort port, out ushort extra)
        {
            address = 0;
            port = 0;
            extra = 0;
            if (_count == 0)
                return ReadOnlySpan<byte>.Empty;
            ReadOnlySpan<byte> h = new ReadOnlySpan<byte>(_ring!, _head, HeaderBytes);
            int length = (int)LittleEndian.U32(h, 0);
            address = LittleEndian.U32(h, 4);
            port = LittleEndian.U16(h, 8);
            extra = LittleEndian.U16(h, 10);
            return new ReadOnlySpan<byte>(_ring!, _head + HeaderBytes, length);
        }

        /// <summary>The length of the first datagram, or -1 when empty.</summary>
        public int FirstLength => _count == 0 ? -1 : (int)LittleEndian.U32(new ReadOnlySpan<byte>(_ring!, _head, 4), 0);

        public void Dequeue()
        {
            if (_count == 0)
                return;
            int length = FirstLength;
            _head += RecordSize(length);
            _bytes -= length;
            _count--;
            if (_wrapEnd >= 0 && _head >= _wrapEnd)
            {
                _head = 0;
                _wrapEnd = -1;
            }
            if (_count == 0)
            {
                _head = _tail = 0;
                _wrapEnd = -1;
            }
        }

        public void Clear()
        {
            _head = _tail = _count = _bytes = 0;
            _wrapEnd = -1;
        }

        public void Free()
        {
            Owned.Free(_ring);
            _ring = null;
            Clear();
        }

        /// <summary>Frees <paramref name="queue"/>'s ring and the queue itself and clears the reference; false when there was none.</summary>
        public static bool Release(ref DatagramQueue? queue)
        {
            if (queue == null)
                return false;
            queue.Free();
            Owned.Free(queue);
            queue = null;
            return true;
        }
    }
}
