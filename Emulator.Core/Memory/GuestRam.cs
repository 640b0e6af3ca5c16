using System.Runtime.InteropServices;
using Emulator.Devices;

namespace Emulator.Core.Memory;

/// <summary>
/// Guest RAM: one page-aligned host buffer, handed to Unicorn as is and read/written directly by the boot
/// loader and by DMA-capable devices. calloc of a large block is lazily zeroed by the kernel, so a large
/// -m costs nothing until the guest touches it.
/// </summary>
public sealed unsafe class GuestRam : IGuestMemory, IDisposable
{
    private void* _allocation;

    public GuestRam(ulong baseAddress, ulong size)
    {
        if (size == 0 || size % 0x1000 != 0)
        {
            throw new ArgumentException("RAM size must be a non-zero multiple of 4 KiB", nameof(size));
        }

        Base = baseAddress;
        Size = size;
        _allocation = NativeMemory.AllocZeroed((nuint)(size + 0x1000));
        Pointer = (byte*)(((nuint)_allocation + 0xFFF) & ~(nuint)0xFFF);
    }

    public ulong Base { get; }

    public ulong Size { get; }

    public ulong End => Base + Size;

    public byte* Pointer { get; }

    public bool Contains(ulong address, ulong length) =>
        address >= Base && length <= Size && address - Base <= Size - length;

    public nint HostAddress(ulong address, ulong length) => Contains(address, length) ? (nint)(Pointer + (address - Base)) : 0;

    public Span<byte> Slice(ulong address, int length)
    {
        if (length < 0 || !Contains(address, (ulong)length))
        {
            throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:x}+{length} is outside RAM");
        }

        return new Span<byte>(Pointer + (address - Base), length);
    }

    public bool TryRead(ulong address, Span<byte> destination)
    {
        if (!Contains(address, (ulong)destination.Length))
        {
            return false;
        }

        new ReadOnlySpan<byte>(Pointer + (address - Base), destination.Length).CopyTo(destination);
        return true;
    }

    public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        if (!Contains(address, (ulong)source.Length))
        {
            return false;
        }

        source.CopyTo(new Span<byte>(Pointer + (address - Base), source.Length));
        return true;
    }

    public void Dispose()
    {
        if (_allocation != null)
        {
            NativeMemory.Free(_allocation);
            _allocation = null;
        }
    }
}
