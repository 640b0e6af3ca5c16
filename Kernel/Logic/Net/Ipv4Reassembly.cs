using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// Reassembly of fragmented IPv4 datagrams (RFC 791), bounded: at most <see cref="Slots"/> datagrams at
    /// once (a new one evicts the oldest), each given up <see cref="TimeoutMs"/> after its first fragment
    /// (Linux's ipfrag_time, 30 s). As Linux since 4.19, a fragment that overlaps data already received
    /// (other than an exact duplicate) discards the whole datagram; a datagram that would pass 65,535 bytes
    /// is discarded. A datagram's buffers (64 KiB and its bitmap) are allocated with its first fragment and freed
    /// as soon as it completes or is given up: fragments, however many and however malformed, leave no memory
    /// behind once their datagrams are gone.
    /// </summary>
    public sealed class Ipv4Reassembly
    {
        public const int Slots = 4, MaxPayload = 65535 - 20;
        public const ulong TimeoutMs = 30_000;
        private const int Blocks = (MaxPayload + 7) / 8;

        private readonly byte[]?[] _data = new byte[]?[Slots];
        private readonly ulong[]?[] _have = new ulong[]?[Slots];
        private readonly bool[] _used = new bool[Slots];
        private readonly uint[] _source = new uint[Slots], _destination = new uint[Slots];
        private readonly ushort[] _id = new ushort[Slots];
        private readonly byte[] _protocol = new byte[Slots];
        private readonly int[] _total = new int[Slots], _received = new int[Slots];
        private readonly ulong[] _started = new ulong[Slots];

        /// <summary>Datagrams completed, and given up (timeout, overlap, eviction, too large).</summary>
        public ulong Completed, Failed;

        public int InProgress
        {
            get
            {
                int n = 0;
                for (int i = 0; i < Slots; i++)
                    if (_used[i])
                        n++;
                return n;
            }
        }

        /// <summary>
        /// Adds one fragment (its payload at byte <paramref name="offset"/>, <paramref name="more"/> = MF). Returns
        /// the slot of a now complete datagram (read it with <see cref="Payload"/>, then <see cref="Release"/>),
        /// or -1.
        /// </summary>
        public int Add(uint source, uint destination, ushort id, byte protocol, int offset, bool more, ReadOnlySpan<byte> payload, ulong now)
        {
            int end = offset + payload.Length;
            if (end > MaxPayload || (more && (payload.Length & 7) != 0) || (more && payload.Length == 0))
            {
                Drop(Find(source, destination, id, protocol));
                return -1;
            }
            int s = Find(source, destination, id, protocol);
            if (s < 0)
            {
                s = Allocate(now);
                _source[s] = source;
                _destination[s] = destination;
                _id[s] = id;
                _protocol[s] = protocol;
            }
            ulong[] have = _have[s]!;
            if (!more)
            {
                if (_total[s] >= 0 && _total[s] != end || _received[s] > end)
                {
                    Drop(s);
                    return -1;
                }
                _total[s] = end;
            }
            else if (_total[s] >= 0 && end > _total[s])
            {
                Drop(s);
                return -1;
            }
            int first = offset / 8, last = (end + 7) / 8;
            int already = 0;
            for (int b = first; b < last; b++)
                if ((have[b >> 6] >> (b & 63) & 1) != 0)
                    already++;
            if (already == last - first && last > first)
                return -1; // an exact duplicate
            if (already != 0)
            {
                Drop(s);
                return -1;
            }
            for (int b = first; b < last; b++)
                have[b >> 6] |= 1UL << (b & 63);
            payload.CopyTo(new Span<byte>(_data[s]!, offset, payload.Length));
            if (end > _received[s])
                _received[s] = end;
            if (_total[s] < 0)
                return -1;
            int blocks = (_total[s] + 7) / 8;
            for (int b = 0; b < blocks; b++)
                if ((have[b >> 6] >> (b & 63) & 1) == 0)
                    return -1;
            Completed++;
            return s;
        }

        /// <summary>Slots holding buffers: only those with a datagram in progress (or complete and not yet released).</summary>
        public int BuffersHeld
        {
            get
            {
                int n = 0;
                for (int i = 0; i < Slots; i++)
                    if (_data[i] != null || _have[i] != null)
                        n++;
                return n;
            }
        }

        public ReadOnlySpan<byte> Payload(int slot) => new ReadOnlySpan<byte>(_data[slot]!, 0, _total[slot]);

        public void Release(int slot)
        {
            _used[slot] = false;
            FreeBuffers(slot);
        }

        private void FreeBuffers(int slot)
        {
            Owned.Free(_data[slot]);
            Owned.Free(_have[slot]);
            _data[slot] = null;
            _have[slot] = null;
        }

        private int Find(uint source, uint destination, ushort id, byte protocol)
        {
            for (int i = 0; i < Slots; i++)
                if (_used[i] && _source[i] == source && _destination[i] == destination && _id[i] == id && _protocol[i] == protocol)
                    return i;
            return -1;
        }

        private int Allocate(ulong now)
        {
            int s = -1;
            for (int i = 0; i < Slots && s < 0; i++)
                if (!_used[i])
                    s = i;
            if (s < 0)
            {
                s = 0;
                for (int i = 1; i < Slots; i++)
                    if (_started[i] < _started[s])
                        s = i;
                Drop(s);
            }
            _data[s] = new byte[MaxPayload];
            _have[s] = new ulong[(Blocks + 63) / 64]; // zeroed: no block received yet
            _used[s] = true;
            _total[s] = -1;
            _received[s] = 0;
            _started[s] = now;
            return s;
        }

        private void Drop(int slot)
        {
            if (slot < 0 || !_used[slot])
                return;
            _used[slot] = false;
            FreeBuffers(slot);
            Failed++;
        }

        /// <summary>Gives up datagrams older than the timeout; returns the next deadline.</summary>
        public ulong Poll(ulong now)
        {
            ulong next = ulong.MaxValue;
            for (int i = 0; i < Slots; i++)
            {
                if (!_used[i])
                    continue;
                if (now - _started[i] >= TimeoutMs)
                    Drop(i);
                else if (_started[i] + TimeoutMs < next)
                    next = _started[i] + TimeoutMs;
            }
            return next;
        }

        public void Free()
        {
            for (int i = 0; i < Slots; i++)
            {
                FreeBuffers(i);
                _used[i] = false;
            }
        }
    }
}
