using System.Runtime.InteropServices;
using Emulator.Devices;

namespace Emulator.Core.Memory;

/// <summary>
/// Guest RAM: one page-aligned host buffer, handed to Unicorn as is and read/written directly by the boot
/// loader and by DMA-capable devices. Anonymous memory is zeroed lazily by the kernel, so a large -m costs
/// nothing until the guest touches it.
///
/// On Linux the buffer is mapped aligned to 2 MiB and advised for transparent huge pages, as QEMU does with its
/// RAM: every guest load and store goes through a host address in this buffer, and with 4 KiB host pages a guest
/// working set of a few MiB needs thousands of host TLB entries.
/// </summary>
public sealed unsafe class GuestRam : IGuestMemory, IDisposable
{
    private void* _allocation;
    private nuint _mappedLength;

    public GuestRam(ulong baseAddress, ulong size)
    {
        if (size == 0 || size % 0x1000 != 0)
        {
            throw new ArgumentException("RAM size must be a non-zero multiple of 4 KiB", nameof(size));
        }

        Base = baseAddress;
        Size = size;
        var mappedLength = (nuint)size + HostPages.HugePageSize;
        var mapping = OperatingSystem.IsLinux() ? HostPages.Map(mappedLength, HostPages.ProtRead | HostPages.ProtWrite) : 0;
        if (mapping != 0)
        {
            _allocation = (void*)mapping;
            _mappedLength = mappedLength;
            Pointer = (byte*)(((nuint)_allocation + HostPages.HugePageSize - 1) & ~(HostPages.HugePageSize - 1));
            HostPages.AdviseHugePages((nint)Pointer, (nuint)size);
        }
        else
        {
            _allocation = NativeMemory.AllocZeroed((nuint)(size + 0x1000));
            Pointer = (byte*)(((nuint)_allocation + 0xFFF) & ~(nuint)0xFFF);
        }
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
            if (_mappedLength != 0)
            {
                HostPages.Unmap((nint)_allocation, _mappedLength);
            }
            else
            {
                NativeMemory.Free(_allocation);
            }

            _allocation = null;
        }
    }
}
