using System.Runtime.InteropServices;
using Kernel.Logic;

namespace Kernel.Tests;

/// <summary>
/// Page-aligned native memory standing in for physical RAM: "physical" addresses are the host
/// addresses, so the linear offset is 0.
/// </summary>
public sealed unsafe class HostMemory : IDisposable
{
    private readonly void* _memory;
    private readonly ulong* _bitmap;

    public HostMemory(ulong pages)
    {
        Pages = pages;
        _memory = NativeMemory.AlignedAlloc((nuint)(pages * PageAllocator.PageSize), (nuint)PageAllocator.PageSize);
        _bitmap = (ulong*)NativeMemory.AllocZeroed((nuint)PageAllocator.BitmapBytes(pages));
        Allocator = new PageAllocator(Base, pages, _bitmap);
        Allocator.AddFreeRange(Base, Base + pages * PageAllocator.PageSize);
    }

    public ulong Pages { get; }
    public ulong Base => (ulong)_memory;
    public PageAllocator Allocator { get; }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_memory);
        NativeMemory.Free(_bitmap);
    }
}
