using System;
using System.Threading;

namespace Kernel.Logic.Virtio
{
    /// <summary>
    /// The driver's side of a split virtqueue (VirtIO 1.2 §2.7) in memory shared with the device:
    /// a free list of descriptors threaded through their <c>next</c> fields, chains published in the
    /// available ring, completed chains taken from the used ring and their descriptors freed, and the
    /// notification decisions both ways, with or without VIRTIO_F_EVENT_IDX (§2.7.7, §2.7.10).
    /// Not synchronised: the caller serialises calls (the kernel masks interrupts around them). The
    /// memory barrier between writing a ring entry and publishing its index is a full one
    /// (<see cref="Interlocked.MemoryBarrier"/>: DMB ISH on arm64, what Linux uses for virtio).
    /// </summary>
    public sealed unsafe class SplitVirtqueue
    {
        public const ushort DescriptorNext = 1, DescriptorWrite = 2;
        /// <summary>Available ring flag: the driver wants no interrupt (without EVENT_IDX).</summary>
        public const ushort AvailNoInterrupt = 1;
        /// <summary>Used ring flag: the device wants no notification (without EVENT_IDX).</summary>
        public const ushort UsedNoNotify = 1;

        private struct Cell16 { public volatile ushort Value; }
        private struct Cell32
        {
#pragma warning disable CS0649 // written by the device
            public volatile uint Value;
#pragma warning restore CS0649
        }

        private readonly byte* _descriptors, _avail, _used;
        private readonly ushort _size;
        private readonly ulong _physical;
        private readonly VirtqueueLayout _layout;
        /// <summary>Descriptors in each chain in flight, by its head (0: not a head in flight).</summary>
        private readonly ushort[] _chainLength;
        private ushort _freeHead, _freeCount;
        private ushort _availIndex;      // the driver's copy of avail.idx
        private ushort _lastKickIndex;   // avail.idx when the device was last notified (or decided not to be)
        private ushort _lastUsedIndex;   // the next used entry to take
        private bool _interruptsOff;

        /// <summary>
        /// Lays a queue over zeroed memory at virtual <paramref name="memory"/>, physical <paramref name="physical"/>,
        /// arranged as <paramref name="layout"/> says.
        /// </summary>
        public SplitVirtqueue(byte* memory, ulong physical, VirtqueueLayout layout, bool eventIndex)
        {
            _size = layout.Size;
            _layout = layout;
            _physical = physical;
            _descriptors = memory;
            _avail = memory + layout.DriverOffset;
            _used = memory + layout.DeviceOffset;
            EventIndex = eventIndex;
            _chainLength = new ushort[_size];
            for (int i = 0; i < _size; i++)
                NextField(i) = (ushort)(i + 1);
            _freeHead = 0;
            _freeCount = _size;
        }

        public ushort Size => _size;
        public int FreeCount => _freeCount;
        public int InFlight => _size - _freeCount;
        /// <summary>VIRTIO_F_EVENT_IDX was negotiated: used_event/avail_event replace the flags.</summary>
        public bool EventIndex { get; }
        /// <summary>The device broke the protocol (a used entry naming no chain in flight); the queue is unusable.</summary>
        public bool Broken { get; private set; }

        public ulong DescriptorAddress => _physical;
        public ulong DriverAddress => _physical + _layout.DriverOffset;
        public ulong DeviceAddress => _physical + _layout.DeviceOffset;

        private ref ushort NextField(int index) => ref *(ushort*)(_descriptors + index * VirtqueueLayout.DescriptorSize + 14);
        private ref ushort FlagsField(int index) => ref *(ushort*)(_descriptors + index * VirtqueueLayout.DescriptorSize + 12);

        private ushort* AvailRing => (ushort*)(_avail + 4);
        private Cell16* AvailFlags => (Cell16*)_avail;
        private Cell16* AvailIdx => (Cell16*)(_avail + 2);
        private Cell16* UsedEvent => (Cell16*)(_avail + 4 + 2 * _size);
        private Cell16* UsedFlags => (Cell16*)_used;
        private Cell16* UsedIdx => (Cell16*)(_used + 2);
        private Cell16* AvailEvent => (Cell16*)(_used + 4 + VirtqueueLayout.UsedElementSize * _size);

        /// <summary>
        /// Puts a chain of buffers (device-readable ones first, as devices expect) in the available ring.
        /// Returns the head descriptor's index, which <see cref="TryTakeUsed"/> gives back when the device
        /// is done; -ENOSPC when too few descriptors are free, -EINVAL for an empty chain or a broken queue.
        /// The device sees it once the caller notifies it (<see cref="NeedsNotification"/>).
        /// </summary>
        public int Add(ReadOnlySpan<VirtqBuffer> chain)
        {
            if (chain.Length == 0 || Broken)
                return -Errno.EINVAL;
            if (chain.Length > _freeCount)
                return -Errno.ENOSPC;
            ushort head = _freeHead;
            ushort index = head;
            for (int i = 0; i < chain.Length; i++)
            {
                byte* d = _descriptors + index * VirtqueueLayout.DescriptorSize;
                *(ulong*)d = chain[i].Address;
                *(uint*)(d + 8) = chain[i].Length;
                ushort flags = chain[i].DeviceWrites ? DescriptorWrite : (ushort)0;
                if (i + 1 < chain.Length)
                    flags |= DescriptorNext;
                *(ushort*)(d + 12) = flags;
                if (i + 1 < chain.Length)
                    index = NextField(index);
            }
            _freeHead = NextField(index); // the last descriptor's next still points at the rest of the free list
            _freeCount -= (ushort)chain.Length;
            _chainLength[head] = (ushort)chain.Length;

            AvailRing[_availIndex & (_size - 1)] = head;
            Interlocked.MemoryBarrier(); // the entry before the index that publishes it
            _availIndex++;
            AvailIdx->Value = _availIndex;
            return head;
        }

        /// <summary>
        /// Whether the device must be notified of the chains added since the last call (§2.7.10):
        /// with EVENT_IDX when avail.idx has passed the device's avail_event, otherwise unless the
        /// device set NO_NOTIFY. Call after <see cref="Add"/> (once for a batch), then notify when true.
        /// </summary>
        public bool NeedsNotification()
        {
            Interlocked.MemoryBarrier(); // the published index before reading the device's wish
            ushort old = _lastKickIndex, now = _availIndex;
            _lastKickIndex = now;
            if (old == now)
                return false;
            if (EventIndex)
                return NeedEvent(AvailEvent->Value, now, old);
            return (UsedFlags->Value & UsedNoNotify) == 0;
        }

        /// <summary>
        /// vring_need_event (§2.7.10): whether <paramref name="eventIndex"/> lies in the window
        /// (<paramref name="old"/>, <paramref name="now"/>], in 16-bit wrapping arithmetic.
        /// </summary>
        public static bool NeedEvent(ushort eventIndex, ushort now, ushort old) => (ushort)(now - eventIndex - 1) < (ushort)(now - old);

        /// <summary>Whether the device has completed chains not yet taken.</summary>
        public bool HasUsed => !Broken && UsedIdx->Value != _lastUsedIndex;

        /// <summary>
        /// Takes the next completed chain: its head (as <see cref="Add"/> returned it) and the bytes the
        /// device wrote; frees its descriptors. False when there is none (or the device misbehaved:
        /// then <see cref="Broken"/> is set and the queue stays unusable).
        /// </summary>
        public bool TryTakeUsed(out ushort head, out uint written)
        {
            head = 0;
            written = 0;
            if (!HasUsed)
                return false;
            Interlocked.MemoryBarrier(); // the index before the entry it covers
            byte* element = _used + 4 + VirtqueueLayout.UsedElementSize * (_lastUsedIndex & (_size - 1));
            uint id = ((Cell32*)element)->Value;
            uint length = ((Cell32*)(element + 4))->Value;
            if (id >= _size || _chainLength[id] == 0)
            {
                Broken = true;
                return false;
            }
            head = (ushort)id;
            written = length;
            FreeChain(head);
            _lastUsedIndex++;
            if (EventIndex && !_interruptsOff)
            {
                UsedEvent->Value = _lastUsedIndex; // interrupt at the next completion...
                Interlocked.MemoryBarrier();       // ...seen before the caller's next look at used.idx
            }
            return true;
        }

        private void FreeChain(ushort head)
        {
            ushort count = _chainLength[head];
            _chainLength[head] = 0;
            ushort last = head;
            for (int i = 1; i < count; i++)
                last = NextField(last);
            FlagsField(last) = 0;
            NextField(last) = _freeHead;
            _freeHead = head;
            _freeCount += count;
        }

        /// <summary>Asks the device not to interrupt on completions (a hint it may ignore).</summary>
        public void DisableInterrupts()
        {
            _interruptsOff = true;
            if (!EventIndex)
                AvailFlags->Value = AvailNoInterrupt;
        }

        /// <summary>
        /// Asks for an interrupt at the next completion. Returns true when completions arrived meanwhile
        /// (the caller takes them itself: no interrupt may come for those).
        /// </summary>
        public bool EnableInterrupts()
        {
            _interruptsOff = false;
            if (EventIndex)
                UsedEvent->Value = _lastUsedIndex;
            else
                AvailFlags->Value = 0;
            Interlocked.MemoryBarrier();
            return HasUsed;
        }
    }
}
