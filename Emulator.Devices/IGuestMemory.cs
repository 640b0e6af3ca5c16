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
}
