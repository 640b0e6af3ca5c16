using Emulator.Core.Board;
using Emulator.Core.Boot;
using Emulator.Core.Tests.Boot;
using Emulator.Core.Tests.DeviceTree;
using Emulator.Devices.Display;

namespace Emulator.Core.Tests.Board;

/// <summary>
/// Our machine's contract for <c>-device ramfb</c> with a kernel booted directly: the emulator configures ramfb
/// as firmware would (1024x768 XRGB8888 at the top of RAM) and the device tree describes that framebuffer as a
/// simple-framebuffer in /chosen whose memory is a no-map region of /reserved-memory.
/// </summary>
public class FirmwareFramebufferTests
{
    private const ulong RamBase = 0x4000_0000;
    private const ulong DefaultRam = 512UL << 20;

    /// <summary>A 2 MiB arm64 Image (never run by these tests).</summary>
    private static readonly byte[] ImageKernel = KernelFiles.Image(0, 0x20_0000);

    private static readonly Lazy<DtsNode> Default = new(() => Generate(new MachineConfig { KernelPath = "", Ramfb = true }));

    private static DtsNode Root => Default.Value;

    private static DtsNode Generate(MachineConfig config, byte[]? kernel = null)
    {
        using var files = new TempFiles();
        var (_, blob) = BoardFiles.Describe(config with { KernelPath = files.Write("Image", kernel ?? ImageKernel) });
        return DtsNode.Parse(Dtc.Decompile(blob));
    }

    private static DtsNode Node(DtsNode root, string path) => root.Find(path) ?? throw new KeyNotFoundException($"no node {path} in the generated tree");

    [Fact]
    public void DefaultMode_Is1024x768Xrgb8888_At2MiBAlignedTopOfRam()
    {
        var framebuffer = FirmwareFramebuffer.AtTopOfRam(RamBase, DefaultRam);

        Assert.Equal(new RamfbConfig(0x5FC0_0000, DrmFourCc.Xrgb8888, 0, 1024, 768, 4096), framebuffer.Config);
        Assert.Equal(0x5FC0_0000UL, framebuffer.ReservedBase);
        Assert.Equal(0x30_0000UL, framebuffer.ReservedSize);
    }

    [Fact]
    public void ReservedRegion_CoversTheWholeFrame_InWhole64KiBPages_InsideRam()
    {
        // 100 MiB + 1 MiB: the top of RAM is not 2 MiB-aligned.
        var framebuffer = FirmwareFramebuffer.AtTopOfRam(RamBase, 101UL << 20);

        Assert.Equal(0UL, framebuffer.ReservedBase % (2 << 20));
        Assert.Equal(0UL, framebuffer.ReservedSize % (64 << 10));
        Assert.Equal(framebuffer.ReservedBase, framebuffer.Config.Address);
        Assert.True(framebuffer.ReservedSize >= framebuffer.Config.FrameSpan);
        Assert.True(framebuffer.ReservedBase + framebuffer.ReservedSize <= RamBase + (101UL << 20));
    }

    [Fact]
    public void RamTooSmallForTheFramebuffer_IsRefusedWithOneLine()
    {
        var e = Assert.Throws<BootException>(() => FirmwareFramebuffer.AtTopOfRam(RamBase, 4UL << 20));

        Assert.Contains("-device ramfb", e.Message);
        Assert.Contains("-m 4M", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Framebuffer_IsASimpleFramebufferInChosen_WithTheBindingsProperties()
    {
        var node = Node(Root, "/chosen/framebuffer@5fc00000");

        Assert.Equal("simple-framebuffer", node.String("compatible"));
        Assert.Equal([0x5FC0_0000UL, 1024UL * 768 * 4], node.Cells64("reg"));
        Assert.Equal(1024u, node.Cell("width"));
        Assert.Equal(768u, node.Cell("height"));
        Assert.Equal(4096u, node.Cell("stride"));
        Assert.Equal("x8r8g8b8", node.String("format"));
        Assert.Equal("okay", node.String("status"));
    }

    [Fact]
    public void Chosen_TranslatesItsChildrensAddressesOneToOne_WithTheRootsCells()
    {
        var chosen = Node(Root, "/chosen");

        Assert.Equal(2u, chosen.Cell("#address-cells"));
        Assert.Equal(2u, chosen.Cell("#size-cells"));
        Assert.True(chosen.Has("ranges"));
        Assert.Equal("", chosen.Raw("ranges"));
    }

    [Fact]
    public void FramebufferMemory_IsANoMapReservedRegion_SoTheKernelNeitherUsesNorMapsItAsRam()
    {
        var reserved = Node(Root, "/reserved-memory");
        var region = Node(Root, "/reserved-memory/framebuffer@5fc00000");

        Assert.Equal(2u, reserved.Cell("#address-cells"));
        Assert.Equal(2u, reserved.Cell("#size-cells"));
        Assert.True(reserved.Has("ranges"));
        Assert.Equal([0x5FC0_0000UL, 0x30_0000UL], region.Cells64("reg"));
        Assert.True(region.Has("no-map"));
    }

    [Fact]
    public void TreeWithTheFramebuffer_DecompilesWithoutAnyComplaintFromDtc()
    {
        using var files = new TempFiles();
        var (_, blob) = BoardFiles.Describe(new MachineConfig { KernelPath = files.Write("Image", ImageKernel), Ramfb = true });

        var result = Dtc.Convert(blob, "dtb", "dts");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public void WithoutRamfb_TheTreeHasNoFramebufferAndNoReservedMemory()
    {
        var root = Generate(new MachineConfig { KernelPath = "" });

        Assert.Null(root.Find("/reserved-memory"));
        Assert.DoesNotContain(Node(root, "/chosen").Children, c => c.Name.StartsWith("framebuffer", StringComparison.Ordinal));
    }

    [Fact]
    public void ElfKernel_SetsUpRamfbItself_SoTheTreeHasNoFramebuffer()
    {
        var root = Generate(new MachineConfig { KernelPath = "", Ramfb = true }, BoardFiles.IdleKernel);

        Assert.Null(root.Find("/reserved-memory"));
        Assert.Null(root.Find("/chosen/framebuffer@5fc00000"));
    }

    [Fact]
    public void Machine_ShowsTheFirmwareFramebuffer_AndEtcRamfbReadsBackItsConfiguration()
    {
        using var files = new TempFiles();
        using var machine = new VirtMachine(new MachineConfig { KernelPath = files.Write("Image", ImageKernel), Ramfb = true });

        Assert.Equal(machine.Framebuffer?.Config, machine.Display?.Config);
        var frame = machine.Display!.Capture();
        Assert.NotNull(frame);
        Assert.Equal((1024, 768), (frame.Width, frame.Height));
        Assert.All(frame.Pixels, p => Assert.Equal(0xFF00_0000u, p)); // black until the kernel draws
    }

    [Fact]
    public void BootFiles_GoBelowTheFramebuffer()
    {
        using var files = new TempFiles();
        using var machine = new VirtMachine(new MachineConfig
        {
            KernelPath = files.Write("Image", ImageKernel),
            InitrdPath = files.Write("initrd", new byte[10 << 20]),
            Ramfb = true,
            RamSize = 32UL << 20,
        });

        var tree = DtsNode.Parse(Dtc.Decompile(machine.DeviceTreeBlob));
        var initrdEnd = Node(tree, "/chosen").Cells64("linux,initrd-end")[0];
        Assert.True(initrdEnd <= machine.Framebuffer!.ReservedBase, $"the initrd ends at 0x{initrdEnd:x}, in the framebuffer");
    }

    [Fact]
    public void InitrdThatWouldReachTheFramebuffer_IsRefused_NamingIt()
    {
        using var files = new TempFiles();
        var config = new MachineConfig
        {
            KernelPath = files.Write("Image", ImageKernel),
            InitrdPath = files.Write("initrd", new byte[27 << 20]),
            RamSize = 32UL << 20,
        };
        using (new VirtMachine(config))
        {
            // Without ramfb the same initrd fits.
        }

        var e = Assert.Throws<BootException>(() => new VirtMachine(config with { Ramfb = true }));

        Assert.Contains("below the framebuffer", e.Message);
        Assert.Contains("-device ramfb", e.Message);
    }

    [Fact]
    public void DumpedTree_PassedBackWithDtb_DescribesTheFramebufferOnce()
    {
        using var files = new TempFiles();
        var config = new MachineConfig { KernelPath = files.Write("Image", ImageKernel), Ramfb = true };
        var dtb = files.Write("board.dtb", BoardFiles.Describe(config).Blob);

        using var machine = new VirtMachine(config with { DtbPath = dtb });

        Assert.Equal(machine.Framebuffer?.Config, machine.Display?.Config);
        var root = DtsNode.Parse(Dtc.Decompile(machine.DeviceTreeBlob));
        Assert.Single(Node(root, "/chosen").Children, c => c.Name.StartsWith("framebuffer@", StringComparison.Ordinal));
        Assert.Single(Node(root, "/reserved-memory").Children);
        Assert.Equal(Root.Find("/chosen/framebuffer@5fc00000")!.Properties, Node(root, "/chosen/framebuffer@5fc00000").Properties);
    }

    [Fact]
    public void UserTreeWithOneCellAddresses_GetsTheFramebufferInItsCells_AndKeepsItsOwnReservations()
    {
        using var files = new TempFiles();
        var dtb = files.Write("board.dtb", Dtc.Compile("""
            /dts-v1/;
            / {
                #address-cells = <1>;
                #size-cells = <1>;
                compatible = "linux,dummy-virt";
                reserved-memory {
                    #address-cells = <1>;
                    #size-cells = <1>;
                    ranges;
                    secure@50000000 { reg = <0x50000000 0x100000>; no-map; };
                };
            };
            """));

        using var machine = new VirtMachine(new MachineConfig { KernelPath = files.Write("Image", ImageKernel), DtbPath = dtb, Ramfb = true });

        var root = DtsNode.Parse(Dtc.Decompile(machine.DeviceTreeBlob));
        Assert.Equal([0x5FC0_0000u, 0x30_0000u], Node(root, "/reserved-memory/framebuffer@5fc00000").Cells("reg"));
        Assert.Equal([0x5000_0000u, 0x10_0000u], Node(root, "/reserved-memory/secure@50000000").Cells("reg"));
        Assert.Equal(1u, Node(root, "/chosen").Cell("#address-cells"));
        Assert.Equal(1u, Node(root, "/chosen").Cell("#size-cells"));
        Assert.Equal([0x5FC0_0000u, 0x30_0000u], Node(root, "/chosen/framebuffer@5fc00000").Cells("reg"));
    }
}
