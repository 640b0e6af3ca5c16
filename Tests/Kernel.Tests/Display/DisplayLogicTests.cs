using System.Buffers.Binary;
using System.Text;
using Kernel.Logic.Display;

namespace Kernel.Tests.Display;

/// <summary>The framebuffer's host-testable pieces: video=, etc/ramfb's bytes, fw_cfg's directory, fbdev's structures.</summary>
public class DisplayLogicTests
{
    private static FramebufferMode? Parse(string s) => FramebufferMode.TryParse(Encoding.ASCII.GetBytes(s), out var m) ? m : null;

    [Theory]
    [InlineData("1024x768", 1024u, 768u)]
    [InlineData("800x600-32@60", 800u, 600u)]
    [InlineData("Virtual-1:1280x720M@60", 1280u, 720u)]
    [InlineData("640x480MR-32@75e", 640u, 480u)]
    public void Video_argument_gives_the_size(string value, uint width, uint height)
    {
        var mode = Parse(value);
        Assert.NotNull(mode);
        Assert.Equal(width, mode.Value.Width);
        Assert.Equal(height, mode.Value.Height);
        Assert.Equal(width * 4, mode.Value.Stride);
    }

    [Theory]
    [InlineData("efifb:off")]
    [InlineData("1024x")]
    [InlineData("x768")]
    [InlineData("800x600-16")]
    [InlineData("8x8")]
    [InlineData("99999x768")]
    [InlineData("1024x768junk")]
    [InlineData("99999999999x1")]
    public void Video_argument_refuses_what_ramfb_cannot_show(string value) => Assert.Null(Parse(value));

    [Fact]
    public void Ramfb_configuration_is_big_endian_xr24()
    {
        var b = new byte[RamfbConfig.Length];
        RamfbConfig.Encode(b, 0x4_1234_5000, new FramebufferMode(800, 600));
        Assert.Equal(0x4_1234_5000UL, BinaryPrimitives.ReadUInt64BigEndian(b));
        // DRM's fourcc "XR24" (its characters in little-endian order), stored big-endian as ramfb reads it.
        Assert.Equal("XR24", Encoding.ASCII.GetString(BitConverter.GetBytes(BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(8)))));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(12)));
        Assert.Equal(800u, BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(16)));
        Assert.Equal(600u, BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(20)));
        Assert.Equal(3200u, BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(24)));
    }

    private static byte[] Directory(params (string Name, ushort Selector, uint Size)[] files)
    {
        var b = new byte[files.Length * FwCfgDirectory.EntryLength];
        for (int i = 0; i < files.Length; i++)
        {
            var e = b.AsSpan(i * FwCfgDirectory.EntryLength);
            BinaryPrimitives.WriteUInt32BigEndian(e, files[i].Size);
            BinaryPrimitives.WriteUInt16BigEndian(e[4..], files[i].Selector);
            Encoding.ASCII.GetBytes(files[i].Name).CopyTo(e[8..]);
        }
        return b;
    }

    [Fact]
    public void Directory_finds_a_file_by_its_whole_name()
    {
        byte[] d = Directory(("etc/ramfb-extra", 0x20, 4), ("bootorder", 0x21, 0), ("etc/ramfb", 0x22, 28));
        Assert.True(FwCfgDirectory.TryFind(d, 3, "etc/ramfb"u8, out ushort selector, out uint size));
        Assert.Equal(0x22, selector);
        Assert.Equal(28u, size);
        Assert.False(FwCfgDirectory.TryFind(d, 3, "etc/ram"u8, out _, out _));
        // A count larger than the bytes read never reads past them.
        Assert.False(FwCfgDirectory.TryFind(d.AsSpan(0, 100), 1000, "etc/ramfb"u8, out _, out _));
        Assert.Equal(3u, FwCfgDirectory.Count([0, 0, 0, 3]));
    }

    [Fact]
    public void Screen_info_describes_xrgb8888_as_linux_lays_it_out()
    {
        var mode = new FramebufferMode(640, 480);
        var v = new byte[FbScreenInfo.VarLength];
        FbScreenInfo.WriteVar(v, mode);
        uint U(int at) => BinaryPrimitives.ReadUInt32LittleEndian(v.AsSpan(at));
        Assert.Equal([640u, 480u, 640u, 480u, 0u, 0u, 32u], new[] { U(0), U(4), U(8), U(12), U(16), U(20), U(24) });
        Assert.Equal([16u, 8u, 8u, 8u, 0u, 8u, 0u, 0u], new[] { U(32), U(36), U(44), U(48), U(56), U(60), U(68), U(72) });

        var f = new byte[FbScreenInfo.FixLength];
        FbScreenInfo.WriteFix(f, "ramfb"u8, 0x4800_0000, 640 * 480 * 4, mode);
        Assert.Equal("ramfb", Encoding.ASCII.GetString(f, 0, 16).TrimEnd('\0'));
        Assert.Equal(0x4800_0000UL, BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan(16)));
        Assert.Equal(640u * 480 * 4, BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(24)));
        Assert.Equal(FbScreenInfo.VisualTrueColor, BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(36)));
        Assert.Equal(2560u, BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(48)));
    }
}
