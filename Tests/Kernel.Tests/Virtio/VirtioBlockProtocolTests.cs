using Kernel.Logic.Virtio;

namespace Kernel.Tests.Virtio;

public class VirtioBlockProtocolTests
{
    private static ulong Bits(params int[] bits) => bits.Aggregate(0UL, (a, b) => a | 1UL << b);

    [Fact]
    public void The_header_is_type_reserved_and_sector_little_endian()
    {
        var header = new byte[16];
        VirtioBlockProtocol.WriteHeader(header, VirtioBlockProtocol.TypeOut, 0x0102030405060708);
        Assert.Equal(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1 }, header);
    }

    [Fact]
    public void Without_segment_limits_one_request_takes_the_cap()
        => Assert.Equal(65536u, VirtioBlockProtocol.MaxTransferBytes(0, 0, 0, 512, 256, 65536));

    [Fact]
    public void Size_max_times_seg_max_bounds_a_request()
        => Assert.Equal(4 * 4096u, VirtioBlockProtocol.MaxTransferBytes(Bits(1, 2), 4, 4096, 512, 256, 65536));

    [Fact]
    public void The_queue_size_bounds_the_segments_of_a_chain()
        => Assert.Equal(6 * 1024u, VirtioBlockProtocol.MaxTransferBytes(Bits(1, 2), 126, 1024, 512, 8, 65536));

    [Fact]
    public void The_limit_is_rounded_down_to_the_logical_block_size()
        => Assert.Equal(8192u, VirtioBlockProtocol.MaxTransferBytes(Bits(1, 2), 3, 3000, 4096, 256, 65536));

    [Theory]
    [InlineData(true, 4096u, 4096u)]
    [InlineData(false, 4096u, 512u)]
    [InlineData(true, 1000u, 512u)]   // not a power of two: ignored
    [InlineData(true, 256u, 512u)]
    public void Logical_block_size_comes_from_blk_size_when_offered(bool offered, uint blkSize, uint expected)
        => Assert.Equal(expected, VirtioBlockProtocol.LogicalBlockSize(offered ? Bits(6) : 0, blkSize));

    [Fact]
    public void Segments_are_cut_at_size_max()
    {
        Assert.Equal(4096u, VirtioBlockProtocol.SegmentBytes(Bits(1), 4096, 10000));
        Assert.Equal(10000u, VirtioBlockProtocol.SegmentBytes(0, 4096, 10000));
    }

    [Theory]
    [InlineData(0, "vda")]
    [InlineData(1, "vdb")]
    [InlineData(25, "vdz")]
    [InlineData(26, "vdaa")]
    [InlineData(27, "vdab")]
    [InlineData(701, "vdzz")]
    [InlineData(702, "vdaaa")]
    public void Disks_are_named_as_Linux_names_them(int index, string expected)
    {
        var name = new byte[16];
        int n = DiskName.Format(index, name);
        Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(name, 0, n));
    }

    [Fact]
    public void The_serial_stops_at_the_first_nul_or_20_bytes()
    {
        Assert.Equal(3, VirtioBlockProtocol.SerialLength("abc\0\0\0"u8));
        Assert.Equal(20, VirtioBlockProtocol.SerialLength(new byte[20].Select(_ => (byte)'x').ToArray()));
    }
}
