using System.Text;
using Kernel.Logic;

namespace Kernel.Tests;

public unsafe class DeviceTreeTests
{
    private static T WithTree<T>(byte[] blob, Func<DeviceTree, T> body)
    {
        fixed (byte* p = blob)
        {
            Assert.Equal(0, DeviceTree.Open(p, (ulong)blob.Length, out DeviceTree tree));
            return body(tree);
        }
    }

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);

    [Fact]
    public void Open_rejects_a_blob_without_the_magic()
    {
        byte[] blob = FdtBuilder.VirtBoard();
        blob[0] = 0;
        fixed (byte* p = blob)
            Assert.Equal(-Errno.EINVAL, DeviceTree.Open(p, (ulong)blob.Length, out _));
    }

    [Fact]
    public void Open_rejects_a_total_size_beyond_the_limit()
    {
        byte[] blob = FdtBuilder.VirtBoard();
        fixed (byte* p = blob)
            Assert.Equal(-Errno.EINVAL, DeviceTree.Open(p, (ulong)blob.Length - 1, out _));
    }

    [Fact]
    public void Memory_node_is_found_by_device_type_and_its_reg_decoded()
    {
        var (address, size) = WithTree(FdtBuilder.VirtBoard(0x4000_0000, 512UL << 20), tree =>
        {
            int node = tree.FindDeviceType("memory"u8);
            Assert.True(node >= 0);
            Assert.Equal(0, tree.GetReg(node, 0, out ulong a, out ulong s));
            return (a, s);
        });
        Assert.Equal(0x4000_0000UL, address);
        Assert.Equal(512UL << 20, size);
    }

    [Fact]
    public void Compatible_search_matches_any_entry_of_the_string_list()
    {
        string name = WithTree(FdtBuilder.VirtBoard(), tree => Text(tree.NodeName(tree.FindCompatible("arm,primecell"u8))));
        Assert.Equal("pl011@9000000", name);
    }

    [Fact]
    public void Compatible_search_continues_after_a_given_node()
    {
        var addresses = WithTree(FdtBuilder.VirtBoard(), tree =>
        {
            var list = new List<ulong>();
            for (int n = tree.FindCompatible("virtio,mmio"u8); n >= 0; n = tree.FindCompatible("virtio,mmio"u8, n))
            {
                tree.GetReg(n, 0, out ulong a, out _);
                list.Add(a);
            }
            return list;
        });
        Assert.Equal(new ulong[] { 0x0a00_0000, 0x0a00_0200 }, addresses);
    }

    [Fact]
    public void Reg_uses_the_parents_cell_sizes()
    {
        var (address, size) = WithTree(FdtBuilder.VirtBoard(), tree =>
        {
            int node = tree.FindPath("/soc/virtio_mmio@a000200"u8);
            Assert.True(node >= 0);
            tree.GetReg(node, 0, out ulong a, out ulong s);
            return (a, s);
        });
        Assert.Equal(0x0a00_0200UL, address);
        Assert.Equal(0x200UL, size);
    }

    [Fact]
    public void Second_reg_entry_is_decoded()
    {
        ulong cpu = WithTree(FdtBuilder.VirtBoard(), tree =>
        {
            int gic = tree.FindCompatible("arm,cortex-a15-gic"u8);
            Assert.Equal(2, tree.RegCount(gic));
            tree.GetReg(gic, 1, out ulong a, out _);
            return a;
        });
        Assert.Equal(0x0801_0000UL, cpu);
    }

    [Fact]
    public void Path_lookup_accepts_a_name_without_unit_address()
    {
        string name = WithTree(FdtBuilder.VirtBoard(), tree => Text(tree.NodeName(tree.FindPath("/pl011"u8))));
        Assert.Equal("pl011@9000000", name);
    }

    [Fact]
    public void Missing_path_is_ENOENT()
    {
        int node = WithTree(FdtBuilder.VirtBoard(), tree => tree.FindPath("/nothing/here"u8));
        Assert.Equal(-Errno.ENOENT, node);
    }

    [Fact]
    public void Bootargs_are_read_from_chosen()
    {
        string args = WithTree(FdtBuilder.VirtBoard(bootargs: "console=ttyAMA0 hz=250"), tree =>
        {
            Assert.True(tree.TryGetString(tree.FindPath("/chosen"u8), "bootargs"u8, out ReadOnlySpan<byte> v));
            return Text(v);
        });
        Assert.Equal("console=ttyAMA0 hz=250", args);
    }

    [Fact]
    public void Initrd_location_is_read_as_cells()
    {
        var (start, end) = WithTree(FdtBuilder.VirtBoard(), tree =>
        {
            int chosen = tree.FindPath("/chosen"u8);
            tree.TryGetProperty(chosen, "linux,initrd-start"u8, out ReadOnlySpan<byte> s);
            tree.TryGetProperty(chosen, "linux,initrd-end"u8, out ReadOnlySpan<byte> e);
            return (DeviceTree.ReadCells(s, 0, s.Length / 4), DeviceTree.ReadCells(e, 0, e.Length / 4));
        });
        Assert.Equal(0x4400_0000UL, start);
        Assert.Equal(0x4410_0000UL, end);
    }

    [Fact]
    public void Interrupts_are_converted_to_GIC_ids()
    {
        var ids = WithTree(FdtBuilder.VirtBoard(), tree =>
        {
            int uart = tree.FindCompatible("arm,pl011"u8);
            tree.GetInterrupt(uart, 0, out uint uartId, out uint uartFlags);
            int timer = tree.FindCompatible("arm,armv8-timer"u8);
            tree.GetInterrupt(timer, 2, out uint virtualTimer, out _);
            return (uartId, uartFlags, virtualTimer, tree.GetInterrupt(timer, 4, out _, out _));
        });
        Assert.Equal(33u, ids.uartId);
        Assert.Equal(4u, ids.uartFlags);
        Assert.Equal(27u, ids.virtualTimer);
        Assert.Equal(-Errno.ERANGE, ids.Item4);
    }

    [Fact]
    public void Parent_of_a_nested_node_is_its_container()
    {
        string parent = WithTree(FdtBuilder.VirtBoard(), tree => Text(tree.NodeName(tree.Parent(tree.FindPath("/soc/virtio_mmio@a000000"u8)))));
        Assert.Equal("soc", parent);
    }

    [Fact]
    public void Properties_after_a_nop_token_are_still_found()
    {
        bool found = WithTree(new FdtBuilder().BeginNode("").Nop().Property("model", "x").EndNode().Build(),
            tree => tree.TryGetProperty(tree.Root, "model"u8, out _));
        Assert.True(found);
    }

    [Fact]
    public void Reservation_block_is_listed()
    {
        var r = WithTree(FdtBuilder.VirtBoard(), tree =>
        {
            Assert.Equal(0, tree.GetReservation(0, out ulong a, out ulong s));
            return (a, s, tree.GetReservation(1, out _, out _));
        });
        Assert.Equal(0x4800_0000UL, r.a);
        Assert.Equal(0x1000UL, r.s);
        Assert.Equal(-Errno.ENOENT, r.Item3);
    }

    [Fact]
    public void Property_names_must_match_exactly()
    {
        bool found = WithTree(FdtBuilder.VirtBoard(), tree => tree.TryGetProperty(tree.FindPath("/chosen"u8), "bootarg"u8, out _));
        Assert.False(found);
    }
}
