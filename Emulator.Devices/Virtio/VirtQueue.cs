using System.Buffers.Binary;

namespace Emulator.Devices.Virtio;

/// <summary>
/// A split virtqueue (OASIS virtio 1.x, 2.7 "Split Virtqueues") as the device sees it: the descriptor
/// table, the available ring the driver fills and the used ring the device fills, all in guest RAM and
/// reached only through the guest memory accessor. A malformed chain (a loop, a buffer outside RAM, a
/// chain longer than the queue, indirect inside indirect, ...) is never followed: the queue stops, and the
/// transport is told (it sets DEVICE_NEEDS_RESET). Not thread-safe: used under the machine lock.
/// </summary>
public sealed class VirtQueue
{
    /// <summary>The largest queue the transport offers (QEMU's VIRTQUEUE_MAX_SIZE).</summary>
    public const int MaxSize = 1024;

    /// <summary>The queue size a queue starts with before the driver writes QueueNum (QEMU's default for blk).</summary>
    public const int DefaultSize = 256;

    // Descriptor flags (2.7.5).
    private const ushort VIRTQ_DESC_F_NEXT = 1;
    private const ushort VIRTQ_DESC_F_WRITE = 2;
    private const ushort VIRTQ_DESC_F_INDIRECT = 4;

    // Available ring flags (2.7.6): the driver asks for no used-buffer notification.
    private const ushort VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

    private const int DescriptorSize = 16;

    private readonly IGuestMemory _memory;
    private readonly Action<string> _malformed;

    private ushort _lastAvailIndex;
    private ushort _usedIndex;
    private ushort _signalledUsed;
    private bool _signalledUsedValid;
    private int _inFlight;

    /// <param name="malformed">Called once when the driver breaks the queue; the message says how.</param>
    public VirtQueue(int index, IGuestMemory memory, Action<string> malformed)
    {
        Index = index;
        _memory = memory;
        _malformed = malformed;
    }

    public int Index { get; }

    /// <summary>The number of descriptors (QueueNum); 1..<see cref="MaxSize"/>.</summary>
    public int Size { get; set; } = DefaultSize;

    public ulong DescriptorTable { get; set; }

    public ulong AvailableRing { get; set; }

    public ulong UsedRing { get; set; }

    /// <summary>Whether the driver has enabled the queue (QueueReady, or a non-zero legacy QueuePFN).</summary>
    public bool Ready { get; set; }

    /// <summary>VIRTIO_F_EVENT_IDX was negotiated: used_event and avail_event are in use.</summary>
    public bool EventIndex { get; set; }

    /// <summary>Set once the driver has broken the queue; cleared by <see cref="Reset"/>.</summary>
    public bool Broken { get; set; }

    /// <summary>Back to the state after a device reset: not ready, no addresses, indexes at zero.</summary>
    public void Reset()
    {
        Size = DefaultSize;
        DescriptorTable = AvailableRing = UsedRing = 0;
        Ready = EventIndex = Broken = false;
        _lastAvailIndex = _usedIndex = _signalledUsed = 0;
        _signalledUsedValid = false;
        _inFlight = 0;
    }

    /// <summary>
    /// Takes the next available chain, or null when there is none, the queue is not ready, or it is broken
    /// (a malformed chain breaks it here, and the transport hears of it).
    /// </summary>
    public DescriptorChain? Pop()
    {
        if (!Ready || Broken)
        {
            return null;
        }

        if (!TryReadU16(AvailableRing + 2, out var availIndex))
        {
            return Fail($"its available ring at 0x{AvailableRing:x} is outside RAM");
        }

        if (availIndex == _lastAvailIndex)
        {
            return null;
        }

        if ((ushort)(availIndex - _lastAvailIndex) > Size)
        {
            return Fail($"the driver moved the available index from {_lastAvailIndex} to {availIndex}, past the queue size {Size}");
        }

        if (_inFlight >= Size)
        {
            return Fail($"more than {Size} chains are in flight");
        }

        // The ring entry is read only after the index that published it (the driver's write barrier pairs with this).
        Thread.MemoryBarrier();
        if (!TryReadU16(AvailableRing + 4 + (2UL * (ulong)(_lastAvailIndex % Size)), out var head))
        {
            return Fail($"its available ring at 0x{AvailableRing:x} is outside RAM");
        }

        if (head >= Size)
        {
            return Fail($"the driver made descriptor {head} available, beyond the queue size {Size}");
        }

        _lastAvailIndex++;
        var chain = Walk(head);
        if (chain == null)
        {
            return null;
        }

        _inFlight++;
        if (EventIndex)
        {
            // avail_event: notify the device again only when the driver makes entries past this one available.
            WriteU16(UsedRing + 4 + (8UL * (ulong)Size), _lastAvailIndex);
        }

        return chain;
    }

    /// <summary>Gives a chain back to the driver through the used ring, with the count of bytes written into it.</summary>
    public void Push(ushort head, uint writtenLength)
    {
        if (Broken || !Ready)
        {
            return;
        }

        Span<byte> element = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(element, head);
        BinaryPrimitives.WriteUInt32LittleEndian(element[4..], writtenLength);
        if (!_memory.TryWrite(UsedRing + 4 + (8UL * (ulong)(_usedIndex % Size)), element))
        {
            Fail($"its used ring at 0x{UsedRing:x} is outside RAM");
            return;
        }

        // The element must be visible before the index that publishes it.
        Thread.MemoryBarrier();
        _usedIndex++;
        if (!WriteU16(UsedRing + 2, _usedIndex))
        {
            return;
        }

        _inFlight = Math.Max(0, _inFlight - 1);
    }

    /// <summary>
    /// Whether the driver wants a used-buffer notification for what was pushed since the last one: with
    /// EVENT_IDX, when used_event was crossed (2.7.10); otherwise unless it set VIRTQ_AVAIL_F_NO_INTERRUPT.
    /// </summary>
    public bool NeedsInterrupt()
    {
        if (Broken || !Ready)
        {
            return false;
        }

        Thread.MemoryBarrier();
        if (!EventIndex)
        {
            return TryReadU16(AvailableRing, out var flags) && (flags & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
        }

        var valid = _signalledUsedValid;
        var old = _signalledUsed;
        _signalledUsedValid = true;
        _signalledUsed = _usedIndex;
        if (!TryReadU16(AvailableRing + 4 + (2UL * (ulong)Size), out var usedEvent))
        {
            return true;
        }

        // vring_need_event: the driver's used_event lies in [old, new).
        return !valid || (ushort)(_usedIndex - usedEvent - 1) < (ushort)(_usedIndex - old);
    }

    /// <summary>Follows a chain from <paramref name="head"/>, checking every descriptor; null if malformed.</summary>
    private DescriptorChain? Walk(ushort head)
    {
        var table = DescriptorTable;
        var tableSize = Size;
        var index = (int)head;
        if (!TryReadDescriptor(table, index, out var descriptor))
        {
            return Fail($"its descriptor table at 0x{table:x} is outside RAM");
        }

        var indirect = false;
        if ((descriptor.Flags & VIRTQ_DESC_F_INDIRECT) != 0)
        {
            if (descriptor.Length == 0 || descriptor.Length % DescriptorSize != 0)
            {
                return Fail($"descriptor {head} points to an indirect table of {descriptor.Length} bytes, not a whole number of descriptors");
            }

            if (!_memory.Contains(descriptor.Address, descriptor.Length))
            {
                return Fail($"descriptor {head} points to an indirect table at 0x{descriptor.Address:x}+{descriptor.Length} outside RAM");
            }

            table = descriptor.Address;
            tableSize = (int)(descriptor.Length / DescriptorSize);
            index = 0;
            indirect = true;
            if (!TryReadDescriptor(table, index, out descriptor))
            {
                return Fail($"its indirect table at 0x{table:x} is outside RAM");
            }
        }

        var readable = new List<VirtioBuffer>();
        var writable = new List<VirtioBuffer>();
        var total = 0UL;
        var count = 0;
        while (true)
        {
            if ((descriptor.Flags & VIRTQ_DESC_F_INDIRECT) != 0)
            {
                return Fail(indirect
                    ? $"an indirect table at 0x{table:x} holds another indirect descriptor ({index})"
                    : $"descriptor {index} is indirect but not the head of its chain");
            }

            if (descriptor.Length == 0)
            {
                return Fail($"descriptor {index} has a zero-sized buffer");
            }

            if (!_memory.Contains(descriptor.Address, descriptor.Length))
            {
                return Fail($"descriptor {index} points to 0x{descriptor.Address:x}+{descriptor.Length}, outside RAM");
            }

            var buffer = new VirtioBuffer(descriptor.Address, descriptor.Length);
            if ((descriptor.Flags & VIRTQ_DESC_F_WRITE) != 0)
            {
                writable.Add(buffer);
            }
            else if (writable.Count > 0)
            {
                return Fail($"descriptor {index} is device-readable but follows a device-writable one");
            }
            else
            {
                readable.Add(buffer);
            }

            total += descriptor.Length;
            if (total > uint.MaxValue)
            {
                return Fail($"the chain from descriptor {head} is longer than 4 GiB in all (its length overflows)");
            }

            if (++count > tableSize)
            {
                return Fail($"the chain from descriptor {head} loops");
            }

            if (count > Size)
            {
                return Fail($"the chain from descriptor {head} is longer than the queue ({Size})");
            }

            if ((descriptor.Flags & VIRTQ_DESC_F_NEXT) == 0)
            {
                return new DescriptorChain(head, readable, writable);
            }

            index = descriptor.Next;
            if (index >= tableSize)
            {
                return Fail($"descriptor chain from {head} continues at {index}, beyond its table of {tableSize}");
            }

            if (!TryReadDescriptor(table, index, out descriptor))
            {
                return Fail($"its descriptor table at 0x{table:x} is outside RAM");
            }
        }
    }

    private DescriptorChain? Fail(string reason)
    {
        if (!Broken)
        {
            Broken = true;
            _malformed($"queue {Index}: {reason}");
        }

        return null;
    }

    private bool TryReadDescriptor(ulong table, int index, out Descriptor descriptor)
    {
        Span<byte> bytes = stackalloc byte[DescriptorSize];
        if (!_memory.TryRead(table + ((ulong)index * DescriptorSize), bytes))
        {
            descriptor = default;
            return false;
        }

        descriptor = new Descriptor(
            BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt16LittleEndian(bytes[12..]),
            BinaryPrimitives.ReadUInt16LittleEndian(bytes[14..]));
        return true;
    }

    private bool TryReadU16(ulong address, out ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        var ok = _memory.TryRead(address, bytes);
        value = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        return ok;
    }

    private bool WriteU16(ulong address, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        if (_memory.TryWrite(address, bytes))
        {
            return true;
        }

        Fail($"its used ring at 0x{UsedRing:x} is outside RAM");
        return false;
    }

    /// <summary>struct virtq_desc (2.7.5): le64 addr, le32 len, le16 flags, le16 next.</summary>
    private readonly record struct Descriptor(ulong Address, uint Length, ushort Flags, ushort Next);
}
