using Emulator.Core.Board;
using Emulator.Core.DeviceTree;
using Emulator.Core.Tests.Boot;
using Emulator.Core.Tests.DeviceTree;

namespace Emulator.Core.Tests.Board;

/// <summary>-dtb: the user's compiled tree is read, kept, and given the boot information and RAM size.</summary>
public class UserDeviceTreeTests
{
    private const ulong RamSize = 128UL << 20;

    private const string UserSource = """
        /dts-v1/;

        / {
            #address-cells = <2>;
            #size-cells = <2>;
            compatible = "acme,custom-virt";
            model = "user tree";

            chosen {
                bootargs = "from the user";
            };

            memory@40000000 {
                device_type = "memory";
                reg = <0x0 0x40000000 0x0 0x1000000>;
            };

            widget@9500000 {
                compatible = "acme,widget";
                reg = <0x0 0x9500000 0x0 0x1000>;
            };
        };
        """;

    private static FdtNode Boot(string source, string? append = null, byte[]? initrd = null, ulong ramSize = RamSize)
    {
        using var files = new TempFiles();
        var (_, blob) = BoardFiles.Describe(new MachineConfig
        {
            KernelPath = files.Write("kernel.elf", BoardFiles.IdleKernel),
            DtbPath = files.Write("user.dtb", Dtc.Compile(source)),
            InitrdPath = initrd == null ? null : files.Write("initrd", initrd),
            Append = append,
            RamSize = ramSize,
        });
        Dtc.Decompile(blob); // the tree handed to the guest is still one dtc reads without complaint
        return FdtReader.Parse(blob);
    }

    private static string Edit(string source, string from, string to)
    {
        Assert.Contains(from, source);
        return source.Replace(from, to);
    }

    [Fact]
    public void UserTree_IsHandedToTheGuestInsteadOfTheGeneratedOne()
    {
        var tree = Boot(UserSource);

        Assert.Equal("acme,custom-virt", tree.GetProperty("compatible")!.AsString());
        Assert.Equal("acme,widget", tree.Find("/widget@9500000")!.GetProperty("compatible")!.AsString());
        Assert.Null(tree.Find("/pl011@9000000"));
    }

    [Fact]
    public void UserTree_MemoryIsSetToTheConfiguredRamSize()
    {
        var tree = Boot(UserSource);

        var memory = Assert.Single(tree.Children, c => c.GetProperty("device_type")?.AsString() == "memory");
        Assert.Equal([0x4000_0000UL, RamSize], memory.GetProperty("reg")!.AsU64Array());
    }

    [Fact]
    public void UserTree_KeepsItsBootargsWithoutAppend()
    {
        var tree = Boot(UserSource);

        Assert.Equal("from the user", tree.Find("/chosen")!.GetProperty("bootargs")!.AsString());
    }

    [Fact]
    public void UserTree_BootargsAreReplacedByAppend()
    {
        var tree = Boot(UserSource, append: "console=ttyAMA0");

        Assert.Equal("console=ttyAMA0", tree.Find("/chosen")!.GetProperty("bootargs")!.AsString());
    }

    [Fact]
    public void UserTree_GetsTheInitrdLocation()
    {
        var tree = Boot(UserSource, initrd: KernelFiles.Pattern(0x3000, 8));

        var chosen = tree.Find("/chosen")!;
        var start = chosen.GetProperty("linux,initrd-start")!.AsU64();
        Assert.Equal(0x3000UL, chosen.GetProperty("linux,initrd-end")!.AsU64() - start);
        Assert.Equal(0UL, start % (2 << 20));
    }

    [Fact]
    public void UserTree_WithoutChosen_GetsOne()
    {
        var tree = Boot(Edit(UserSource, """
                chosen {
                    bootargs = "from the user";
                };
            """, ""), append: "quiet");

        Assert.Equal("quiet", tree.Find("/chosen")!.GetProperty("bootargs")!.AsString());
    }

    [Fact]
    public void UserTree_WithOneCellAddressesAndSizes_GetsItsMemoryInOneCellEach()
    {
        var source = Edit(Edit(Edit(Edit(UserSource,
            "#address-cells = <2>;", "#address-cells = <1>;"),
            "#size-cells = <2>;", "#size-cells = <1>;"),
            "reg = <0x0 0x40000000 0x0 0x1000000>;", "reg = <0x40000000 0x1000000>;"),
            "reg = <0x0 0x9500000 0x0 0x1000>;", "reg = <0x9500000 0x1000>;");

        var tree = Boot(source);

        var memory = Assert.Single(tree.Children, c => c.GetProperty("device_type")?.AsString() == "memory");
        Assert.Equal([0x4000_0000u, (uint)RamSize], memory.GetProperty("reg")!.AsU32Array());
    }

    [Fact]
    public void UserTree_WithoutAMemoryNode_GetsOne()
    {
        var source = Edit(UserSource, """
                memory@40000000 {
                    device_type = "memory";
                    reg = <0x0 0x40000000 0x0 0x1000000>;
                };
            """, "");

        var tree = Boot(source);

        var memory = Assert.Single(tree.Children, c => c.GetProperty("device_type")?.AsString() == "memory");
        Assert.Equal("memory@40000000", memory.Name);
        Assert.Equal([0x4000_0000UL, RamSize], memory.GetProperty("reg")!.AsU64Array());
    }

    /// <summary>
    /// A GIC and QEMU's timer node, which lists the secure physical, non-secure physical, virtual and
    /// hypervisor timers' PPIs.
    /// </summary>
    private const string QemuTimer = """
            gic: intc@8000000 {
                compatible = "arm,cortex-a15-gic";
                #interrupt-cells = <3>;
                #address-cells = <0>;
                interrupt-controller;
                reg = <0x0 0x8000000 0x0 0x10000 0x0 0x8010000 0x0 0x10000>;
            };

            timer {
                interrupt-parent = <&gic>;
                interrupts = <0x01 0x0d 0x104 0x01 0x0e 0x104 0x01 0x0b 0x104 0x01 0x0a 0x104>;
                always-on;
                compatible = "arm,armv8-timer", "arm,armv7-timer";
            };
        """;

    private static string WithTimer(string timer) => Edit(UserSource, "    widget@9500000 {", timer + "\n    widget@9500000 {");

    [Fact]
    public void UserTreesTimerNode_ReachesTheGuestUnchanged()
    {
        var tree = Boot(WithTimer(QemuTimer));

        var timer = tree.Find("/timer")!;
        Assert.Equal([1u, 13, 0x104, 1, 14, 0x104, 1, 11, 0x104, 1, 10, 0x104], timer.GetProperty("interrupts")!.AsU32Array());
        Assert.Equal(["arm,armv8-timer", "arm,armv7-timer"], timer.GetProperty("compatible")!.AsStringList());
        Assert.NotNull(timer.GetProperty("always-on"));
    }

    [Fact]
    public void UserTreeListingOnlyThePhysicalTimers_KeepsItsTimerNode()
    {
        var tree = Boot(WithTimer(Edit(QemuTimer,
            "<0x01 0x0d 0x104 0x01 0x0e 0x104 0x01 0x0b 0x104 0x01 0x0a 0x104>", "<0x01 0x0d 0xf08 0x01 0x0e 0xf08>")));

        Assert.Equal([1u, 13, 0xf08, 1, 14, 0xf08], tree.Find("/timer")!.GetProperty("interrupts")!.AsU32Array());
    }

    [Fact]
    public void UserTree_WithOneCellSizes_CannotDescribe4GiBOfRam()
    {
        using var files = new TempFiles();
        var source = Edit(Edit(Edit(UserSource,
            "#size-cells = <2>;", "#size-cells = <1>;"),
            "reg = <0x0 0x40000000 0x0 0x1000000>;", "reg = <0x0 0x40000000 0x1000000>;"),
            "reg = <0x0 0x9500000 0x0 0x1000>;", "reg = <0x0 0x9500000 0x1000>;");
        var dtb = files.Write("user.dtb", Dtc.Compile(source));

        BootErrors.Assert(() => BoardFiles.Describe(new MachineConfig
        {
            KernelPath = files.Write("kernel.elf", BoardFiles.IdleKernel),
            DtbPath = dtb,
            RamSize = 4UL << 30,
        }), dtb, "#size-cells");
    }
}
