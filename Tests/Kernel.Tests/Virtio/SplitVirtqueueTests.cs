using System.Runtime.InteropServices;
using Kernel.Logic;
using Kernel.Logic.Virtio;

namespace Kernel.Tests.Virtio;

public sealed unsafe class SplitVirtqueueTests : IDisposable
{
    private readonly List<nint> _blocks = new();

    public void Dispose()
    {
        foreach (nint b in _blocks)
            NativeMemory.AlignedFree((void*)b);
    }

    private byte* Zeroed(uint bytes)
    {
        byte* p = (byte*)NativeMemory.AlignedAlloc(bytes, 4096);
        new Span<byte>(p, (int)bytes).Clear();
        _blocks.Add((nint)p);
        return p;
    }

    /// <summary>A modern queue: the device is given the three addresses the driver reports.</summary>
    private (SplitVirtqueue Queue, SimulatedVirtioDevice Device) Modern(ushort size, bool eventIndex)
    {
        VirtqueueLayout layout = VirtqueueLayout.Modern(size);
        byte* memory = Zeroed(layout.TotalBytes);
        var queue = new SplitVirtqueue(memory, (ulong)memory, layout, eventIndex);
        return (queue, new SimulatedVirtioDevice(queue.DescriptorAddress, queue.DriverAddress, queue.DeviceAddress, size, eventIndex));
    }

    /// <summary>A legacy queue: the device only knows the page frame number, the page size and the alignment.</summary>
    private (SplitVirtqueue Queue, SimulatedVirtioDevice Device) Legacy(ushort size, bool eventIndex)
    {
        VirtqueueLayout layout = VirtqueueLayout.Legacy(size, 4096);
        byte* memory = Zeroed(layout.TotalBytes);
        var queue = new SplitVirtqueue(memory, (ulong)memory, layout, eventIndex);
        Assert.Equal(0UL, (ulong)memory % 4096);
        return (queue, SimulatedVirtioDevice.Legacy((ulong)memory / 4096, 4096, 4096, size, eventIndex));
    }

    private static VirtqBuffer[] Chain(params (ulong Address, uint Length, bool Writes)[] parts)
        => parts.Select(p => new VirtqBuffer(p.Address, p.Length, p.Writes)).ToArray();

    [Theory]
    [InlineData(8, 4096, 4096, 8192)]       // 128 + 22 bytes, then the used ring (70 bytes) on its own page
    [InlineData(256, 4096, 8192, 12288)]    // 4096 + 518 bytes: used at 8192; its 2054 bytes take one page
    [InlineData(1024, 4096, 20480, 32768)]
    public void Legacy_layout_puts_the_used_ring_at_the_next_alignment_boundary(ushort size, uint align, uint device, uint total)
    {
        VirtqueueLayout layout = VirtqueueLayout.Legacy(size, align);
        Assert.Equal(16u * size, layout.DriverOffset);
        Assert.Equal(device, layout.DeviceOffset);
        Assert.Equal(total, layout.TotalBytes);
    }

    [Fact]
    public void Modern_layout_packs_the_rings_with_their_own_alignment()
    {
        VirtqueueLayout layout = VirtqueueLayout.Modern(4);
        Assert.Equal(64u, layout.DriverOffset);
        Assert.Equal(64u + 14 + 2, layout.DeviceOffset);      // avail is 6 + 2*4 = 14 bytes, used ring 4-aligned
        Assert.Equal(layout.DeviceOffset + 6 + 32, layout.TotalBytes);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void The_device_sees_each_chain_with_its_buffers_in_order_and_returns_it(bool legacy, bool eventIndex)
    {
        var (queue, device) = legacy ? Legacy(16, eventIndex) : Modern(16, eventIndex);
        int head = queue.Add(Chain((0x1000, 16, false), (0x2000, 4096, true), (0x3000, 1, true)));
        Assert.True(head >= 0);
        Assert.Equal(13, queue.FreeCount);
        Assert.True(device.TryPop(out ushort seen, out var descriptors));
        Assert.Equal(head, seen);
        Assert.Equal(new[] { new SimulatedVirtioDevice.Descriptor(0x1000, 16, false), new(0x2000, 4096, true), new(0x3000, 1, true) }, descriptors);
        Assert.False(device.TryPop(out _, out _));

        Assert.False(queue.HasUsed);
        device.Push(seen, 4097);
        Assert.True(queue.TryTakeUsed(out ushort done, out uint written));
        Assert.Equal(head, done);
        Assert.Equal(4097u, written);
        Assert.Equal(16, queue.FreeCount);
        Assert.False(queue.TryTakeUsed(out _, out _));
    }

    [Fact]
    public void Chains_completed_out_of_order_free_their_own_descriptors()
    {
        var (queue, device) = Modern(8, false);
        int a = queue.Add(Chain((0xA0, 1, false), (0xA1, 1, true)));
        int b = queue.Add(Chain((0xB0, 1, false), (0xB1, 1, false), (0xB2, 1, true)));
        int c = queue.Add(Chain((0xC0, 1, true)));
        Assert.Equal(2, queue.FreeCount);
        device.TryPop(out _, out _);
        device.TryPop(out ushort hb, out _);
        device.TryPop(out ushort hc, out _);
        device.Push(hb, 0);
        device.Push(hc, 0);
        Assert.True(queue.TryTakeUsed(out ushort first, out _));
        Assert.True(queue.TryTakeUsed(out ushort second, out _));
        Assert.Equal(new[] { b, c }, new[] { (int)first, second });
        Assert.Equal(6, queue.FreeCount);

        // The freed descriptors are reused: a chain as long as all free ones fits and reaches the device whole.
        var six = Enumerable.Range(0, 6).Select(i => (0x100UL + (ulong)i, 1u, false)).ToArray();
        int d = queue.Add(Chain(six));
        Assert.True(d >= 0);
        Assert.True(device.TryPop(out _, out var chain));
        Assert.Equal(six.Select(s => s.Item1), chain.Select(x => x.Address));
        Assert.Equal(-Errno.ENOSPC, queue.Add(Chain((0xD0, 1, false))));
        device.Push((uint)a, 0);
        Assert.True(queue.TryTakeUsed(out ushort third, out _));
        Assert.Equal(a, third);
        Assert.True(queue.Add(Chain((0xE0, 1, false), (0xE1, 1, false))) >= 0);
    }

    [Fact]
    public void A_chain_longer_than_the_free_descriptors_is_refused_and_an_empty_one_is_invalid()
    {
        var (queue, _) = Modern(4, false);
        Assert.Equal(-Errno.ENOSPC, queue.Add(Chain((1, 1, false), (2, 1, false), (3, 1, false), (4, 1, false), (5, 1, false))));
        Assert.Equal(-Errno.EINVAL, queue.Add(ReadOnlySpan<VirtqBuffer>.Empty));
        Assert.Equal(4, queue.FreeCount);
    }

    [Fact]
    public void Indices_wrap_around_past_65535()
    {
        var (queue, device) = Modern(4, true);
        for (int i = 0; i < 70000; i++)
        {
            int head = queue.Add(Chain(((ulong)i, 8, true)));
            Assert.True(head >= 0);
            Assert.True(device.TryPop(out ushort seen, out var chain));
            Assert.Equal((ulong)i, chain[0].Address);
            device.Push(seen, (uint)i & 0xFFFF);
            Assert.True(queue.TryTakeUsed(out ushort done, out uint written));
            Assert.Equal(head, done);
            Assert.Equal((uint)i & 0xFFFF, written);
        }
        Assert.Equal(4, queue.FreeCount);
    }

    [Fact]
    public void Without_event_index_the_driver_notifies_unless_the_device_set_no_notify()
    {
        var (queue, device) = Modern(8, false);
        Assert.False(queue.NeedsNotification()); // nothing added
        queue.Add(Chain((1, 1, false)));
        Assert.True(queue.NeedsNotification());
        Assert.False(queue.NeedsNotification()); // nothing new since
        device.SetNoNotify(true);
        queue.Add(Chain((2, 1, false)));
        Assert.False(queue.NeedsNotification());
        device.SetNoNotify(false);
        queue.Add(Chain((3, 1, false)));
        Assert.True(queue.NeedsNotification());
    }

    [Fact]
    public void With_event_index_the_driver_notifies_only_when_avail_idx_passes_avail_event()
    {
        var (queue, device) = Modern(8, true);
        device.SetAvailEvent(0); // the device wants a notification when entry 0 is made available
        queue.Add(Chain((1, 1, false)));
        Assert.True(queue.NeedsNotification());
        // The device is still processing and asked to be told only at entry 3.
        device.SetAvailEvent(3);
        queue.Add(Chain((2, 1, false)));
        Assert.False(queue.NeedsNotification()); // idx 1 -> 2: event 3 not crossed
        queue.Add(Chain((3, 1, false)));
        Assert.False(queue.NeedsNotification()); // 2 -> 3: not yet
        queue.Add(Chain((4, 1, false)));
        queue.Add(Chain((5, 1, false)));
        Assert.True(queue.NeedsNotification());  // 3 -> 5 crosses entry 3
    }

    [Theory]
    [InlineData(0, 1, 0, true)]
    [InlineData(5, 6, 5, true)]
    [InlineData(5, 5, 4, false)]   // event 5 not yet reached (idx went 4 -> 5 means entry 4 was added)
    [InlineData(4, 5, 4, true)]
    [InlineData(65535, 1, 65534, true)]   // across the wrap
    [InlineData(2, 1, 65534, false)]
    public void Need_event_matches_the_specification_formula(int eventIndex, int now, int old, bool expected)
        => Assert.Equal(expected, SplitVirtqueue.NeedEvent((ushort)eventIndex, (ushort)now, (ushort)old));

    [Fact]
    public void With_event_index_the_driver_asks_for_an_interrupt_at_the_next_completion()
    {
        var (queue, device) = Modern(8, true);
        queue.Add(Chain((1, 1, false)));
        queue.Add(Chain((2, 1, false)));
        device.TryPop(out ushort h1, out _);
        device.TryPop(out ushort h2, out _);
        queue.EnableInterrupts();
        ushort before = device.UsedIndex;
        device.Push(h1, 0);
        Assert.True(device.WouldInterrupt(before));
        Assert.True(queue.TryTakeUsed(out _, out _));
        before = device.UsedIndex;
        device.Push(h2, 0);
        Assert.True(device.WouldInterrupt(before)); // used_event moved on to the next entry
    }

    [Fact]
    public void Disabled_interrupts_are_signalled_to_the_device_and_completions_found_on_enabling()
    {
        var (queue, device) = Modern(8, false);
        queue.DisableInterrupts();
        queue.Add(Chain((1, 1, false)));
        device.TryPop(out ushort h, out _);
        ushort before = device.UsedIndex;
        device.Push(h, 0);
        Assert.False(device.WouldInterrupt(before));
        Assert.True(queue.EnableInterrupts()); // a completion arrived while they were off
        Assert.True(queue.TryTakeUsed(out _, out _));
        Assert.False(queue.EnableInterrupts());
    }

    [Fact]
    public void A_used_entry_naming_no_chain_in_flight_marks_the_queue_broken_without_freeing_anything()
    {
        var (queue, device) = Modern(8, false);
        queue.Add(Chain((1, 1, false)));
        device.TryPop(out _, out _);
        device.Push(5, 0); // never made available
        Assert.False(queue.TryTakeUsed(out _, out _));
        Assert.True(queue.Broken);
        Assert.Equal(7, queue.FreeCount);
        Assert.Equal(-Errno.EINVAL, queue.Add(Chain((2, 1, false))));
        device.Push(200, 0);
        Assert.False(queue.TryTakeUsed(out _, out _));
    }
}
