namespace Emulator.Devices.Tests;

/// <summary>Guest RAM that devices can only copy in and out of (no host address), as a bus other than plain RAM would be.</summary>
internal sealed class CopyOnlyGuestMemory(IGuestMemory inner) : IGuestMemory
{
    public bool Contains(ulong address, ulong length) => inner.Contains(address, length);

    public bool TryRead(ulong address, Span<byte> destination) => inner.TryRead(address, destination);

    public bool TryWrite(ulong address, ReadOnlySpan<byte> source) => inner.TryWrite(address, source);
}
