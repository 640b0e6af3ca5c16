using Kernel.Logic;

namespace Kernel.Tests;

/// <summary>The tick timer's choice from the architected timer's device-tree node (Logic/ArchTimer.cs).</summary>
public unsafe class ArchTimerTests
{
    private const uint Ppi = 1, LevelLow = 0xf08;

    private static byte[] Tree(Func<FdtBuilder, FdtBuilder>? timerProperties)
    {
        var b = new FdtBuilder()
            .BeginNode("")
                .Property("#address-cells", 2u).Property("#size-cells", 2u);
        if (timerProperties != null)
        {
            b.BeginNode("timer").StringList("compatible", "arm,armv8-timer", "arm,armv7-timer");
            timerProperties(b);
            b.EndNode();
        }
        return b.EndNode().Build();
    }

    private static (int Result, TimerKind Kind, uint Irq) Select(byte[] blob)
    {
        fixed (byte* p = blob)
        {
            Assert.Equal(0, DeviceTree.Open(p, (ulong)blob.Length, out DeviceTree tree));
            int r = ArchTimer.SelectTick(tree, out TimerKind kind, out uint irq);
            return (r, kind, irq);
        }
    }

    [Fact]
    public void Virtual_timer_is_chosen_when_the_node_lists_all_four()
    {
        // QEMU virt: secure physical 13, physical 14, virtual 11, hypervisor 10.
        var r = Select(Tree(b => b.Property("interrupts", Ppi, 13, LevelLow, Ppi, 14, LevelLow, Ppi, 11, LevelLow, Ppi, 10, LevelLow)));
        Assert.Equal((0, TimerKind.Virtual, 27u), r);
    }

    [Fact]
    public void Virtual_timer_is_chosen_when_the_node_lists_three()
    {
        var r = Select(Tree(b => b.Property("interrupts", Ppi, 13, LevelLow, Ppi, 14, LevelLow, Ppi, 11, LevelLow)));
        Assert.Equal((0, TimerKind.Virtual, 27u), r);
    }

    [Fact]
    public void Physical_timer_is_chosen_when_the_node_lists_only_the_physical_timers()
    {
        // Our emulator: secure physical 13 and non-secure physical 14 only.
        var r = Select(Tree(b => b.Property("interrupts", Ppi, 13, LevelLow, Ppi, 14, LevelLow)));
        Assert.Equal((0, TimerKind.Physical, 30u), r);
    }

    [Fact]
    public void Interrupt_names_take_precedence_over_positions()
    {
        var r = Select(Tree(b => b
            .Property("interrupts", Ppi, 11, LevelLow, Ppi, 14, LevelLow)
            .StringList("interrupt-names", "virt", "phys")));
        Assert.Equal((0, TimerKind.Virtual, 27u), r);

        r = Select(Tree(b => b
            .Property("interrupts", Ppi, 14, LevelLow, Ppi, 13, LevelLow, Ppi, 10, LevelLow)
            .StringList("interrupt-names", "phys", "sec-phys", "hyp-phys")));
        Assert.Equal((0, TimerKind.Physical, 30u), r);
    }

    [Fact]
    public void No_timer_node_or_no_usable_interrupt_is_ENOENT()
    {
        Assert.Equal(-Errno.ENOENT, Select(Tree(null)).Result);
        Assert.Equal(-Errno.ENOENT, Select(Tree(b => b.Property("interrupts", Ppi, 13, LevelLow))).Result);
        Assert.Equal(-Errno.ENOENT, Select(Tree(b => b.Property("status", "okay"))).Result);
    }
}
