using Emulator.Core.Board;
using Emulator.Core.Tests.Boot;
using Emulator.Core.Tests.DeviceTree;
using Emulator.Core.Unicorn;

namespace Emulator.Core.Tests.Board;

/// <summary>
/// The device tree the board generates, decompiled by dtc and compared with what the board declares
/// (its device list, VirtLayout and the machine configuration).
/// </summary>
public class VirtDeviceTreeTests
{
    private const ulong DefaultRam = 256UL << 20;

    private static readonly Lazy<(IReadOnlyList<BoardFiles.DeviceEntry> Devices, DtsNode Root)> Default = new(() => Generate(DefaultRam));

    private static IReadOnlyList<BoardFiles.DeviceEntry> Devices => Default.Value.Devices;

    private static DtsNode Root => Default.Value.Root;

    private static (IReadOnlyList<BoardFiles.DeviceEntry>, DtsNode) Generate(ulong ramSize, CpuModel cpu = CpuModel.CortexA57)
    {
        using var files = new TempFiles();
        var (devices, blob) = BoardFiles.Describe(new MachineConfig
        {
            KernelPath = files.Write("kernel.elf", BoardFiles.IdleKernel),
            RamSize = ramSize,
            Cpu = cpu,
        });
        return (devices, DtsNode.Parse(Dtc.Decompile(blob)));
    }

    private static DtsNode Node(string path) => Root.Find(path) ?? throw new KeyNotFoundException($"no node {path} in the generated tree");

    [Fact]
    public void GeneratedTree_DecompilesWithoutAnyComplaintFromDtc()
    {
        using var files = new TempFiles();
        var (_, blob) = BoardFiles.Describe(new MachineConfig { KernelPath = files.Write("kernel.elf", BoardFiles.IdleKernel) });

        var result = Dtc.Convert(blob, "dtb", "dts");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public void Board_DeclaresTheVirtDevicesTheEmulatorModels()
    {
        Assert.Equal(["intc", "pl011", "pl031", "pl061", "fw-cfg", .. Enumerable.Repeat("virtio_mmio", VirtLayout.VirtioCount)], Devices.Select(d => d.NodeName));
    }

    [Fact]
    public void Board_HasQemus32VirtioTransports_0x200Apart_WithSpis16To47()
    {
        var transports = Devices.Where(d => d.NodeName == "virtio_mmio").ToList();

        Assert.Equal(Enumerable.Range(0, 32).Select(i => 0x0a00_0000UL + ((ulong)i * 0x200)), transports.Select(t => t.Base));
        Assert.All(transports, t => Assert.Equal(0x200UL, t.Size));
        Assert.Equal(Enumerable.Range(16, 32).Select(i => (int?)i), transports.Select(t => t.Spi));
    }

    [Fact]
    public void VirtioTransports_AreDmaCoherentVirtioMmioNodes()
    {
        var node = Node("/virtio_mmio@a000200");

        Assert.Equal("virtio,mmio", node.String("compatible"));
        Assert.True(node.Has("dma-coherent"));
    }

    [Fact]
    public void EveryBoardDevice_HasANodeNamedAfterItsBase_WhoseRegStartsWithItsWindow()
    {
        foreach (var device in Devices)
        {
            var node = Node($"/{device.NodeName}@{device.Base:x}");
            var reg = node.Cells64("reg");
            Assert.True(reg.Length >= 2 && reg[0] == device.Base && reg[1] == device.Size,
                $"{node.Name}: reg = {node.Raw("reg")}, the board says base 0x{device.Base:x} size 0x{device.Size:x}");
        }
    }

    [Fact]
    public void EveryBoardDeviceWithAnSpi_DeclaresItAsALevelHighSpi_OrRisingEdgeForVirtio()
    {
        Assert.Contains(Devices, d => d.Spi != null);
        foreach (var device in Devices)
        {
            var node = Node($"/{device.NodeName}@{device.Base:x}");
            if (device.Spi is { } spi)
            {
                Assert.Equal([0u, (uint)spi, device.EdgeTriggered ? 1u : 4u], node.Cells("interrupts"));
            }
            else
            {
                Assert.False(node.Has("interrupts"), $"{node.Name} has interrupts but the board gives it no SPI");
            }
        }
    }

    [Fact]
    public void Gic_DeclaresItsDistributorAndCpuInterfaceWindows()
    {
        var gic = Node($"/intc@{VirtLayout.GicDistributorBase:x}");

        Assert.Equal(
            [VirtLayout.GicDistributorBase, VirtLayout.GicDistributorSize, VirtLayout.GicCpuInterfaceBase, VirtLayout.GicCpuInterfaceSize],
            gic.Cells64("reg"));
        Assert.Equal([0x0800_0000UL, 0x1_0000UL, 0x0801_0000UL, 0x1_0000UL], gic.Cells64("reg"));
    }

    [Fact]
    public void Gic_IsAGicV2InterruptControllerWithThreeCellSpecifiers()
    {
        var gic = Node($"/intc@{VirtLayout.GicDistributorBase:x}");

        Assert.Equal("arm,cortex-a15-gic", gic.String("compatible"));
        Assert.True(gic.Has("interrupt-controller"));
        Assert.Equal(3u, gic.Cell("#interrupt-cells"));
    }

    [Fact]
    public void Gic_IsTheRootInterruptParent()
    {
        var gic = Node($"/intc@{VirtLayout.GicDistributorBase:x}");

        Assert.Equal(gic.Cell("phandle"), Root.Cell("interrupt-parent"));
    }

    [Fact]
    public void Timer_DeclaresTheFourTimerPpisLevelHighInTheBindingsOrder()
    {
        var timer = Node("/timer");

        // Secure physical, non-secure physical, virtual, hypervisor: INTIDs 29, 30, 27, 26 are PPIs
        // 13, 14, 11, 10, level-high, to CPU 0.
        Assert.Equal([1u, 13, 0x104, 1, 14, 0x104, 1, 11, 0x104, 1, 10, 0x104], timer.Cells("interrupts"));
        Assert.Equal(
            new[] { VirtLayout.SecurePhysicalTimerIntId, VirtLayout.PhysicalTimerIntId, VirtLayout.VirtualTimerIntId, VirtLayout.HypervisorTimerIntId }
                .Select(id => (uint)(id - VirtLayout.PpiBase)),
            timer.Cells("interrupts").Where((_, i) => i % 3 == 1));
        Assert.Equal(["arm,armv8-timer", "arm,armv7-timer"], timer.Strings("compatible"));
        Assert.True(timer.Has("always-on"), "the timer node lacks always-on");
    }

    [Theory]
    [InlineData(128UL << 20)]
    [InlineData(5UL << 30)]
    public void Memory_IsTheConfiguredRamAtTheRamBase(ulong ramSize)
    {
        var (_, root) = Generate(ramSize);

        var memory = root.Find($"/memory@{VirtLayout.RamBase:x}")!;
        Assert.Equal("memory", memory.String("device_type"));
        Assert.Equal([VirtLayout.RamBase, ramSize], memory.Cells64("reg"));
    }

    [Theory]
    [InlineData(CpuModel.CortexA57, "arm,cortex-a57")]
    [InlineData(CpuModel.CortexA53, "arm,cortex-a53")]
    [InlineData(CpuModel.CortexA72, "arm,cortex-a72")]
    public void Cpu_CompatibleIsTheModelChosenWithMinusCpu(CpuModel model, string compatible)
    {
        var (_, root) = Generate(DefaultRam, model);

        var cpu = root.Find("/cpus/cpu@0")!;
        Assert.Equal(compatible, cpu.String("compatible"));
        Assert.Equal("cpu", cpu.String("device_type"));
        Assert.Equal("psci", cpu.String("enable-method"));
    }

    [Fact]
    public void Psci_IsReachedThroughHvcWithTheStandardFunctionIds()
    {
        var psci = Node("/psci");

        Assert.Equal("hvc", psci.String("method"));
        Assert.Contains("arm,psci-0.2", psci.Strings("compatible"));
        Assert.Equal(0x8400_0002u, psci.Cell("cpu_off"));
        Assert.Equal(0xC400_0003u, psci.Cell("cpu_on"));
    }

    [Fact]
    public void ApbClock_IsAFixed24MHzClock()
    {
        var clock = Node("/apb-pclk");

        Assert.Equal("fixed-clock", clock.String("compatible"));
        Assert.Equal(24_000_000u, clock.Cell("clock-frequency"));
        Assert.Equal(0u, clock.Cell("#clock-cells"));
    }

    [Fact]
    public void Pl011_TakesBothItsClocksFromApbPclk()
    {
        var uart = Node($"/pl011@{VirtLayout.UartBase:x}");
        var clock = Node("/apb-pclk").Cell("phandle");

        Assert.Equal([clock, clock], uart.Cells("clocks"));
        Assert.Equal(["uartclk", "apb_pclk"], uart.Strings("clock-names"));
        Assert.Equal(["arm,pl011", "arm,primecell"], uart.Strings("compatible"));
    }

    [Fact]
    public void Pl031_TakesItsBusClockFromApbPclk()
    {
        var rtc = Node($"/pl031@{VirtLayout.RtcBase:x}");

        Assert.Equal([Node("/apb-pclk").Cell("phandle")], rtc.Cells("clocks"));
        Assert.Equal("apb_pclk", rtc.String("clock-names"));
        Assert.Equal(["arm,pl031", "arm,primecell"], rtc.Strings("compatible"));
    }

    [Fact]
    public void ChosenStdoutPath_NamesTheUartNode()
    {
        var path = Node("/chosen").String("stdout-path");

        Assert.Equal($"/pl011@{VirtLayout.UartBase:x}", path);
        Assert.NotNull(Root.Find(path));
    }

    [Fact]
    public void Phandles_AreUnique()
    {
        var phandles = new List<uint>();
        void Collect(DtsNode node)
        {
            if (node.Has("phandle"))
            {
                phandles.Add(node.Cell("phandle"));
            }

            node.Children.ForEach(Collect);
        }

        Collect(Root);

        Assert.Equal(phandles.Count, phandles.Distinct().Count());
    }
}
