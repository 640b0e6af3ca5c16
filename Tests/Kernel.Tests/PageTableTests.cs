using Kernel.Logic;

namespace Kernel.Tests;

public unsafe class PageTableTests : IDisposable
{
    private const ulong KernelBase = 0xFFFF_0000_0000_0000UL;
    private static readonly List<ulong> Invalidated = new();
    private readonly HostMemory _memory = new(1024);

    public PageTableTests() => Invalidated.Clear();

    public void Dispose() => _memory.Dispose();

    private static void RecordInvalidation(ulong va) => Invalidated.Add(va);

    private PageTable Create() => new PageTable(_memory.Allocator, 0, &RecordInvalidation);

    [Fact]
    public void Single_page_translates_with_its_offset()
    {
        PageTable t = Create();
        Assert.Equal(0, t.Map(KernelBase + 0x5000, 0x4000_3000, 0x1000, PageFlags.Read | PageFlags.Write));
        Assert.True(t.Translate(KernelBase + 0x5abc, out ulong pa, out PageFlags flags));
        Assert.Equal(0x4000_3abcUL, pa);
        Assert.Equal(PageFlags.Read | PageFlags.Write, flags);
        Assert.False(t.Translate(KernelBase + 0x6000, out _, out _));
        Assert.Equal(3, t.LeafLevel(KernelBase + 0x5000));
    }

    [Fact]
    public void Aligned_ranges_use_2MiB_and_1GiB_blocks()
    {
        PageTable t = Create();
        Assert.Equal(0, t.Map(KernelBase + 0x4000_0000, 0x4000_0000, (1UL << 30) + (2UL << 20) + 0x1000, PageFlags.Read | PageFlags.Write));
        Assert.Equal(1, t.LeafLevel(KernelBase + 0x4000_0000));
        Assert.Equal(2, t.LeafLevel(KernelBase + 0x8000_0000));
        Assert.Equal(3, t.LeafLevel(KernelBase + 0x8020_0000));
        Assert.True(t.Translate(KernelBase + 0x7fff_fff8, out ulong pa, out _));
        Assert.Equal(0x7fff_fff8UL, pa);
    }

    [Fact]
    public void Blocks_can_be_refused()
    {
        PageTable t = Create();
        Assert.Equal(0, t.Map(KernelBase, 0x4000_0000, 2UL << 20, PageFlags.Read, allowBlocks: false));
        Assert.Equal(3, t.LeafLevel(KernelBase + 0x1000));
    }

    [Fact]
    public void Descriptor_attributes_follow_the_flags()
    {
        ulong code = PageTable.Attributes(PageFlags.Read | PageFlags.Execute);
        Assert.Equal(0UL, code & PageTable.Pxn);
        Assert.NotEqual(0UL, code & PageTable.ApReadOnly);
        Assert.NotEqual(0UL, code & PageTable.Uxn);
        ulong device = PageTable.Attributes(PageFlags.Read | PageFlags.Write | PageFlags.Device);
        Assert.Equal(PageTable.AttrDevice, device & (7UL << 2));
        Assert.NotEqual(0UL, device & PageTable.Pxn);
        Assert.Equal(PageTable.AttrNormal, PageTable.Attributes(PageFlags.Read) & (7UL << 2));
        Assert.NotEqual(0UL, PageTable.Attributes(PageFlags.Read) & PageTable.AccessFlag);
    }

    [Fact]
    public void Unmapping_a_page_inside_a_block_splits_it()
    {
        PageTable t = Create();
        t.Map(KernelBase + 0x4000_0000, 0x4000_0000, 2UL << 20, PageFlags.Read | PageFlags.Write);
        Assert.Equal(2, t.LeafLevel(KernelBase + 0x4000_0000));
        Invalidated.Clear();
        Assert.Equal(0, t.Unmap(KernelBase + 0x4000_1000, 0x1000));
        Assert.False(t.Translate(KernelBase + 0x4000_1000, out _, out _));
        Assert.True(t.Translate(KernelBase + 0x4000_0000, out ulong pa0, out _));
        Assert.True(t.Translate(KernelBase + 0x4000_2000, out ulong pa2, out _));
        Assert.Equal(0x4000_0000UL, pa0);
        Assert.Equal(0x4000_2000UL, pa2);
        Assert.Equal(3, t.LeafLevel(KernelBase + 0x4000_2000));
        Assert.Contains(KernelBase + 0x4000_1000, Invalidated);
        Assert.Contains(KernelBase + 0x4000_0000, Invalidated); // the old block
    }

    [Fact]
    public void Protect_changes_permissions_and_invalidates()
    {
        PageTable t = Create();
        t.Map(KernelBase, 0x4000_0000, 0x4000, PageFlags.Read | PageFlags.Write);
        Invalidated.Clear();
        Assert.Equal(0, t.Protect(KernelBase + 0x1000, 0x2000, PageFlags.Read));
        t.Translate(KernelBase + 0x1000, out _, out PageFlags middle);
        t.Translate(KernelBase + 0x3000, out _, out PageFlags last);
        Assert.Equal(PageFlags.Read, middle);
        Assert.Equal(PageFlags.Read | PageFlags.Write, last);
        Assert.Equal(new[] { KernelBase + 0x1000, KernelBase + 0x2000 }, Invalidated);
    }

    [Fact]
    public void Protecting_unmapped_memory_is_EFAULT()
    {
        PageTable t = Create();
        Assert.Equal(-Errno.EFAULT, t.Protect(KernelBase, 0x1000, PageFlags.Read));
    }

    [Fact]
    public void Remapping_replaces_the_old_translation_with_invalidation()
    {
        PageTable t = Create();
        t.Map(KernelBase, 0x4000_0000, 0x1000, PageFlags.Read);
        Invalidated.Clear();
        Assert.Equal(0, t.Map(KernelBase, 0x5000_0000, 0x1000, PageFlags.Read));
        t.Translate(KernelBase, out ulong pa, out _);
        Assert.Equal(0x5000_0000UL, pa);
        Assert.Equal(new[] { KernelBase }, Invalidated);
    }

    [Fact]
    public void Fresh_mappings_need_no_invalidation()
    {
        PageTable t = Create();
        t.Map(KernelBase, 0x4000_0000, 0x10000, PageFlags.Read);
        Assert.Empty(Invalidated);
    }

    [Fact]
    public void Misaligned_requests_are_EINVAL()
    {
        PageTable t = Create();
        Assert.Equal(-Errno.EINVAL, t.Map(KernelBase + 1, 0x4000_0000, 0x1000, PageFlags.Read));
        Assert.Equal(-Errno.EINVAL, t.Map(KernelBase, 0x4000_0000, 0x800, PageFlags.Read));
        Assert.Equal(-Errno.EINVAL, t.Unmap(KernelBase, 0x10));
    }

    [Fact]
    public void Tables_are_written_in_the_architectural_format()
    {
        PageTable t = Create();
        t.Map(0x0000_0000_4020_0000UL, 0x4020_0000, 0x1000, PageFlags.Read | PageFlags.Write | PageFlags.Device);
        ulong* l0 = (ulong*)t.RootPhysical;
        ulong l0e = l0[0];
        Assert.Equal(3UL, l0e & 3); // table descriptor
        ulong* l1 = (ulong*)(l0e & PageTable.AddressMask);
        ulong* l2 = (ulong*)(l1[1] & PageTable.AddressMask);
        ulong* l3 = (ulong*)(l2[1] & PageTable.AddressMask);
        ulong page = l3[0];
        Assert.Equal(0x4020_0000UL, page & PageTable.AddressMask);
        Assert.Equal(3UL, page & 3); // page descriptor
        Assert.NotEqual(0UL, page & PageTable.AccessFlag);
        Assert.Equal(4UL, t.TablePages);
    }

    [Fact]
    public void Unmapping_holes_is_harmless()
    {
        PageTable t = Create();
        Assert.Equal(0, t.Unmap(KernelBase, 4UL << 30));
        Assert.Empty(Invalidated);
    }
}
