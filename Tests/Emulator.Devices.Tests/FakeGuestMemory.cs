namespace Emulator.Devices.Tests;

/// <summary>
/// A block of guest RAM at a base address; anything outside it is unmapped. Like the machine's RAM it can
/// be reached by host address (the array is pinned), so devices do their file I/O straight into it.
/// </summary>
internal sealed class FakeGuestMemory(ulong baseAddress, int size) : IGuestMemory
{
    public byte[] Bytes { get; } = GC.AllocateArray<byte>(size, pinned: true);

    public nint HostAddress(ulong address, ulong length) =>
        Contains(address, length) ? global::System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(Bytes, (int)(address - baseAddress)) : 0;

    public bool TryRead(ulong address, Span<byte> destination)
    {
        if (!Contains(address, destination.Length))
        {
            return false;
        }

        Bytes.AsSpan((int)(address - baseAddress), destination.Length).CopyTo(destination);
        return true;
    }

    public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        if (!Contains(address, source.Length))
        {
            return false;
        }

        source.CopyTo(Bytes.AsSpan((int)(address - baseAddress)));
        return true;
    }

    public Span<byte> At(ulong address, int length) => Bytes.AsSpan((int)(address - baseAddress), length);

    public bool Contains(ulong address, ulong length) =>
        address >= baseAddress && address - baseAddress <= (ulong)Bytes.Length && length <= (ulong)Bytes.Length - (address - baseAddress);

    private bool Contains(ulong address, int length) => Contains(address, (ulong)length);
}
