using Kernel.Logic;
using Kernel.Logic.Block;

namespace Kernel.Tests.Block;

public class PartitionsTextTests
{
    private sealed class SizedDisk(ulong sectors) : IBlockDevice
    {
        public ulong SectorCount => sectors;
        public bool ReadOnly => false;
        public int Read(ulong sector, Span<byte> buffer) => -Errno.EIO;
        public int Write(ulong sector, ReadOnlySpan<byte> buffer) => -Errno.EIO;
        public int Flush() => 0;
    }

    private static string Render(BlockDeviceTable table)
    {
        var buffer = new byte[4096];
        var t = new TextBuilder(buffer);
        PartitionsText.Render(table, ref t);
        return System.Text.Encoding.ASCII.GetString(t.Text);
    }

    [Fact]
    public void Each_disk_is_a_line_of_major_minor_kibibytes_and_name_under_Linux_s_header()
    {
        var table = new BlockDeviceTable();
        table.Add(new SizedDisk(8192), "vda"u8, 254, 0);
        table.Add(new SizedDisk(2_147_483_648), "vdb"u8, 254, 16);
        // Linux 6.1 on QEMU with a 4 MiB and a 1 TiB virtio disk prints exactly this ("%4d  %7d %10llu %s").
        Assert.Equal("major minor  #blocks  name\n\n 254        0       4096 vda\n 254       16 1073741824 vdb\n", Render(table));
    }

    [Fact]
    public void Without_disks_the_file_is_empty_and_empty_disks_are_left_out()
    {
        var table = new BlockDeviceTable();
        Assert.Equal("", Render(table));
        table.Add(new SizedDisk(0), "vda"u8, 254, 0);
        Assert.Equal("major minor  #blocks  name\n\n", Render(table));
    }
}
