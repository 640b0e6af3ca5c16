using Kernel.Logic;

namespace Kernel.Tests;

public unsafe class PageAllocatorTests
{
    private const ulong Base = 0x4000_0000;

    // PageAllocator keeps a raw pointer: tests use pinned arrays.
    private static PageAllocator CreatePinned(ulong pages)
    {
        ulong[] bitmap = GC.AllocateArray<ulong>((int)(PageAllocator.BitmapBytes(pages) / 8), pinned: true);
        fixed (ulong* p = bitmap)
        {
            var allocator = new PageAllocator(Base, pages, p);
            KeepAlive.Add(bitmap);
            return allocator;
        }
    }

    private static readonly List<ulong[]> KeepAlive = new();

    [Fact]
    public void Starts_with_everything_in_use()
    {
        PageAllocator a = CreatePinned(100);
        Assert.Equal(0UL, a.FreePageCount);
        Assert.Equal(0UL, a.AllocatePage());
    }

    [Fact]
    public void User_pages_stop_at_the_reserve_and_the_kernel_still_gets_it()
    {
        PageAllocator a = CreatePinned(16);
        a.AddFreeRange(Base, Base + 16 * PageAllocator.PageSize);
        a.Reserve = 4;
        var user = new List<ulong>();
        for (ulong p; (p = a.AllocateUserPage()) != 0;)
            user.Add(p);
        Assert.Equal(12, user.Count);
        Assert.Equal(4UL, a.FreePageCount);
        for (int i = 0; i < 4; i++)
            Assert.NotEqual(0UL, a.AllocatePage());
        Assert.Equal(0UL, a.AllocatePage());
        Assert.Equal(0, a.FreePages(user[0], 1));
        Assert.Equal(0UL, a.AllocateUserPage()); // one page free, below the reserve
        Assert.Equal(user[0], a.AllocatePage());
    }

    [Fact]
    public void Free_range_counts_only_whole_pages()
    {
        PageAllocator a = CreatePinned(100);
        a.AddFreeRange(Base + 100, Base + 10 * PageAllocator.PageSize + 5);
        Assert.Equal(9UL, a.FreePageCount); // pages 1..9
    }

    [Fact]
    public void Reserved_range_covers_partial_pages()
    {
        PageAllocator a = CreatePinned(100);
        a.AddFreeRange(Base, Base + 100 * PageAllocator.PageSize);
        a.ReserveRange(Base + PageAllocator.PageSize + 1, Base + 3 * PageAllocator.PageSize + 1);
        Assert.Equal(97UL, a.FreePageCount); // pages 1, 2, 3
        Assert.True(a.IsAllocated(Base + PageAllocator.PageSize));
        Assert.True(a.IsAllocated(Base + 3 * PageAllocator.PageSize));
        Assert.False(a.IsAllocated(Base + 4 * PageAllocator.PageSize));
    }

    [Fact]
    public void Allocated_pages_are_distinct_and_inside_the_range()
    {
        PageAllocator a = CreatePinned(200);
        a.AddFreeRange(Base, Base + 200 * PageAllocator.PageSize);
        var seen = new HashSet<ulong>();
        for (int i = 0; i < 200; i++)
        {
            ulong page = a.AllocatePage();
            Assert.NotEqual(0UL, page);
            Assert.InRange(page, Base, Base + 199 * PageAllocator.PageSize);
            Assert.True(seen.Add(page));
        }
        Assert.Equal(0UL, a.AllocatePage());
    }

    [Fact]
    public void Freed_page_can_be_allocated_again()
    {
        PageAllocator a = CreatePinned(64);
        a.AddFreeRange(Base, Base + 64 * PageAllocator.PageSize);
        ulong page = a.AllocatePage();
        Assert.Equal(0, a.FreePages(page, 1));
        Assert.Equal(64UL, a.FreePageCount);
    }

    [Fact]
    public void Double_free_is_rejected()
    {
        PageAllocator a = CreatePinned(64);
        a.AddFreeRange(Base, Base + 64 * PageAllocator.PageSize);
        ulong page = a.AllocatePage();
        Assert.Equal(0, a.FreePages(page, 1));
        Assert.Equal(-Errno.EINVAL, a.FreePages(page, 1));
        Assert.Equal(64UL, a.FreePageCount);
    }

    [Fact]
    public void Contiguous_allocation_skips_holes_and_honours_alignment()
    {
        PageAllocator a = CreatePinned(256);
        a.AddFreeRange(Base, Base + 256 * PageAllocator.PageSize);
        a.ReserveRange(Base + 2 * PageAllocator.PageSize, Base + 3 * PageAllocator.PageSize);
        ulong run = a.AllocatePages(16, 16);
        Assert.Equal(Base + 16 * PageAllocator.PageSize, run);
        for (ulong i = 0; i < 16; i++)
            Assert.True(a.IsAllocated(run + i * PageAllocator.PageSize));
        Assert.Equal(256UL - 1 - 16, a.FreePageCount);
    }

    [Fact]
    public void Contiguous_allocation_fails_when_no_run_is_long_enough()
    {
        PageAllocator a = CreatePinned(64);
        a.AddFreeRange(Base, Base + 64 * PageAllocator.PageSize);
        for (ulong i = 0; i < 64; i += 8)
            a.ReserveRange(Base + i * PageAllocator.PageSize, Base + (i + 1) * PageAllocator.PageSize);
        Assert.Equal(0UL, a.AllocatePages(8));
        Assert.NotEqual(0UL, a.AllocatePages(7));
    }

    [Fact]
    public void Ranges_outside_the_tracked_memory_are_ignored()
    {
        PageAllocator a = CreatePinned(16);
        a.AddFreeRange(0, Base + 1000 * PageAllocator.PageSize);
        Assert.Equal(16UL, a.FreePageCount);
        Assert.Equal(-Errno.EINVAL, a.FreePages(Base - PageAllocator.PageSize, 1));
    }
}
