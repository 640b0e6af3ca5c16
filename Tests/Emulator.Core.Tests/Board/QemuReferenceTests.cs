using Emulator.Core.Board;
using Emulator.Core.Tests.Boot;
using Emulator.Core.Tests.DeviceTree;
using Emulator.Core.Tests.Support;

namespace Emulator.Core.Tests.Board;

/// <summary>
/// The generated tree against the reference: the tree qemu-system-aarch64 itself generates for
/// <c>-M virt -cpu cortex-a57</c> (QEMU 7.2, <c>-M virt,dumpdtb=FILE</c>), node by node for everything
/// this board models.
/// </summary>
public class QemuReferenceTests
{
    private const ulong RamSize = 256UL << 20;

    private static readonly Lazy<(IReadOnlyList<BoardFiles.DeviceEntry> Devices, DtsNode Ours, DtsNode Qemu)> Trees = new(() =>
    {
        using var files = new TempFiles();
        var (devices, blob) = BoardFiles.Describe(new MachineConfig
        {
            KernelPath = files.Write("kernel.elf", BoardFiles.IdleKernel),
            RamSize = RamSize,
        });
        var qemuPath = Path.Combine(files.Directory, "qemu.dtb");
        var result = ExternalTool.Run("qemu-system-aarch64", "qemu-system-arm",
            "-M", $"virt,dumpdtb={qemuPath}", "-cpu", "cortex-a57", "-m", $"{RamSize >> 20}M", "-nographic", "-nodefaults");
        Assert.True(result.ExitCode == 0 && File.Exists(qemuPath), $"qemu-system-aarch64 did not dump its tree:\n{result.StandardError}");
        return (devices, DtsNode.Parse(Dtc.Decompile(blob)), DtsNode.Parse(Dtc.Decompile(File.ReadAllBytes(qemuPath))));
    });

    private static DtsNode Qemu(string path) => Trees.Value.Qemu.Find(path) ?? throw new KeyNotFoundException($"QEMU's tree has no {path}");

    private static DtsNode Ours(string path) => Trees.Value.Ours.Find(path) ?? throw new KeyNotFoundException($"our tree has no {path}");

    [Fact]
    public void EveryBoardDevice_HasQemusRegAndInterrupts()
    {
        foreach (var device in Trees.Value.Devices)
        {
            var path = $"/{device.NodeName}@{device.Base:x}";
            Assert.Equal(Qemu(path).Raw("reg"), Ours(path).Raw("reg"));
            if (Ours(path).Has("interrupts"))
            {
                Assert.Equal(Qemu(path).Raw("interrupts"), Ours(path).Raw("interrupts"));
            }
        }
    }

    [Fact]
    public void Gpio_IsQemusPl061_AGpioControllerWithTwoCells()
    {
        const string Path = "/pl061@9030000";
        foreach (var property in new[] { "#gpio-cells", "clock-names" })
        {
            Assert.Equal(Qemu(Path).Raw(property), Ours(Path).Raw(property));
        }

        Assert.True(Ours(Path).Has("gpio-controller"));
        Assert.True(Qemu(Path).Has("gpio-controller"));
    }

    [Fact]
    public void GpioKeys_MakeLine3ThePowerButton_AsQemus()
    {
        var ours = Ours("/gpio-keys");
        var qemu = Qemu("/gpio-keys");
        Assert.Equal(qemu.String("compatible"), ours.String("compatible"));
        var (ourKey, qemuKey) = (Ours("/gpio-keys/poweroff"), Qemu("/gpio-keys/poweroff"));
        Assert.Equal(qemuKey.Raw("linux,code"), ourKey.Raw("linux,code"));
        Assert.Equal(qemuKey.Raw("label"), ourKey.Raw("label"));

        // gpios = <&pl061 line flags>: the phandles differ between the trees, the line and flags do not
        var (ourGpios, qemuGpios) = (ourKey.Cells("gpios"), qemuKey.Cells("gpios"));
        Assert.Equal(qemuGpios[1..], ourGpios[1..]);
        Assert.Equal(Ours("/pl061@9030000").Cell("phandle"), ourGpios[0]);
        Assert.Equal(Qemu("/pl061@9030000").Cell("phandle"), qemuGpios[0]);
    }

    [Fact]
    public void EveryBoardDevice_HasQemusCompatible()
    {
        foreach (var device in Trees.Value.Devices)
        {
            var path = $"/{device.NodeName}@{device.Base:x}";
            Assert.Equal(Qemu(path).Strings("compatible"), Ours(path).Strings("compatible"));
        }
    }

    [Fact]
    public void Timer_HasQemusInterrupts()
    {
        Assert.Equal(Qemu("/timer").Cells("interrupts"), Ours("/timer").Cells("interrupts"));
    }

    [Fact]
    public void Timer_HasQemusOtherProperties()
    {
        Assert.Equal(Qemu("/timer").Properties.Keys.Order(), Ours("/timer").Properties.Keys.Order());
        foreach (var property in Qemu("/timer").Properties.Keys.Where(p => p != "interrupts"))
        {
            Assert.Equal(Qemu("/timer").Raw(property), Ours("/timer").Raw(property));
        }
    }

    [Fact]
    public void Memory_HasQemusReg()
    {
        Assert.Equal(Qemu("/memory@40000000").Cells64("reg"), Ours("/memory@40000000").Cells64("reg"));
    }

    [Fact]
    public void Psci_HasQemusMethodAndFunctionIds()
    {
        foreach (var property in new[] { "method", "compatible", "cpu_on", "cpu_off", "cpu_suspend", "migrate" })
        {
            Assert.Equal(Qemu("/psci").Raw(property), Ours("/psci").Raw(property));
        }
    }

    [Fact]
    public void CpuAndClock_MatchQemus()
    {
        Assert.Equal(Qemu("/cpus/cpu@0").Raw("compatible"), Ours("/cpus/cpu@0").Raw("compatible"));
        Assert.Equal(Qemu("/apb-pclk").Raw("clock-frequency"), Ours("/apb-pclk").Raw("clock-frequency"));
        Assert.Equal(Qemu("/chosen").Raw("stdout-path"), Ours("/chosen").Raw("stdout-path"));
    }

    [Fact]
    public void VirtioTransports_AreQemusNodes_InQemusOrder_WithQemusProperties()
    {
        static List<DtsNode> Virtio(DtsNode root) => [.. root.Children.Where(c => c.Name.StartsWith("virtio_mmio@", StringComparison.Ordinal))];
        var qemu = Virtio(Trees.Value.Qemu);
        var ours = Virtio(Trees.Value.Ours);

        Assert.Equal(32, qemu.Count);
        Assert.Equal(qemu.Select(n => n.Name), ours.Select(n => n.Name));
        foreach (var (q, o) in qemu.Zip(ours))
        {
            Assert.Equal(q.Properties.OrderBy(p => p.Key), o.Properties.OrderBy(p => p.Key));
        }
    }
}
