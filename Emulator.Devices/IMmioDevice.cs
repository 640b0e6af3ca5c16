namespace Emulator.Devices;

/// <summary>
/// A device window on the physical bus. Offsets are relative to the window's base; sizes are 1, 2, 4 or 8
/// bytes. Implementations never throw for guest-controlled input: an access the device does not
/// implement reads as zero (or as the register's documented reset value), ignores the write, and is
/// reported through <see cref="DeviceLog"/>.
/// Devices are not thread-safe: the bus serialises every access and every host-side event under one
/// machine lock.
/// </summary>
public interface IMmioDevice
{
    ulong Read(ulong offset, int size);

    void Write(ulong offset, int size, ulong value);
}

/// <summary>An interrupt line from a device to the interrupt controller (level-sensitive).</summary>
public interface IIrqLine
{
    void Set(bool level);
}

/// <summary>Guest physical memory as DMA-capable devices see it. Out-of-range accesses return false.</summary>
public interface IGuestMemory
{
    bool TryRead(ulong address, Span<byte> destination);

    bool TryWrite(ulong address, ReadOnlySpan<byte> source);
}

/// <summary>An interrupt line that does nothing; for devices whose interrupt is not wired.</summary>
public sealed class NullIrqLine : IIrqLine
{
    public static readonly NullIrqLine Instance = new();

    public void Set(bool level)
    {
    }
}
