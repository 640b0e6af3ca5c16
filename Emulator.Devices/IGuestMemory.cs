namespace Emulator.Devices;

/// <summary>
/// Guest physical memory as DMA-capable devices see it: the one checked accessor through which every
/// guest-supplied address goes. Out-of-range accesses return false and touch nothing.
/// </summary>
public interface IGuestMemory
{
    /// <summary>Whether [address, address + length) lies wholly in guest RAM (no wrap-around).</summary>
    bool Contains(ulong address, ulong length);

    bool TryRead(ulong address, Span<byte> destination);

    bool TryWrite(ulong address, ReadOnlySpan<byte> source);

    /// <summary>
    /// Where [address, address + length) of guest RAM lies in this process, so that a device can move file
    /// data straight between the file and guest RAM (preadv/pwritev) without a copy; 0 when the range is not
    /// in RAM or RAM cannot be reached that way (then TryRead/TryWrite copy). Valid while the machine runs.
    /// </summary>
    nint HostAddress(ulong address, ulong length) => 0;
}
