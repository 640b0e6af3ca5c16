namespace Kernel.Tests.Virtio;

/// <summary>
/// The device's side of a split virtqueue, written from the specification's text (VirtIO 1.2 §2.7)
/// independently of the driver's code: it finds the rings from the addresses a transport would be
/// given, walks the chains the driver made available, and puts them in the used ring. "Physical"
/// addresses are host addresses, as in <see cref="HostMemory"/>.
/// </summary>
public sealed unsafe class SimulatedVirtioDevice
{
    private readonly ulong _desc, _avail, _used;
    private readonly ushort _size;
    private ushort _lastAvail, _usedIndex;

    public SimulatedVirtioDevice(ulong desc, ulong avail, ulong used, ushort size, bool eventIndex)
    {
        _desc = desc;
        _avail = avail;
        _used = used;
        _size = size;
        EventIndex = eventIndex;
    }

    /// <summary>A legacy device: the queue at PFN * page size, the used ring at the next QueueAlign boundary.</summary>
    public static SimulatedVirtioDevice Legacy(ulong pfn, uint guestPageSize, uint align, ushort size, bool eventIndex)
    {
        ulong desc = pfn * guestPageSize;
        ulong avail = desc + 16UL * size;
        ulong used = (avail + 2UL * (3UL + size) + align - 1) & ~((ulong)align - 1);
        return new SimulatedVirtioDevice(desc, avail, used, size, eventIndex);
    }

    public bool EventIndex { get; }

    public record struct Descriptor(ulong Address, uint Length, bool Writable);

    private static ushort R16(ulong a) => *(ushort*)a;
    private static void W16(ulong a, ushort v) => *(ushort*)a = v;

    public ushort AvailIndex => R16(_avail + 2);
    public ushort AvailFlags => R16(_avail);
    public ushort UsedEvent => R16(_avail + 4 + 2UL * _size);

    /// <summary>Whether the driver asked for an interrupt after the device used entries up to the current used idx.</summary>
    public bool WouldInterrupt(ushort oldUsed)
        => EventIndex ? (ushort)(_usedIndex - UsedEvent - 1) < (ushort)(_usedIndex - oldUsed) : (AvailFlags & 1) == 0;

    public ushort UsedIndex => _usedIndex;

    /// <summary>Sets avail_event (EVENT_IDX) or the NO_NOTIFY flag.</summary>
    public void SetAvailEvent(ushort value) => W16(_used + 4 + 8UL * _size, value);
    public void SetNoNotify(bool on) => W16(_used, on ? (ushort)1 : (ushort)0);

    /// <summary>Takes the next available chain: its head and its descriptors; false when none is pending.</summary>
    public bool TryPop(out ushort head, out List<Descriptor> chain)
    {
        chain = new List<Descriptor>();
        head = 0;
        if (_lastAvail == AvailIndex)
            return false;
        head = R16(_avail + 4 + 2UL * (ushort)(_lastAvail % _size));
        _lastAvail++;
        ushort i = head;
        for (int guard = 0; guard <= _size; guard++)
        {
            ulong d = _desc + 16UL * i;
            ushort flags = R16(d + 12);
            chain.Add(new Descriptor(*(ulong*)d, *(uint*)(d + 8), (flags & 2) != 0));
            if ((flags & 1) == 0)
                return true;
            i = R16(d + 14);
            if (i >= _size)
                throw new InvalidOperationException($"descriptor next {i} out of range");
        }
        throw new InvalidOperationException("descriptor chain loops");
    }

    /// <summary>Puts a used entry {id, len} and publishes it.</summary>
    public void Push(uint id, uint length)
    {
        ulong e = _used + 4 + 8UL * (ushort)(_usedIndex % _size);
        *(uint*)e = id;
        *(uint*)(e + 4) = length;
        _usedIndex++;
        W16(_used + 2, _usedIndex);
    }

    public static Span<byte> Bytes(ulong address, uint length) => new((void*)address, (int)length);
}
