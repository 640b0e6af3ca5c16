using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// The neighbour table for IPv4 over Ethernet, Linux-like (net/core/neighbour.c): an address being
    /// resolved is Incomplete while up to <see cref="MaxProbes"/> broadcast requests go out a second apart,
    /// then fails (its waiting datagrams are dropped); an answer makes it Reachable for
    /// <see cref="ReachableMs"/>; after that it is Stale: still used, but the next use sends a unicast
    /// request, and one that is not answered after <see cref="MaxProbes"/> such requests is forgotten.
    /// Datagrams waiting for a resolution wait in a small bounded queue (<see cref="PendingSlots"/>
    /// frames, <see cref="PendingPerAddress"/> per address; the oldest goes first), as Linux's unres_qlen.
    /// </summary>
    public sealed class ArpCache
    {
        public const int Capacity = 64, PendingSlots = 16, PendingPerAddress = 4, MaxProbes = 3;
        public const ulong ReachableMs = 30_000, ProbeIntervalMs = 1_000, StaleForgetMs = 600_000;

        private readonly NetStack _stack;
        private readonly ArpEntry[] _entries = new ArpEntry[Capacity];
        private readonly byte[]?[] _pendingFrame = new byte[]?[PendingSlots];
        private readonly int[] _pendingLength = new int[PendingSlots];
        private readonly uint[] _pendingHop = new uint[PendingSlots];
        private readonly NetInterface?[] _pendingInterface = new NetInterface?[PendingSlots];
        private readonly ulong[] _pendingSince = new ulong[PendingSlots];

        /// <summary>Datagrams dropped because their next hop never answered or the queue was full.</summary>
        public ulong Dropped;

        internal ArpCache(NetStack stack) => _stack = stack;

        public ArpEntry At(int index) => _entries[index];

        private int Find(NetInterface iface, uint address)
        {
            for (int i = 0; i < Capacity; i++)
                if (_entries[i].State != ArpEntry.Free && _entries[i].Address == address && _entries[i].Interface == iface)
                    return i;
            return -1;
        }

        /// <summary>A slot for a new entry: a free one, else the least recently used entry that is not being resolved.</summary>
        private int Allocate()
        {
            int victim = -1;
            for (int i = 0; i < Capacity; i++)
            {
                if (_entries[i].State == ArpEntry.Free)
                    return i;
                if (_entries[i].State != ArpEntry.Incomplete && (victim < 0 || _entries[i].UsedAt < _entries[victim].UsedAt))
                    victim = i;
            }
            if (victim < 0)
            {
                victim = 0;
                Fail(0);
            }
            _entries[victim] = default;
            return victim;
        }

        /// <summary>What the table knows of <paramref name="address"/> (for tests and /proc/net/arp).</summary>
        public bool TryGet(NetInterface iface, uint address, out MacAddress mac)
        {
            int i = Find(iface, address);
            mac = i >= 0 && _entries[i].State != ArpEntry.Incomplete ? _entries[i].Mac : MacAddress.Zero;
            return i >= 0 && _entries[i].State != ArpEntry.Incomplete;
        }

        /// <summary>
        /// Sends <paramref name="frame"/> (an Ethernet frame whose destination is to be filled) to the next hop
        /// <paramref name="hop"/>: at once when it is known, else after the answer. 0, or -ENOBUFS.
        /// </summary>
        internal int Send(NetInterface iface, uint hop, Span<byte> frame, ulong now)
        {
            int i = Find(iface, hop);
            if (i >= 0 && _entries[i].State != ArpEntry.Incomplete)
            {
                ref ArpEntry e = ref _entries[i];
                e.UsedAt = now;
                if (e.State == ArpEntry.Reachable && now - e.ConfirmedAt >= ReachableMs)
                {
                    e.State = ArpEntry.Stale;
                    e.Probes = 0;
                    e.NextProbeAt = now;
                }
                if (e.State == ArpEntry.Stale && now >= e.NextProbeAt && e.Probes < MaxProbes)
                {
                    e.Probes++;
                    e.NextProbeAt = now + ProbeIntervalMs;
                    _stack.SendArp(iface, ArpPacket.Request, e.Mac, hop);
                }
                e.Mac.Write(frame, 0);
                return _stack.Transmit(iface, frame);
            }
            if (i < 0)
            {
                i = Allocate();
                ref ArpEntry e = ref _entries[i];
                e.State = ArpEntry.Incomplete;
                e.Address = hop;
                e.Interface = iface;
                e.UsedAt = now;
                e.Probes = 1;
                e.NextProbeAt = now + ProbeIntervalMs;
                _stack.SendArp(iface, ArpPacket.Request, MacAddress.Broadcast, hop);
            }
            return Queue(iface, hop, frame, now);
        }

        private int Queue(NetInterface iface, uint hop, ReadOnlySpan<byte> frame, ulong now)
        {
            int free = -1, oldest = -1, oldestOfHop = -1, ofHop = 0;
            for (int s = 0; s < PendingSlots; s++)
            {
                if (_pendingInterface[s] == null)
                {
                    if (free < 0)
                        free = s;
                    continue;
                }
                if (oldest < 0 || _pendingSince[s] < _pendingSince[oldest])
                    oldest = s;
                if (_pendingHop[s] == hop && _pendingInterface[s] == iface)
                {
                    ofHop++;
                    if (oldestOfHop < 0 || _pendingSince[s] < _pendingSince[oldestOfHop])
                        oldestOfHop = s;
                }
            }
            int slot = ofHop >= PendingPerAddress ? oldestOfHop : free >= 0 ? free : oldest;
            if (_pendingInterface[slot] != null)
                DropPending(slot);
            byte[]? buffer = _pendingFrame[slot];
            if (buffer == null || buffer.Length < frame.Length)
            {
                Owned.Free(buffer);
                buffer = new byte[frame.Length > Ethernet.MaxFrame ? frame.Length : Ethernet.MaxFrame];
                _pendingFrame[slot] = buffer;
            }
            frame.CopyTo(buffer);
            _pendingLength[slot] = frame.Length;
            _pendingHop[slot] = hop;
            _pendingInterface[slot] = iface;
            _pendingSince[slot] = now;
            return 0;
        }

        private void DropPending(int slot)
        {
            NetInterface iface = _pendingInterface[slot]!;
            iface.TxDropped++;
            Dropped++;
            _pendingInterface[slot] = null;
        }

        /// <summary>The number of frames waiting for resolution.</summary>
        public int PendingCount
        {
            get
            {
                int n = 0;
                for (int s = 0; s < PendingSlots; s++)
                    if (_pendingInterface[s] != null)
                        n++;
                return n;
            }
        }

        /// <summary>
        /// An ARP packet from <paramref name="ip"/> at <paramref name="mac"/> arrived: refresh what we know (Linux
        /// updates an existing entry from any ARP packet, and creates one when the packet was for us), then send
        /// what waited for it.
        /// </summary>
        internal void Learn(NetInterface iface, uint ip, MacAddress mac, bool forUs, ulong now)
        {
            if (ip == 0 || mac.IsGroup || mac.IsZero)
                return;
            int i = Find(iface, ip);
            if (i < 0)
            {
                if (!forUs)
                    return;
                i = Allocate();
                _entries[i].Address = ip;
                _entries[i].Interface = iface;
                _entries[i].UsedAt = now;
            }
            ref ArpEntry e = ref _entries[i];
            e.State = ArpEntry.Reachable;
            e.Mac = mac;
            e.ConfirmedAt = now;
            e.Probes = 0;
            for (int s = 0; s < PendingSlots; s++)
            {
                if (_pendingInterface[s] != iface || _pendingHop[s] != ip)
                    continue;
                _pendingInterface[s] = null;
                Span<byte> frame = new Span<byte>(_pendingFrame[s]!, 0, _pendingLength[s]);
                mac.Write(frame, 0);
                _stack.Transmit(iface, frame);
            }
        }

        private void Fail(int i)
        {
            ref ArpEntry e = ref _entries[i];
            for (int s = 0; s < PendingSlots; s++)
                if (_pendingInterface[s] == e.Interface && _pendingHop[s] == e.Address)
                    DropPending(s);
            e = default;
        }

        /// <summary>Forgets every entry of <paramref name="iface"/> (its address changed or it went down).</summary>
        internal void Flush(NetInterface iface)
        {
            for (int i = 0; i < Capacity; i++)
                if (_entries[i].State != ArpEntry.Free && _entries[i].Interface == iface)
                    Fail(i);
        }

        /// <summary>Timers: requests for addresses being resolved, failures, forgetting stale entries. Returns the next deadline.</summary>
        internal ulong Poll(ulong now)
        {
            ulong next = ulong.MaxValue;
            for (int i = 0; i < Capacity; i++)
            {
                ref ArpEntry e = ref _entries[i];
                if (e.State == ArpEntry.Incomplete)
                {
                    if (now >= e.NextProbeAt)
                    {
                        if (e.Probes >= MaxProbes)
                        {
                            Fail(i);
                            continue;
                        }
                        e.Probes++;
                        e.NextProbeAt = now + ProbeIntervalMs;
                        _stack.SendArp(e.Interface!, ArpPacket.Request, MacAddress.Broadcast, e.Address);
                    }
                    if (e.NextProbeAt < next)
                        next = e.NextProbeAt;
                }
                else if (e.State == ArpEntry.Stale)
                {
                    if (e.Probes >= MaxProbes && now >= e.NextProbeAt)
                        e = default; // probed and never answered: resolve afresh on the next use
                    else if (now - e.UsedAt >= StaleForgetMs)
                        e = default;
                    else if (e.Probes > 0 && e.NextProbeAt < next)
                        next = e.NextProbeAt;
                }
                else if (e.State == ArpEntry.Reachable && now - e.ConfirmedAt >= ReachableMs)
                {
                    e.State = ArpEntry.Stale;
                    e.Probes = 0;
                }
            }
            return next;
        }

        internal void Dispose()
        {
            for (int s = 0; s < PendingSlots; s++)
            {
                Owned.Free(_pendingFrame[s]);
                _pendingFrame[s] = null;
            }
        }
    }
}
