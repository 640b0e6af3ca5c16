namespace Emulator.Devices.Tests;

/// <summary>
/// Guest RAM that claims to be <paramref name="claimedSize"/> bytes long while only its first part is backed
/// by <paramref name="backing"/>; the rest reads as zeros and takes writes without keeping them. For chains
/// whose buffers add up to more than 4 GiB.
/// </summary>
internal sealed class WideGuestMemory(FakeGuestMemory backing, ulong baseAddress, ulong claimedSize) : IGuestMemory
{
    public bool Contains(ulong address, ulong length) =>
        address >= baseAddress && address - baseAddress <= claimedSize && length <= claimedSize - (address - baseAddress);

    public bool TryRead(ulong address, Span<byte> destination)
    {
        if (backing.TryRead(address, destination))
        {
            return true;
        }

        destination.Clear();
        return Contains(address, (ulong)destination.Length);
    }

    public bool TryWrite(ulong address, ReadOnlySpan<byte> source) =>
        backing.TryWrite(address, source) || Contains(address, (ulong)source.Length);
}
