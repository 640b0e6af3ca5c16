using Kernel.Logic;
using Kernel.Logic.Block;

namespace Kernel.Tests.Block;

public class BlockIoTests
{
    /// <summary>A disk in an array that records every request, checking each is whole sectors inside the disk.</summary>
    private sealed class ArrayDisk : IBlockDevice
    {
        public readonly byte[] Data;
        public readonly List<(bool Write, ulong Sector, int Length)> Requests = new();
        public int FailAfter = int.MaxValue;

        public ArrayDisk(int sectors, bool readOnly = false)
        {
            Data = new byte[sectors * 512];
            for (int i = 0; i < Data.Length; i++)
                Data[i] = (byte)(i * 7 + i / 512);
            ReadOnly = readOnly;
        }

        public ulong SectorCount => (ulong)Data.Length / 512;
        public bool ReadOnly { get; }

        private int Check(ulong sector, int length)
        {
            Assert.Equal(0, length % 512);
            Assert.True(sector * 512 + (ulong)length <= (ulong)Data.Length);
            return Requests.Count >= FailAfter ? -Errno.EIO : 0;
        }

        public int Read(ulong sector, Span<byte> buffer)
        {
            int r = Check(sector, buffer.Length);
            Requests.Add((false, sector, buffer.Length));
            if (r == 0)
                Data.AsSpan((int)sector * 512, buffer.Length).CopyTo(buffer);
            return r;
        }

        public int Write(ulong sector, ReadOnlySpan<byte> buffer)
        {
            Assert.False(ReadOnly);
            int r = Check(sector, buffer.Length);
            Requests.Add((true, sector, buffer.Length));
            if (r == 0)
                buffer.CopyTo(Data.AsSpan((int)sector * 512));
            return r;
        }

        public int Flush() => 0;
    }

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + seed)).ToArray();

    [Theory]
    [InlineData(0, 512)]
    [InlineData(0, 4096)]
    [InlineData(1, 1)]
    [InlineData(100, 1000)]
    [InlineData(511, 2)]
    [InlineData(1000, 5000)]
    [InlineData(4095, 4097)]
    public void Reads_at_any_offset_and_size_give_the_disk_bytes(int offset, int length)
    {
        var disk = new ArrayDisk(32);
        var buffer = new byte[length];
        Assert.Equal(length, BlockIo.Read(disk, offset, buffer, new byte[512]));
        Assert.Equal(disk.Data.AsSpan(offset, length).ToArray(), buffer);
    }

    [Theory]
    [InlineData(0, 512)]
    [InlineData(3, 1)]
    [InlineData(100, 1000)]
    [InlineData(511, 2)]
    [InlineData(1000, 5000)]
    public void Writes_at_any_offset_change_exactly_those_bytes(int offset, int length)
    {
        var disk = new ArrayDisk(32);
        byte[] expected = disk.Data.ToArray();
        byte[] data = Pattern(length, offset);
        data.CopyTo(expected, offset);
        Assert.Equal(length, BlockIo.Write(disk, offset, data, new byte[512]));
        Assert.Equal(expected, disk.Data);
    }

    [Fact]
    public void Whole_sectors_in_the_middle_go_to_the_disk_as_one_request()
    {
        var disk = new ArrayDisk(32);
        BlockIo.Write(disk, 256, new byte[512 * 4], new byte[512]);
        // head: read+write sector 0; middle: sectors 1..3 at once; tail: read+write sector 4
        Assert.Equal(new[] { (false, 0UL, 512), (true, 0UL, 512), (true, 1UL, 1536), (false, 4UL, 512), (true, 4UL, 512) }, disk.Requests);
    }

    [Fact]
    public void Reads_stop_at_the_end_of_the_disk()
    {
        var disk = new ArrayDisk(4);
        var buffer = new byte[1024];
        Assert.Equal(100, BlockIo.Read(disk, 2048 - 100, buffer, new byte[512]));
        Assert.Equal(0, BlockIo.Read(disk, 2048, buffer, new byte[512]));
        Assert.Equal(0, BlockIo.Read(disk, 1 << 30, buffer, new byte[512]));
    }

    [Fact]
    public void Writes_are_cut_at_the_end_and_refused_past_it()
    {
        var disk = new ArrayDisk(4);
        Assert.Equal(10, BlockIo.Write(disk, 2048 - 10, new byte[100], new byte[512]));
        Assert.Equal(-Errno.ENOSPC, BlockIo.Write(disk, 2048, new byte[1], new byte[512]));
    }

    [Fact]
    public void Writes_to_a_read_only_disk_fail_with_EPERM_as_on_Linux()
        => Assert.Equal(-Errno.EPERM, BlockIo.Write(new ArrayDisk(4, readOnly: true), 0, new byte[512], new byte[512]));

    [Fact]
    public void An_error_after_some_progress_reports_the_bytes_done_and_at_the_start_the_error()
    {
        var disk = new ArrayDisk(8) { FailAfter = 1 };
        Assert.Equal(412, BlockIo.Read(disk, 100, new byte[2000], new byte[512]));
        disk.Requests.Clear();
        disk.FailAfter = 0;
        Assert.Equal(-Errno.EIO, BlockIo.Read(disk, 0, new byte[512], new byte[512]));
    }

    [Fact]
    public void The_registry_finds_disks_by_name_with_or_without_dev_and_by_number()
    {
        var table = new BlockDeviceTable();
        var a = new ArrayDisk(1);
        var b = new ArrayDisk(1);
        Assert.Equal(0, table.Add(a, "vda"u8, 254, 0));
        Assert.Equal(0, table.Add(b, "vdb"u8, 254, 16));
        Assert.Same(b, table.Find("vdb"u8)!.Device);
        Assert.Same(a, table.Find("/dev/vda"u8)!.Device);
        Assert.Same(b, table.Find(254, 16)!.Device);
        Assert.Null(table.Find("vdc"u8));
        Assert.Null(table.Find(254, 1));
        Assert.Equal(-Errno.EEXIST, table.Add(b, "vda"u8, 254, 32));
        Assert.Equal(2, table.Count);
    }
}
