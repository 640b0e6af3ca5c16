namespace Emulator.Devices;

/// <summary>Guest physical memory as DMA-capable devices see it. Out-of-range accesses return false.</summary>
public interface IGuestMemory
{
    bool TryRead(ulong address, Span<byte> destination);

    bool TryWrite(ulong address, ReadOnlySpan<byte> source);
}
