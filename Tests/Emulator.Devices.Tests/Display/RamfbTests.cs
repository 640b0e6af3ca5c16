using System.Buffers.Binary;
using Emulator.Devices.Display;

namespace Emulator.Devices.Tests.Display;

/// <summary>ramfb configured the way firmware does it: a fw_cfg DMA write of etc/ramfb.</summary>
public sealed class RamfbTests
{
    private const ulong FW_CFG_DMA_ADDRESS = 0x10;
    private const uint DmaError = 1;
    private const uint DmaSelect = 8;
    private const uint DmaWrite = 16;
    private const ushort RamfbKey = 0x20; // the only file, so the first file selector

    private const ulong RamBase = 0x4000_0000;
    private const int RamSize = 0x20_0000;
    private const ulong Descriptor = RamBase + 0x100;
    private const ulong ConfigBuffer = RamBase + 0x200;
    private const ulong Framebuffer = RamBase + 0x1_0000;

    private readonly FakeGuestMemory _ram = new(RamBase, RamSize);
    private readonly FwCfg _fwCfg;
    private readonly Ramfb _ramfb;

    public RamfbTests()
    {
        _fwCfg = new FwCfg(_ram);
        _ramfb = new Ramfb(_fwCfg, _ram);
    }

    /// <summary>Writes the configuration by DMA (to <paramref name="fwCfg"/>, else the test's) and returns the control word the device left.</summary>
    private uint Configure(RamfbConfig config, FwCfg? fwCfg = null)
    {
        config.ToBytes().CopyTo(_ram.At(ConfigBuffer, RamfbConfig.Size));
        var descriptor = _ram.At(Descriptor, 16);
        BinaryPrimitives.WriteUInt32BigEndian(descriptor, ((uint)RamfbKey << 16) | DmaSelect | DmaWrite);
        BinaryPrimitives.WriteUInt32BigEndian(descriptor[4..], RamfbConfig.Size);
        BinaryPrimitives.WriteUInt64BigEndian(descriptor[8..], ConfigBuffer);
        (fwCfg ?? _fwCfg).Write(FW_CFG_DMA_ADDRESS, 8, BinaryPrimitives.ReverseEndianness(Descriptor));
        return BinaryPrimitives.ReadUInt32BigEndian(_ram.At(Descriptor, 4));
    }

    private static RamfbConfig Xr24(uint width, uint height, ulong address = Framebuffer, uint stride = 0) =>
        new(address, DrmFourCc.Xrgb8888, 0, width, height, stride);

    [Fact]
    public void TheFileIsListedAsEtcRamfbWith28Bytes()
    {
        _fwCfg.Write(0x08, 2, BinaryPrimitives.ReverseEndianness((ushort)0x19));
        var directory = new byte[4 + 64];
        for (var i = 0; i < directory.Length; i++)
        {
            directory[i] = (byte)_fwCfg.Read(0, 1);
        }

        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(directory));
        Assert.Equal(28u, BinaryPrimitives.ReadUInt32BigEndian(directory.AsSpan(4)));
        Assert.Equal(RamfbKey, BinaryPrimitives.ReadUInt16BigEndian(directory.AsSpan(8)));
        Assert.Equal("etc/ramfb", System.Text.Encoding.ASCII.GetString(directory, 12, 9));
    }

    [Fact]
    public void ConfigurationParsesBigEndianFields()
    {
        byte[] bytes = [0, 0, 0, 0, 0x40, 0x01, 0, 0, 0x34, 0x32, 0x52, 0x58, 0, 0, 0, 0, 0, 0, 3, 0x20, 0, 0, 2, 0x58, 0, 0, 0x0C, 0x80];
        var config = RamfbConfig.Parse(bytes);
        Assert.Equal(new RamfbConfig(0x4001_0000, DrmFourCc.Xrgb8888, 0, 800, 600, 3200), config);
        Assert.Equal(bytes, config.ToBytes());
    }

    [Fact]
    public void NothingIsShownBeforeTheGuestConfiguresIt()
    {
        Assert.Null(_ramfb.Config);
        Assert.Null(_ramfb.Capture());
    }

    [Fact]
    public void AFirmwareConfiguration_IsShownFromTheStart_AndEtcRamfbReadsItBack()
    {
        var fwCfg = new FwCfg(_ram);
        var ramfb = new Ramfb(fwCfg, _ram, Xr24(32, 16));

        Assert.Equal(Xr24(32, 16), ramfb.Config);
        Assert.Equal((32, 16), (ramfb.Capture()!.Width, ramfb.Capture()!.Height));
        fwCfg.Write(0x08, 2, BinaryPrimitives.ReverseEndianness(RamfbKey));
        var contents = new byte[RamfbConfig.Size];
        for (var i = 0; i < contents.Length; i++)
        {
            contents[i] = (byte)fwCfg.Read(0, 1);
        }

        Assert.Equal(Xr24(32, 16).ToBytes(), contents);
    }

    [Fact]
    public void TheGuestReplacesAFirmwareConfiguration_AsItReplacesItsOwn()
    {
        var fwCfg = new FwCfg(_ram);
        var ramfb = new Ramfb(fwCfg, _ram, Xr24(32, 16));

        Assert.Equal(0u, Configure(Xr24(64, 48, Framebuffer + 0x1000), fwCfg));

        Assert.Equal(Xr24(64, 48, Framebuffer + 0x1000), ramfb.Config);
        Assert.Equal(64, ramfb.Capture()!.Width);
        Assert.Equal(2, ramfb.Configurations);
    }

    [Fact]
    public void AGuestsBadConfiguration_LeavesTheFirmwareConfigurationShown()
    {
        var fwCfg = new FwCfg(_ram);
        var ramfb = new Ramfb(fwCfg, _ram, Xr24(32, 16));

        Assert.Equal(0u, Configure(new RamfbConfig(0xFFFF_FFFF_FFFF_0000, 0xDEAD_BEEF, 7, 99_999, 0, 3), fwCfg));

        Assert.Equal(Xr24(32, 16), ramfb.Config);
        Assert.Equal(32, ramfb.Capture()!.Width);
    }

    [Fact]
    public void AFirmwareConfigurationRamfbCannotShow_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new Ramfb(new FwCfg(_ram), _ram, Xr24(64, 16, RamBase + RamSize)));
    }

    [Fact]
    public void AGoodConfigurationIsTakenAndTheFrameHasItsSize()
    {
        Assert.Equal(0u, Configure(Xr24(32, 16)));
        Assert.Equal(Xr24(32, 16), _ramfb.Config);
        var frame = _ramfb.Capture();
        Assert.NotNull(frame);
        Assert.Equal(32, frame.Width);
        Assert.Equal(16, frame.Height);
        Assert.Equal(32 * 16, frame.Pixels.Length);
    }

    [Theory]
    [InlineData(0x3432_5258u, 15u, 16u)] // too narrow
    [InlineData(0x3432_5258u, 16u, 15u)] // too low
    [InlineData(0x3432_5258u, 16001u, 16u)] // too wide
    [InlineData(0x3432_5258u, 16u, 12001u)] // too high
    [InlineData(0x3231_5258u, 16u, 16u)] // XR12: not a format ramfb knows
    [InlineData(0u, 16u, 16u)]
    public void ABadConfigurationIsIgnoredAndThePreviousOneStays(uint fourcc, uint width, uint height)
    {
        Configure(Xr24(64, 32));
        var status = Configure(new RamfbConfig(Framebuffer, fourcc, 0, width, height, 0));

        Assert.Equal(0u, status); // the write itself succeeds; ramfb ignores what it cannot show, as QEMU
        Assert.Equal(Xr24(64, 32), _ramfb.Config);
        Assert.Equal(1, _ramfb.Configurations);
    }

    [Theory]
    [InlineData(RamBase - 4)] // starts below RAM
    [InlineData(RamBase + RamSize - (64 * 4 * 16) + 4)] // ends past RAM
    [InlineData(0xFFFF_FFFF_FFFF_FF00)] // wraps around
    public void AFramebufferNotWhollyInRamIsIgnored(ulong address)
    {
        Configure(Xr24(64, 16, address));
        Assert.Null(_ramfb.Config);
        Assert.Null(_ramfb.Capture());
    }

    [Fact]
    public void AFramebufferEndingExactlyAtTheEndOfRamIsTaken()
    {
        Configure(Xr24(64, 16, RamBase + RamSize - (64 * 4 * 16)));
        Assert.NotNull(_ramfb.Config);
    }

    [Fact]
    public void TheLastRowNeedsOnlyItsPixelsNotAWholeStride()
    {
        // stride * (height - 1) + line size, as QEMU's ramfb_create_display_surface computes it
        const uint Stride = 1024;
        var address = RamBase + RamSize - (Stride * 15) - (16 * 4);
        Configure(Xr24(16, 16, address, Stride));
        Assert.NotNull(_ramfb.Config);
    }

    [Fact]
    public void AWriteOfPartOfTheFileStillConfiguresFromTheWholeFile()
    {
        Configure(Xr24(64, 32));
        // rewrite only the width (offset 16) by a skip then a 4-byte write, as a guest patching one field
        var descriptor = _ram.At(Descriptor, 16);
        BinaryPrimitives.WriteUInt32BigEndian(descriptor, ((uint)RamfbKey << 16) | DmaSelect | 4);
        BinaryPrimitives.WriteUInt32BigEndian(descriptor[4..], 16);
        _fwCfg.Write(FW_CFG_DMA_ADDRESS, 8, BinaryPrimitives.ReverseEndianness(Descriptor));
        BinaryPrimitives.WriteUInt32BigEndian(_ram.At(ConfigBuffer, 4), 48);
        BinaryPrimitives.WriteUInt32BigEndian(descriptor, DmaWrite);
        BinaryPrimitives.WriteUInt32BigEndian(descriptor[4..], 4);
        BinaryPrimitives.WriteUInt64BigEndian(descriptor[8..], ConfigBuffer);
        _fwCfg.Write(FW_CFG_DMA_ADDRESS, 8, BinaryPrimitives.ReverseEndianness(Descriptor));

        Assert.Equal(Xr24(48, 32), _ramfb.Config);
    }

    [Fact]
    public void AWriteLongerThanTheFileIsAnErrorAndChangesNothing()
    {
        var descriptor = _ram.At(Descriptor, 16);
        BinaryPrimitives.WriteUInt32BigEndian(descriptor, ((uint)RamfbKey << 16) | DmaSelect | DmaWrite);
        BinaryPrimitives.WriteUInt32BigEndian(descriptor[4..], RamfbConfig.Size + 1);
        BinaryPrimitives.WriteUInt64BigEndian(descriptor[8..], ConfigBuffer);
        Xr24(64, 32).ToBytes().CopyTo(_ram.At(ConfigBuffer, RamfbConfig.Size));
        _fwCfg.Write(FW_CFG_DMA_ADDRESS, 8, BinaryPrimitives.ReverseEndianness(Descriptor));

        Assert.Equal(DmaError, BinaryPrimitives.ReadUInt32BigEndian(_ram.At(Descriptor, 4)));
        Assert.Null(_ramfb.Config);
    }

    [Fact]
    public void Xr24PixelsBecomeOpaqueRgb()
    {
        Configure(Xr24(16, 16));
        byte[] bgrx = [0x30, 0x20, 0x10, 0x00, 0x01, 0x02, 0x03, 0xAA];
        bgrx.CopyTo(_ram.At(Framebuffer, 8));

        var frame = _ramfb.Capture()!;

        Assert.Equal(0xFF10_2030u, frame.Pixels[0]);
        Assert.Equal(0xFF03_0201u, frame.Pixels[1]); // the unused byte does not show
    }

    [Fact]
    public void Ar24AlphaIsIgnored()
    {
        Configure(new RamfbConfig(Framebuffer, DrmFourCc.Argb8888, 0, 16, 16, 0));
        byte[] bgra = [0x30, 0x20, 0x10, 0x00];
        bgra.CopyTo(_ram.At(Framebuffer, 4));
        Assert.Equal(0xFF10_2030u, _ramfb.Capture()!.Pixels[0]);
    }

    [Fact]
    public void Rg24HasThreeBytesAPixelBlueFirst()
    {
        Configure(new RamfbConfig(Framebuffer, DrmFourCc.Rgb888, 0, 16, 16, 0));
        byte[] bgr = [0x30, 0x20, 0x10, 0x03, 0x02, 0x01];
        bgr.CopyTo(_ram.At(Framebuffer, 6));
        var row1 = _ram.At(Framebuffer + (16 * 3), 3); // stride 0 = 16 * 3 bytes
        row1[0] = 0xCC;
        row1[1] = 0xBB;
        row1[2] = 0xAA;

        var frame = _ramfb.Capture()!;

        Assert.Equal(0xFF10_2030u, frame.Pixels[0]);
        Assert.Equal(0xFF01_0203u, frame.Pixels[1]);
        Assert.Equal(0xFFAA_BBCCu, frame.Pixels[16]);
    }

    [Fact]
    public void TheStrideSkipsPaddingBetweenRows()
    {
        Configure(Xr24(16, 16, Framebuffer, stride: 100));
        BinaryPrimitives.WriteUInt32LittleEndian(_ram.At(Framebuffer + 100, 4), 0x00AB_CDEF);
        BinaryPrimitives.WriteUInt32LittleEndian(_ram.At(Framebuffer + 64, 4), 0x0012_3456); // padding of row 0

        var frame = _ramfb.Capture()!;

        Assert.Equal(0xFFAB_CDEFu, frame.Pixels[16]);
        Assert.DoesNotContain(0xFF12_3456u, frame.Pixels);
    }

    [Fact]
    public void AnUnchangedPictureKeepsItsGeneration()
    {
        Configure(Xr24(16, 16));
        var first = _ramfb.Capture()!;
        var second = _ramfb.Capture()!;
        Assert.Equal(first.Generation, second.Generation);
        Assert.Same(first, second);
    }

    [Fact]
    public void AChangedPixelMakesANewGeneration()
    {
        Configure(Xr24(16, 16));
        var first = _ramfb.Capture()!;
        _ram.At(Framebuffer + (16 * 16 * 4) - 1, 1)[0] = 0x7F; // the last pixel's unused byte: invisible
        _ram.At(Framebuffer + (16 * 16 * 4) - 2, 1)[0] = 0x7F; // its red byte: visible
        var second = _ramfb.Capture()!;

        Assert.True(second.Generation > first.Generation);
        Assert.Equal(0xFF7F_0000u, second.Pixels[^1]);
    }

    [Fact]
    public void ANewConfigurationMakesANewGenerationEvenWithTheSameBytes()
    {
        Configure(Xr24(16, 16));
        var first = _ramfb.Capture()!;
        Configure(Xr24(16, 16));
        Assert.True(_ramfb.Capture()!.Generation > first.Generation);
    }

    [Fact]
    public void AChangeInTheLastRowOfAStridedPictureMakesANewGeneration_AndOneInThePaddingDoesNot()
    {
        Configure(Xr24(16, 16, stride: 80)); // 64 bytes of pixels, 16 of padding a row
        var first = _ramfb.Capture()!;
        _ram.At(Framebuffer + (2 * 80) + 70, 1)[0] = 0x55; // padding after row 2
        Assert.Same(first, _ramfb.Capture());
        _ram.At(Framebuffer + (15 * 80) + 60, 1)[0] = 0x55; // the last pixel's blue byte
        var second = _ramfb.Capture()!;
        Assert.True(second.Generation > first.Generation);
        Assert.Equal(0xFF00_0055u, second.Pixels[^1]);
        Assert.Same(second, _ramfb.Capture());
    }

    [Fact]
    public void WithoutAHostAddressForRam_ChangesAreFoundByCopying()
    {
        var fwCfg = new FwCfg(_ram);
        var ramfb = new Ramfb(fwCfg, new CopyOnlyGuestMemory(_ram));
        Xr24(16, 16).ToBytes().CopyTo(_ram.At(ConfigBuffer, RamfbConfig.Size));
        var descriptor = _ram.At(Descriptor, 16);
        BinaryPrimitives.WriteUInt32BigEndian(descriptor, ((uint)RamfbKey << 16) | DmaSelect | DmaWrite);
        BinaryPrimitives.WriteUInt32BigEndian(descriptor[4..], RamfbConfig.Size);
        BinaryPrimitives.WriteUInt64BigEndian(descriptor[8..], ConfigBuffer);
        fwCfg.Write(FW_CFG_DMA_ADDRESS, 8, BinaryPrimitives.ReverseEndianness(Descriptor));

        var first = ramfb.Capture()!;
        Assert.Same(first, ramfb.Capture());
        _ram.At(Framebuffer + 4, 1)[0] = 0x10;
        var second = ramfb.Capture()!;
        Assert.True(second.Generation > first.Generation);
        Assert.Equal(0xFF00_0010u, second.Pixels[1]);
        Assert.Same(second, ramfb.Capture());
    }

    [Fact]
    public void EveryPixelIsConverted_WhateverTheirCount()
    {
        // 17 x 17 = 289 pixels: the vectors, then a tail of single pixels.
        var config = Xr24(17, 17);
        var rows = new byte[17 * 17 * 4];
        for (var i = 0; i < 17 * 17; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(rows.AsSpan(i * 4), (uint)(i * 0x010203) | 0x1200_0000);
        }

        var pixels = new uint[17 * 17];
        Ramfb.Convert(config, rows, pixels);
        for (var i = 0; i < pixels.Length; i++)
        {
            Assert.Equal(0xFF00_0000 | (uint)(i * 0x010203), pixels[i]);
        }
    }
}
