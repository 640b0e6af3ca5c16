using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Kernel.Logic;
using Kernel.Tools.Symbolize;

namespace Kernel.Tests;

/// <summary>
/// Whole-kernel tests: boot the built image on a machine emulating QEMU's virt board (-cpu cortex-a57)
/// and check the console. Each derived class runs them all on one machine: <see cref="QemuBootTests"/>
/// on qemu-system-aarch64, <see cref="EmulatorBootTests"/> on our emulator.
/// Console protocol: the kernel prints stable lines at boot, then answers the commands "ticks", "date"
/// and "mem" typed on the serial console. Boot arguments: hz=N sets the tick rate,
/// test=nullderef|heapstress|corelib|throw|... runs a built-in test before the console loop.
/// </summary>
public abstract class KernelBootTests
{
    /// <summary>The machine every test of this class boots.</summary>
    protected abstract BootMachine Machine { get; }

    /// <summary>The "timer:" choice this machine's device tree must lead to, or null when not known in advance.</summary>
    protected abstract string? ExpectedTimer { get; }

    protected QemuMachine Boot(string bootArguments = "", string memory = "512M", params string[] extraOptions)
        => new(Machine, bootArguments, memory, extraOptions);

    protected static ulong Number(Match m, string group = "n") => ulong.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("512M", 512)]
    [InlineData("256M", 256)]
    public void Boot_prints_banner_and_the_memory_size_given_to_the_machine(string memory, int mib)
    {
        using var vm = Boot(memory: memory);
        vm.WaitFor(@"^Managed kernel \S+ \(C# on NativeAOT\) for arm64$");
        Match mem = vm.WaitFor(@"^mem: total (?<n>\d+) MiB, free (?<free>\d+) KiB$");
        Assert.Equal((ulong)mib, Number(mem));
        Assert.InRange(Number(mem, "free"), (ulong)(mib - 8) * 1024, (ulong)mib * 1024);
        vm.WaitFor(@"^idle loop reached at \d+ us$");
    }

    [Fact]
    public void Boot_time_on_the_host_clock_is_printed()
    {
        // Without -icount the guest counter follows the host clock, host preemption included;
        // only a loose bound is stable on a shared machine.
        using var vm = Boot();
        Match idle = vm.WaitFor(@"^idle loop reached at (?<n>\d+) us$");
        Assert.InRange(Number(idle), 1UL, 1_000_000UL);
    }

    [Fact]
    public void Device_tree_drives_the_drivers()
    {
        // What the kernel must find is read from the tree this machine gives its guests.
        DeviceTreeFacts facts = DeviceTreeFacts.Of(Machine.DumpDeviceTree());
        using var vm = Boot();
        vm.WaitFor(@"^idle loop reached");
        string output = vm.Output;
        Assert.Contains($"uart: pl011 at 0x{facts.UartBase:x}, irq {facts.UartIrq}", output);
        Assert.Contains($"gic: GICv2 distributor 0x{facts.GicDistributor:x}, cpu interface 0x{facts.GicCpuInterface:x}", output);
        Assert.Contains($"timer: {facts.Timer}, ", output);
        if (ExpectedTimer is { } timer)
            Assert.Equal(timer, facts.Timer);
        Assert.Contains(facts.VirtioTransports == 0 ? "virtio-mmio: none" : $"virtio-mmio: {facts.VirtioTransports} transports, lowest at 0x{facts.LowestVirtio:x}", output);
        Assert.Contains("initrd: none", output);
    }

    private static (ulong Ticks, TimeSpan At) ReadTicks(QemuMachine vm, Stopwatch clock)
    {
        int from = vm.OutputLength;
        vm.SendLine("ticks");
        Match m = vm.WaitFor(@"^ticks: (?<n>\d+) \(hz (?<hz>\d+)\)$", from: from);
        return (Number(m), clock.Elapsed);
    }

    [Theory]
    [InlineData("", 100)]
    [InlineData("hz=250", 250)]
    public void Timer_ticks_advance_by_about_hz_per_second(string bootArguments, int hz)
    {
        using var vm = Boot(bootArguments);
        AssertTickRate(vm, hz);
    }

    /// <summary>Waits for the console prompt, then checks the tick count grows by about hz per host second.</summary>
    protected static void AssertTickRate(QemuMachine vm, int hz)
    {
        vm.WaitForPrompt(TimeSpan.FromSeconds(30));
        Assert.Contains($"tick {hz} Hz", vm.Output);
        var clock = Stopwatch.StartNew();
        var first = ReadTicks(vm, clock);
        Thread.Sleep(1000);
        var second = ReadTicks(vm, clock);
        double seconds = (second.At - first.At).TotalSeconds;
        double rate = (second.Ticks - first.Ticks) / seconds;
        Assert.InRange(rate, hz * 0.8, hz * 1.2);
    }

    [Fact]
    public void Rtc_date_is_within_a_minute_of_the_host_clock()
    {
        using var vm = Boot();
        vm.WaitForPrompt();
        int from = vm.OutputLength;
        vm.SendLine("date");
        Match m = vm.WaitFor(@"^rtc: (?<t>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$", from: from);
        DateTime guest = DateTime.ParseExact(m.Groups["t"].Value, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        Assert.InRange((guest - DateTime.UtcNow).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void Null_dereference_panics_with_a_decoded_data_abort_in_the_faulting_method()
    {
        using var vm = Boot("test=nullderef");
        vm.WaitFor(@"^panic: system halted");
        string output = vm.Output;
        Assert.Matches(@"panic: unexpected exception: data abort without a change in exception level \(translation fault, level \d, read\)", output);
        Match elr = Regex.Match(output, @"ELR 0x(?<a>[0-9a-f]{16})");
        Assert.True(elr.Success, output);
        ElfSymbolTable symbols = ElfSymbolTable.Load(QemuMachine.ElfPath);
        Assert.True(symbols.TryLookup(ulong.Parse(elr.Groups["a"].Value, NumberStyles.HexNumber), out string symbol, out _));
        Assert.Equal("Kernel.Boot.CrashTests.ReadThroughNull", ElfSymbolTable.ToMethodName(symbol));
        // The backtrace symbolises to the caller chain.
        string annotated = string.Join('\n', output.Split('\n').Select(l => Symbolizer.Annotate(symbols, l)));
        Assert.Contains("Kernel.Boot.CrashTests.NullDereference", annotated);
        Assert.Contains("Kernel.Boot.KernelEntryPoint.KernelEntry", annotated);
    }

    [Fact]
    public void Kernel_stack_overflow_hits_the_guard_page_and_still_panics()
    {
        using var vm = Boot("test=stackoverflow");
        vm.WaitFor(@"^panic: system halted");
        string output = vm.Output;
        Assert.Contains("panic: kernel stack overflow (guard page hit)", output);
        Match elr = Regex.Match(output, @"ELR 0x(?<a>[0-9a-f]{16})");
        ElfSymbolTable symbols = ElfSymbolTable.Load(QemuMachine.ElfPath);
        Assert.True(symbols.TryLookup(ulong.Parse(elr.Groups["a"].Value, NumberStyles.HexNumber), out string symbol, out _));
        Assert.Equal("Kernel.Boot.CrashTests.Recurse", ElfSymbolTable.ToMethodName(symbol));
    }

    [Fact]
    public void Throw_panics_with_the_exception_message()
    {
        using var vm = Boot("test=throw");
        vm.WaitFor(@"^panic: deliberate exception from CrashTests$");
        vm.WaitFor(@"^panic: system halted");
    }

    [Fact]
    public void Heap_stress_of_a_million_objects_leaves_free_memory_unchanged()
    {
        using var vm = Boot("test=heapstress");
        Match before = vm.WaitFor(@"^heap-stress: free before (?<n>\d+) bytes$");
        vm.WaitFor(@"^heap-stress: 1000000 objects allocated and freed", TimeSpan.FromSeconds(120));
        Match after = vm.WaitFor(@"^heap-stress: free after (?<n>\d+) bytes$");
        Assert.Equal(Number(before), Number(after));
        vm.WaitFor(@"^heap-stress: ok$");
    }

    [Fact]
    public void Core_library_features_work_in_the_kernel()
    {
        using var vm = Boot("test=corelib");
        vm.WaitFor(@"^corelib: (all ok|FAILURES)$");
        Assert.DoesNotContain("FAILED", vm.Output);
        Assert.Contains("corelib: all ok", vm.Output);
    }

    [Fact]
    public void Page_table_api_maps_remaps_protects_and_unmaps_live()
    {
        using var vm = Boot("test=pagetable");
        vm.WaitFor(@"^pagetable: (ok|FAILED)$");
        Assert.Contains("pagetable: ok", vm.Output);
    }

    [Fact]
    public void Writing_a_read_only_page_is_a_permission_fault_in_the_writing_method()
    {
        using var vm = Boot("test=readonly");
        vm.WaitFor(@"^panic: system halted");
        string output = vm.Output;
        Assert.Contains("data abort without a change in exception level (permission fault, level 3, write)", output);
        Match elr = Regex.Match(output, @"ELR 0x(?<a>[0-9a-f]{16})");
        ElfSymbolTable symbols = ElfSymbolTable.Load(QemuMachine.ElfPath);
        Assert.True(symbols.TryLookup(ulong.Parse(elr.Groups["a"].Value, NumberStyles.HexNumber), out string symbol, out _));
        Assert.Equal("Kernel.Boot.SystemTests.WriteTo", ElfSymbolTable.ToMethodName(symbol));
    }

    [Fact]
    public void Kernel_threads_alternate_through_the_context_switch()
    {
        using var vm = Boot("test=threads");
        Match done = vm.WaitFor(@"^threads: (?<n>\d+) steps in boot and 2 workers, memory returned: (?<r>\w+)$");
        Assert.Equal(6UL, Number(done));
        Assert.Equal("yes", done.Groups["r"].Value);
        string[] steps = vm.Output.Split('\n').Where(l => l.StartsWith("thread ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(6, steps.Length);
        for (int i = 1; i < steps.Length; i++)
            Assert.NotEqual(steps[i - 1][..8], steps[i][..8]); // the two workers take turns
    }
}

/// <summary>What a machine's device tree says the kernel should find, read with the kernel's own parser.</summary>
public sealed record DeviceTreeFacts(ulong UartBase, uint UartIrq, ulong GicDistributor, ulong GicCpuInterface, string Timer,
    int VirtioTransports, ulong LowestVirtio)
{
    public static unsafe DeviceTreeFacts Of(byte[] blob)
    {
        fixed (byte* p = blob)
        {
            Assert.Equal(0, DeviceTree.Open(p, (ulong)blob.Length, out DeviceTree tree));
            int uart = tree.FindCompatible("arm,pl011"u8);
            Assert.Equal(0, tree.GetReg(uart, 0, out ulong uartBase, out _));
            Assert.Equal(0, tree.GetInterrupt(uart, 0, out uint uartIrq, out _));
            int gic = tree.FindCompatible("arm,cortex-a15-gic"u8);
            if (gic < 0)
                gic = tree.FindCompatible("arm,gic-400"u8);
            Assert.Equal(0, tree.GetReg(gic, 0, out ulong distributor, out _));
            Assert.Equal(0, tree.GetReg(gic, 1, out ulong cpuInterface, out _));
            Assert.Equal(0, ArchTimer.SelectTick(tree, out TimerKind kind, out uint timerIrq));
            int count = 0;
            ulong lowest = 0;
            for (int node = tree.FindCompatible("virtio,mmio"u8); node >= 0; node = tree.FindCompatible("virtio,mmio"u8, node))
            {
                Assert.Equal(0, tree.GetReg(node, 0, out ulong address, out _));
                if (count == 0 || address < lowest)
                    lowest = address;
                count++;
            }
            string timer = $"{(kind == TimerKind.Physical ? "physical" : "virtual")} timer irq {timerIrq}";
            return new DeviceTreeFacts(uartBase, uartIrq, distributor, cpuInterface, timer, count, lowest);
        }
    }
}

/// <summary>Machine-independent checks of the built image.</summary>
public class KernelImageTests
{
    [Fact]
    public void Image_carries_an_arm64_image_header()
    {
        byte[] image = File.ReadAllBytes(QemuMachine.ImagePath);
        Assert.Equal("ARM\x64", System.Text.Encoding.ASCII.GetString(image, 56, 4));
        ulong textOffset = BitConverter.ToUInt64(image, 8);
        ulong imageSize = BitConverter.ToUInt64(image, 16);
        Assert.Equal(0UL, textOffset);
        Assert.True(imageSize >= (ulong)image.Length);
    }
}
