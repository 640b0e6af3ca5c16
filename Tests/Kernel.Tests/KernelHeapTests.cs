using Kernel.Logic;

namespace Kernel.Tests;

public unsafe class KernelHeapTests : IDisposable
{
    private readonly HostMemory _memory = new(2048);
    private readonly KernelHeap _heap;
    private readonly ulong _freeAfterSetup;

    public KernelHeapTests()
    {
        _heap = new KernelHeap(_memory.Allocator, 0);
        _freeAfterSetup = _memory.Allocator.FreePageCount;
    }

    public void Dispose() => _memory.Dispose();

    [Theory]
    [InlineData(1, 16)]
    [InlineData(16, 16)]
    [InlineData(17, 32)]
    [InlineData(100, 128)]
    [InlineData(2048, 2048)]
    public void Small_sizes_round_up_to_their_class(int size, int usable)
    {
        void* p = _heap.Allocate((ulong)size);
        Assert.Equal((ulong)usable, _heap.UsableSize(p));
    }

    [Fact]
    public void Blocks_are_16_byte_aligned_and_disjoint()
    {
        var blocks = new List<ulong>();
        for (int i = 1; i < 3000; i += 7)
        {
            ulong p = (ulong)_heap.Allocate((ulong)i);
            Assert.Equal(0UL, p % 16);
            blocks.Add(p);
            new Span<byte>((void*)p, i).Fill(0xAB); // must not corrupt the heap
        }
        Assert.Equal(blocks.Count, blocks.Distinct().Count());
        foreach (ulong p in blocks)
            Assert.Equal(0, _heap.Free((void*)p));
    }

    [Fact]
    public void Large_blocks_take_whole_pages()
    {
        ulong before = _memory.Allocator.FreePageCount;
        void* p = _heap.Allocate(3 * PageAllocator.PageSize + 1);
        Assert.Equal(0UL, (ulong)p % PageAllocator.PageSize);
        Assert.Equal(before - 4, _memory.Allocator.FreePageCount);
        Assert.Equal(0, _heap.Free(p));
        Assert.Equal(before, _memory.Allocator.FreePageCount);
    }

    [Fact]
    public void Freeing_everything_returns_every_page()
    {
        var rng = new Random(7);
        var live = new List<ulong>();
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 500; i++)
                live.Add((ulong)_heap.Allocate((ulong)rng.Next(1, 6000)));
            // free a random half, keep the rest for the next round
            for (int i = live.Count - 1; i >= 0; i -= 2)
            {
                Assert.Equal(0, _heap.Free((void*)live[i]));
                live.RemoveAt(i);
            }
        }
        foreach (ulong p in live)
            Assert.Equal(0, _heap.Free((void*)p));
        Assert.Equal(_freeAfterSetup, _memory.Allocator.FreePageCount);
        Assert.Equal(0UL, _heap.BytesInUse);
        Assert.Equal(0UL, _heap.LiveAllocations);
    }

    [Fact]
    public void Freed_block_is_reused()
    {
        void* a = _heap.Allocate(40);
        void* keep = _heap.Allocate(40);
        Assert.Equal(0, _heap.Free(a));
        Assert.Equal((ulong)a, (ulong)_heap.Allocate(40));
        Assert.Equal(0, _heap.Free(keep));
    }

    [Fact]
    public void Pointers_the_heap_does_not_own_are_rejected()
    {
        void* p = _heap.Allocate(64);
        Assert.Equal(-Errno.EINVAL, _heap.Free((byte*)p + 8));
        Assert.Equal(-Errno.EINVAL, _heap.Free(null));
        Assert.Equal(0, _heap.Free(p));
        Assert.Equal(-Errno.EINVAL, _heap.Free(p)); // its page went back to the page allocator
    }

    [Fact]
    public void Exhaustion_returns_null()
    {
        var blocks = new List<ulong>();
        void* p;
        while ((p = _heap.Allocate(PageAllocator.PageSize * 64)) != null)
            blocks.Add((ulong)p);
        Assert.NotEmpty(blocks);
        foreach (ulong b in blocks)
            _heap.Free((void*)b);
        Assert.Equal(_freeAfterSetup, _memory.Allocator.FreePageCount);
    }
}
