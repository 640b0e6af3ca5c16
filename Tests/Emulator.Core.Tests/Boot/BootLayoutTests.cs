using Emulator.Core.Board;
using Emulator.Core.Boot;
using Emulator.Core.DeviceTree;
using Emulator.Core.Memory;

namespace Emulator.Core.Tests.Boot;

/// <summary>Where BootLayout puts the kernel, the initrd and the device tree, and what it tells the kernel.</summary>
public class BootLayoutTests
{
    private const ulong RamBase = 0x4000_0000;
    private const ulong RamSize = 64 << 20;
    private const byte Untouched = 0xCC;

    private static readonly MachineConfig Config = new()
    {
        KernelPath = "/k/Image",
        InitrdPath = "/k/initrd.img",
        Append = "console=ttyAMA0 rdinit=/init",
        RamSize = RamSize,
    };

    private static GuestRam FilledRam(ulong size = RamSize)
    {
        var ram = new GuestRam(RamBase, size);
        ram.Slice(RamBase, (int)Math.Min(size, int.MaxValue)).Fill(Untouched);
        return ram;
    }

    private static FdtNode Tree()
    {
        var root = new FdtNode();
        root.SetU32("#address-cells", 2).SetU32("#size-cells", 2);
        return root;
    }

    private static byte[] Ram(GuestRam ram, ulong address, int length) => ram.Slice(address, length).ToArray();

    [Fact]
    public void ImageKernel_IsCopiedToRamBasePlusTextOffset()
    {
        using var ram = FilledRam();
        var file = KernelFiles.Image(textOffset: 0x8_0000, imageSize: 0x1_0000, length: 0x3000);

        BootLayout.Place(Config, KernelImage.Parse("Image", file), null, Tree(), ram);

        Assert.Equal(file, Ram(ram, RamBase + 0x8_0000, file.Length));
        Assert.Equal(Untouched, ram.Slice(RamBase + 0x8_0000 - 1, 1)[0]);
    }

    [Fact]
    public void ImageKernel_IsZeroFilledUpToImageSizeAndNoFurther()
    {
        using var ram = FilledRam();
        var file = KernelFiles.Image(textOffset: 0x8_0000, imageSize: 0x1_0000, length: 0x3000);

        BootLayout.Place(Config, KernelImage.Parse("Image", file), null, Tree(), ram);

        Assert.True(ram.Slice(RamBase + 0x8_3000, 0xD000).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(Untouched, ram.Slice(RamBase + 0x9_0000, 1)[0]);
    }

    [Fact]
    public void Entry_IsTheFirstByteOfTheImage()
    {
        using var ram = FilledRam();

        var layout = BootLayout.Place(Config, KernelImage.Parse("Image", KernelFiles.Image(0x8_0000, 0x1_0000)), null, Tree(), ram);

        Assert.Equal(RamBase + 0x8_0000, layout.Entry);
    }

    [Fact]
    public void Initrd_IsCopiedToTheFirst2MiBBoundaryAfterTheKernelsImageSize()
    {
        using var ram = FilledRam();
        var initrd = KernelFiles.Pattern(0x18_0001, 42);

        BootLayout.Place(Config, KernelImage.Parse("Image", KernelFiles.Image(0x8_0000, 0x30_0000)), initrd, Tree(), ram);

        // The kernel ends at 0x38_0000, so the initrd goes at 0x40_0000.
        Assert.Equal(initrd, Ram(ram, RamBase + 0x40_0000, initrd.Length));
    }

    [Fact]
    public void ChosenInitrdStartAndEnd_AreWhereTheInitrdWasCopied()
    {
        using var ram = FilledRam();
        var initrd = KernelFiles.Pattern(0x18_0001, 42);
        var tree = Tree();

        BootLayout.Place(Config, KernelImage.Parse("Image", KernelFiles.Image(0x8_0000, 0x30_0000)), initrd, tree, ram);

        var chosen = tree.Find("/chosen")!;
        var start = chosen.GetProperty("linux,initrd-start")!.AsU64();
        var end = chosen.GetProperty("linux,initrd-end")!.AsU64();
        Assert.Equal(RamBase + 0x40_0000, start);
        Assert.Equal(start + (ulong)initrd.Length, end);
        Assert.Equal(initrd, Ram(ram, start, (int)(end - start)));
    }

    [Fact]
    public void DeviceTree_IsCopiedToThe2MiBBoundaryAfterTheInitrd()
    {
        using var ram = FilledRam();
        var initrd = KernelFiles.Pattern(0x18_0001, 42);

        var layout = BootLayout.Place(Config, KernelImage.Parse("Image", KernelFiles.Image(0x8_0000, 0x30_0000)), initrd, Tree(), ram);

        // initrd 0x40_0000..0x58_0001, so the DTB goes at 0x60_0000.
        Assert.Equal(RamBase + 0x60_0000, layout.DeviceTreeAddress);
        Assert.Equal(layout.DeviceTreeBlob, Ram(ram, layout.DeviceTreeAddress, layout.DeviceTreeBlob.Length));
    }

    [Fact]
    public void DeviceTree_WithoutInitrd_FollowsTheKernelAtA2MiBBoundary()
    {
        using var ram = FilledRam();
        var tree = Tree();

        var layout = BootLayout.Place(Config with { InitrdPath = null }, KernelImage.Parse("Image", KernelFiles.Image(0, 0x20_0001)), null, tree, ram);

        Assert.Equal(RamBase + 0x40_0000, layout.DeviceTreeAddress);
        Assert.Null(tree.Find("/chosen")!.GetProperty("linux,initrd-start"));
        Assert.Null(tree.Find("/chosen")!.GetProperty("linux,initrd-end"));
    }

    [Fact]
    public void PlacedDeviceTreeBlob_IsTheTreeWithItsBootInformation()
    {
        using var ram = FilledRam();
        var initrd = KernelFiles.Pattern(0x1000, 1);

        var layout = BootLayout.Place(Config, KernelImage.Parse("Image", KernelFiles.Image(0, 0x10_0000)), initrd, Tree(), ram);

        var chosen = FdtReader.Parse(layout.DeviceTreeBlob).Find("/chosen")!;
        Assert.Equal("console=ttyAMA0 rdinit=/init", chosen.GetProperty("bootargs")!.AsString());
        Assert.Equal(RamBase + 0x20_0000, chosen.GetProperty("linux,initrd-start")!.AsU64());
        Assert.Equal(RamBase + 0x20_1000, chosen.GetProperty("linux,initrd-end")!.AsU64());
    }

    [Fact]
    public void GeneratedTree_WithoutAppend_GetsEmptyBootargs()
    {
        using var ram = FilledRam();
        var tree = Tree();

        BootLayout.Place(Config with { Append = null }, KernelImage.Parse("Image", KernelFiles.Image(0, 0x10_0000)), null, tree, ram);

        Assert.Equal("", tree.Find("/chosen")!.GetProperty("bootargs")!.AsString());
    }

    [Fact]
    public void UserTree_WithoutAppend_KeepsItsOwnBootargs()
    {
        using var ram = FilledRam();
        var tree = Tree();
        tree.AddChild("chosen").SetString("bootargs", "from the user's dtb");

        BootLayout.Place(Config with { Append = null, DtbPath = "/k/board.dtb" }, KernelImage.Parse("Image", KernelFiles.Image(0, 0x10_0000)), null, tree, ram);

        Assert.Equal("from the user's dtb", tree.Find("/chosen")!.GetProperty("bootargs")!.AsString());
    }

    [Fact]
    public void UserTree_WithAppend_GetsTheAppendedBootargs()
    {
        using var ram = FilledRam();
        var tree = Tree();
        tree.AddChild("chosen").SetString("bootargs", "from the user's dtb");

        BootLayout.Place(Config with { DtbPath = "/k/board.dtb" }, KernelImage.Parse("Image", KernelFiles.Image(0, 0x10_0000)), null, tree, ram);

        Assert.Equal("console=ttyAMA0 rdinit=/init", tree.Find("/chosen")!.GetProperty("bootargs")!.AsString());
    }

    [Fact]
    public void ElfKernel_IsCopiedToItsPhysicalAddresses()
    {
        using var ram = FilledRam();
        var code = KernelFiles.Pattern(0x100, 3);
        var elf = KernelFiles.Elf(0x4010_0000, [new ElfSegment(ElfSegment.Load, 0x4010_0000, 0x4010_0000, code, 0x200)]);

        var layout = BootLayout.Place(Config, KernelImage.Parse("k.elf", elf), null, Tree(), ram);

        Assert.Equal(code, Ram(ram, 0x4010_0000, code.Length));
        Assert.True(ram.Slice(0x4010_0100, 0x100).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(0x4010_0000UL, layout.Entry);
        Assert.Equal(RamBase + 0x20_0000, layout.DeviceTreeAddress);
    }

    [Fact]
    public void ImageKernel_TooBigForRam_IsReportedWithTheRamSize()
    {
        using var ram = FilledRam();
        var kernel = KernelImage.Parse("Image", KernelFiles.Image(0x8_0000, RamSize));

        var e = BootErrors.Assert(() => BootLayout.Place(Config, kernel, null, Tree(), ram), "/k/Image", "outside RAM");

        Assert.Contains("-m 64M", e.Message);
    }

    [Fact]
    public void ElfKernel_OutsideRam_IsReported()
    {
        using var ram = FilledRam();
        var elf = KernelFiles.Elf(0x8_0000, [new ElfSegment(ElfSegment.Load, 0x8_0000, 0x8_0000, [0, 0, 0, 0], 4)]);

        BootErrors.Assert(() => BootLayout.Place(Config, KernelImage.Parse("k.elf", elf), null, Tree(), ram), "/k/Image", "outside RAM");
    }

    [Fact]
    public void Initrd_TooBigForRam_IsReported()
    {
        using var ram = FilledRam();
        var initrd = new byte[RamSize - 0x10_0000];

        BootErrors.Assert(() => BootLayout.Place(Config, KernelImage.Parse("Image", KernelFiles.Image(0, 0x20_0000)), initrd, Tree(), ram),
            "/k/initrd.img", "does not fit in RAM");
    }

    [Fact]
    public void DeviceTree_WithNoRoomLeft_IsReported()
    {
        using var ram = FilledRam();
        // The initrd ends one byte before the end of RAM, so the next 2 MiB boundary is the end of RAM.
        var initrd = new byte[RamSize - 0x40_0000 - 1];

        var e = Assert.Throws<BootException>(() =>
            BootLayout.Place(Config, KernelImage.Parse("Image", KernelFiles.Image(0, 0x40_0000)), initrd, Tree(), ram));

        Assert.Contains("device tree", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void RamIsLeftUntouched_WhenSomethingDoesNotFit()
    {
        using var ram = FilledRam();
        var initrd = new byte[RamSize];

        Assert.Throws<BootException>(() =>
            BootLayout.Place(Config, KernelImage.Parse("Image", KernelFiles.Image(0, 0x10_0000)), initrd, Tree(), ram));

        Assert.True(ram.Slice(RamBase, (int)RamSize).IndexOfAnyExcept(Untouched) < 0);
    }
}
