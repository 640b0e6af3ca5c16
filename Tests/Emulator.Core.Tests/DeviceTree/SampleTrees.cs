using Emulator.Core.DeviceTree;

namespace Emulator.Core.Tests.DeviceTree;

internal static class SampleTrees
{
    public const ulong RamBase = 0x4000_0000;
    public const ulong RamSize = 0x800_0000;

    /// <summary>A small tree shaped like the QEMU virt board's: CPUs, memory, GIC, UART, timer.</summary>
    public static FdtNode Virt()
    {
        var phandles = new PhandleAllocator();
        var root = new FdtNode();
        root.SetU32("#address-cells", 2)
            .SetU32("#size-cells", 2)
            .SetString("compatible", "linux,dummy-virt")
            .SetString("model", "linux,dummy-virt");

        root.AddChild("chosen")
            .SetString("bootargs", "console=ttyAMA0 root=/dev/vda rw")
            .SetString("stdout-path", "/pl011@9000000");

        root.AddChild("memory@40000000")
            .SetString("device_type", "memory")
            .SetU64("reg", RamBase, RamSize);

        FdtNode cpus = root.AddChild("cpus").SetU32("#address-cells", 1).SetU32("#size-cells", 0);
        cpus.AddChild("cpu@0")
            .SetString("device_type", "cpu")
            .SetString("compatible", "arm,cortex-a57")
            .SetU32("reg", 0)
            .SetString("enable-method", "psci");

        root.AddChild("psci")
            .SetStringList("compatible", "arm,psci-1.0", "arm,psci-0.2", "arm,psci")
            .SetString("method", "hvc");

        FdtNode intc = root.AddChild("intc@8000000")
            .SetString("compatible", "arm,cortex-a15-gic")
            .SetU32("#interrupt-cells", 3)
            .SetEmpty("interrupt-controller")
            .SetU64("reg", 0x800_0000, 0x1_0000, 0x801_0000, 0x1_0000)
            .SetU32("#address-cells", 2)
            .SetU32("#size-cells", 2)
            .SetEmpty("ranges");
        uint gic = phandles.Assign(intc);
        root.SetU32("interrupt-parent", gic);

        root.AddChild("pl011@9000000")
            .SetStringList("compatible", "arm,pl011", "arm,primecell")
            .SetU64("reg", 0x900_0000, 0x1000)
            .SetU32("interrupt-parent", gic)
            .SetU32("interrupts", 0, 1, 4);

        root.AddChild("timer")
            .SetString("compatible", "arm,armv8-timer")
            .SetU32("interrupts", 1, 13, 0xf04, 1, 14, 0xf04, 1, 11, 0xf04, 1, 10, 0xf04)
            .SetEmpty("always-on");
        return root;
    }

    public static readonly (ulong Address, ulong Size)[] VirtReservations = [(0x4800_0000, 0x10_0000), (0x4900_0000, 0x2000)];
}
