using Emulator.Core.Boot;
using Emulator.Core.DeviceTree;
using Emulator.Devices;

namespace Emulator.Core.Board;

/// <summary>Builds the `virt` board's device tree from the board's own device list.</summary>
public static class VirtDeviceTree
{
    private const uint GicPhandle = 1;
    private const uint ApbClockPhandle = 2;
    private const uint GpioPhandle = 3;

    // Interrupt specifier cells for arm,cortex-a15-gic: type (0 SPI, 1 PPI), number, flags.
    private const uint GicSpi = 0;
    private const uint GicPpi = 1;
    private const uint EdgeRising = 1;
    private const uint LevelHigh = 4;

    /// <summary>PPI flags: level-high (4) with the mask of CPUs it goes to (one CPU) in bits 8..15.</summary>
    private const uint PpiOneCpuLevelHigh = (1u << 8) | LevelHigh;

    /// <summary>
    /// The tree for <paramref name="devices"/> and <paramref name="ramSize"/> bytes of RAM; with
    /// <paramref name="framebuffer"/>, also the framebuffer the emulator configured as firmware (<see cref="AddFramebuffer"/>).
    /// </summary>
    public static FdtNode Build(IReadOnlyList<BoardDevice> devices, ulong ramSize, string cpuCompatible, FirmwareFramebuffer? framebuffer = null)
    {
        var root = new FdtNode();
        root.SetString("compatible", "linux,dummy-virt");
        root.SetU32("#address-cells", 2);
        root.SetU32("#size-cells", 2);
        root.SetU32("interrupt-parent", GicPhandle);
        root.SetString("model", "emulator virt (C# on Unicorn)");

        var chosen = root.AddChild("chosen");
        chosen.SetString("stdout-path", $"/pl011@{VirtLayout.UartBase:x}");

        root.AddChild($"memory@{VirtLayout.RamBase:x}")
            .SetString("device_type", "memory")
            .SetU64("reg", VirtLayout.RamBase, ramSize);

        if (framebuffer != null)
        {
            AddFramebuffer(root, framebuffer);
        }

        var cpus = root.AddChild("cpus");
        cpus.SetU32("#address-cells", 1);
        cpus.SetU32("#size-cells", 0);
        cpus.AddChild("cpu@0")
            .SetString("device_type", "cpu")
            .SetString("compatible", cpuCompatible)
            .SetU32("reg", 0)
            .SetString("enable-method", "psci");

        root.AddChild("psci")
            .SetStringList("compatible", "arm,psci-1.0", "arm,psci-0.2", "arm,psci")
            .SetString("method", "hvc")
            .SetU32("cpu_suspend", PsciFunction.CPU_SUSPEND_64)
            .SetU32("cpu_off", PsciFunction.CPU_OFF)
            .SetU32("cpu_on", PsciFunction.CPU_ON_64)
            .SetU32("migrate", PsciFunction.MIGRATE_64);

        root.AddChild("timer")
            .SetStringList("compatible", "arm,armv8-timer", "arm,armv7-timer")
            .SetU32("interrupts",
                GicPpi, VirtLayout.SecurePhysicalTimerIntId - VirtLayout.PpiBase, PpiOneCpuLevelHigh,
                GicPpi, VirtLayout.PhysicalTimerIntId - VirtLayout.PpiBase, PpiOneCpuLevelHigh,
                GicPpi, VirtLayout.VirtualTimerIntId - VirtLayout.PpiBase, PpiOneCpuLevelHigh,
                GicPpi, VirtLayout.HypervisorTimerIntId - VirtLayout.PpiBase, PpiOneCpuLevelHigh)
            .SetEmpty("always-on");

        root.AddChild("apb-pclk")
            .SetString("compatible", "fixed-clock")
            .SetU32("#clock-cells", 0)
            .SetU32("clock-frequency", VirtLayout.ApbClockHz)
            .SetString("clock-output-names", "clk24mhz")
            .SetU32("phandle", ApbClockPhandle);

        foreach (var device in devices)
        {
            var node = root.AddChild($"{device.NodeName}@{device.Base:x}");
            device.Describe(node);
            if (node.GetProperty("reg") == null)
            {
                node.SetU64("reg", Reg(device.Windows));
            }

            if (device.Spi is { } spi)
            {
                node.SetU32("interrupts", GicSpi, (uint)spi, device.EdgeTriggered ? EdgeRising : LevelHigh);
            }
        }

        return root;
    }

    /// <summary>
    /// Describes a framebuffer set up before the kernel starts, as Documentation/devicetree/bindings/display/
    /// simple-framebuffer.yaml asks: a <c>simple-framebuffer</c> child of /chosen, and its memory a <c>no-map</c>
    /// region of /reserved-memory, which the kernel neither allocates nor maps as RAM (Linux maps a framebuffer
    /// write-combined, which arm64 refuses for RAM in its linear map). Both parents get the root's cells and an
    /// identity <c>ranges</c> unless they have their own: Linux translates /chosen's children only through a
    /// ranges, and takes /reserved-memory only with the root's cells and a ranges (drivers/of/fdt.c). For a
    /// user's tree (<paramref name="treePath"/>) the nodes are added to what is there, or replace ours from a
    /// tree dumped with dumpdtb.
    /// </summary>
    public static void AddFramebuffer(FdtNode root, FirmwareFramebuffer framebuffer, string? treePath = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(framebuffer);
        treePath ??= "generated";
        AddChild(root, "reserved-memory", $"framebuffer@{framebuffer.ReservedBase:x}", framebuffer.ReservedBase,
                framebuffer.ReservedSize, treePath)
            .SetEmpty("no-map");

        var config = framebuffer.Config;
        AddChild(root, "chosen", $"framebuffer@{config.Address:x}", config.Address, config.FrameSpan, treePath)
            .SetString("compatible", "simple-framebuffer")
            .SetU32("width", config.Width)
            .SetU32("height", config.Height)
            .SetU32("stride", (uint)config.EffectiveStride)
            .SetString("format", FirmwareFramebuffer.Format)
            .SetString("status", "okay");
    }

    /// <summary>
    /// A new child <paramref name="name"/> of the root's child <paramref name="parentName"/> (replacing one of that
    /// name), with a reg of (<paramref name="address"/>, <paramref name="size"/>) in the parent's cells; a parent
    /// without cells gets the root's, and one without ranges an empty (identity) one.
    /// </summary>
    private static FdtNode AddChild(FdtNode root, string parentName, string name, ulong address, ulong size, string treePath)
    {
        var parent = root.GetOrAddChild(parentName);
        foreach (var (cells, absent) in new[] { ("#address-cells", 2u), ("#size-cells", 1u) })
        {
            if (parent.GetProperty(cells) == null)
            {
                parent.SetU32(cells, Cells(root, cells, absent, treePath));
            }
        }

        if (parent.GetProperty("ranges") == null)
        {
            parent.SetEmpty("ranges");
        }

        var reg = Reg(address, size, Cells(parent, "#address-cells", 2, treePath), Cells(parent, "#size-cells", 1, treePath), parent, treePath);
        parent.RemoveChild(name);
        return parent.AddChild(name).SetU32("reg", reg);
    }

    /// <summary>One (address, size) pair in the cells a node's #address-cells and #size-cells ask for.</summary>
    private static uint[] Reg(ulong address, ulong size, uint addressCells, uint sizeCells, FdtNode parent, string treePath)
    {
        if ((addressCells == 1 && address > uint.MaxValue) || (sizeCells == 1 && size > uint.MaxValue))
        {
            throw new BootException(
                $"device tree '{treePath}': {Describe(parent)} one-cell addresses or sizes cannot describe 0x{address:x} (0x{size:x} bytes); use less RAM");
        }

        var reg = new List<uint>();
        if (addressCells == 2)
        {
            reg.Add((uint)(address >> 32));
        }

        reg.Add((uint)address);
        if (sizeCells == 2)
        {
            reg.Add((uint)(size >> 32));
        }

        reg.Add((uint)size);
        return [.. reg];
    }

    /// <summary>The GIC's node: its distributor and CPU interface windows in one reg property.</summary>
    public static Action<FdtNode> DescribeGic(IReadOnlyList<BoardWindow> windows) => node =>
    {
        node.SetString("compatible", "arm,cortex-a15-gic")
            .SetU32("#interrupt-cells", 3)
            .SetU32("#address-cells", 2)
            .SetU32("#size-cells", 2)
            .SetEmpty("interrupt-controller")
            .SetU64("reg", Reg(windows))
            .SetU32("phandle", GicPhandle);
    };

    /// <summary>A reg property of (base, size) pairs, one per window, with the root's two address and two size cells.</summary>
    private static ulong[] Reg(IReadOnlyList<BoardWindow> windows) => [.. windows.SelectMany(w => new[] { w.Base, w.Size })];

    /// <summary>PrimeCell devices sit on Linux's AMBA bus, which needs the apb_pclk clock to probe them.</summary>
    public static Action<FdtNode> DescribePrimeCell(string compatible, bool uartClock) => node =>
    {
        node.SetStringList("compatible", compatible, "arm,primecell");
        if (uartClock)
        {
            node.SetU32("clocks", ApbClockPhandle, ApbClockPhandle)
                .SetStringList("clock-names", "uartclk", "apb_pclk");
        }
        else
        {
            node.SetU32("clocks", ApbClockPhandle)
                .SetString("clock-names", "apb_pclk");
        }
    };

    /// <summary>
    /// The PL061 as QEMU's virt describes it (a GPIO controller with two cells per specifier), and beside it, at
    /// the root, the gpio-keys node that makes its line 3 the power button.
    /// </summary>
    public static Action<FdtNode> DescribeGpio() => node =>
    {
        DescribePrimeCell("arm,pl061", uartClock: false)(node);
        node.SetU32("#gpio-cells", 2)
            .SetEmpty("gpio-controller")
            .SetU32("phandle", GpioPhandle);
        var keys = node.Parent?.AddChild("gpio-keys") ?? throw new InvalidOperationException("the PL061 node needs a parent");
        keys.SetString("compatible", "gpio-keys");
        keys.AddChild("poweroff")
            .SetString("label", "GPIO Key Poweroff")
            .SetU32("linux,code", VirtLayout.KeyPower)
            .SetU32("gpios", GpioPhandle, VirtLayout.PowerButtonGpio, 0);
    };

    /// <summary>Sets what the boot loader knows into /chosen (and /memory for a user-supplied tree).</summary>
    public static void SetBootInfo(FdtNode root, string? bootArgs, (ulong Start, ulong End)? initrd)
    {
        var chosen = root.GetOrAddChild("chosen");
        if (bootArgs != null)
        {
            chosen.SetString("bootargs", bootArgs);
        }

        if (initrd is { } range)
        {
            chosen.SetU64("linux,initrd-start", range.Start);
            chosen.SetU64("linux,initrd-end", range.End);
        }
    }

    /// <summary>
    /// Gives a user-supplied tree (-dtb) the machine's RAM the way QEMU does (hw/arm/boot.c): its memory
    /// nodes are replaced by one <c>memory@40000000</c> whose reg is written with the root's
    /// #address-cells and #size-cells, which the kernel reads it with.
    /// </summary>
    public static void SetMemory(FdtNode root, ulong ramSize, string treePath)
    {
        // Devicetree specification 2.3.5: when absent, #address-cells is 2 and #size-cells is 1.
        var addressCells = Cells(root, "#address-cells", 2, treePath);
        var sizeCells = Cells(root, "#size-cells", 1, treePath);
        if (sizeCells == 1 && ramSize > uint.MaxValue)
        {
            throw new BootException(
                $"device tree '{treePath}': its root #size-cells of 1 cannot describe {ramSize >> 20} MiB of RAM; use less than 4 GiB");
        }

        foreach (var child in root.Children.ToList())
        {
            if (child.Name == "memory" || child.Name.StartsWith("memory@", StringComparison.Ordinal) ||
                child.GetProperty("device_type")?.AsString() == "memory")
            {
                root.RemoveChild(child.Name);
            }
        }

        root.AddChild($"memory@{VirtLayout.RamBase:x}")
            .SetString("device_type", "memory")
            .SetU32("reg", Reg(VirtLayout.RamBase, ramSize, addressCells, sizeCells, root, treePath));
    }

    /// <summary>A node's #address-cells or #size-cells: <paramref name="absent"/> when it has none, else 1 or 2.</summary>
    private static uint Cells(FdtNode node, string name, uint absent, string treePath)
    {
        var property = node.GetProperty(name);
        if (property == null)
        {
            return absent;
        }

        var cells = property.Length == 4 ? property.AsU32() : 0;
        if (cells is not (1 or 2))
        {
            throw new BootException($"device tree '{treePath}': {Describe(node)} {name} must be 1 or 2 (one <u32>)");
        }

        return cells;
    }

    private static string Describe(FdtNode node) => node.Parent == null ? "the root's" : $"{node.Path}'s";
}
