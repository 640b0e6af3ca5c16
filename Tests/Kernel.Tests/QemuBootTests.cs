using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Kernel.Tools.Symbolize;

namespace Kernel.Tests;

/// <summary>
/// Whole-kernel tests: boot the built image on qemu-system-aarch64 -M virt -cpu cortex-a57 and check
/// the console. Console protocol: the kernel prints stable lines at boot, then answers the commands
/// "ticks", "date" and "mem" typed on the serial console. Boot arguments: hz=N sets the tick rate,
/// test=nullderef|heapstress|corelib|throw runs a built-in test before the console loop.
/// </summary>
[Collection("qemu")]
public class QemuBootTests
{
    private static ulong Number(Match m, string group = "n") => ulong.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("512M", 512)]
    [InlineData("256M", 256)]
    public void Boot_prints_banner_and_the_memory_size_given_to_qemu(string memory, int mib)
    {
        using var qemu = new QemuMachine(memory: memory);
        qemu.WaitFor(@"^Managed kernel \S+ \(C# on NativeAOT\) for arm64$");
        Match mem = qemu.WaitFor(@"^mem: total (?<n>\d+) MiB, free (?<free>\d+) KiB$");
        Assert.Equal((ulong)mib, Number(mem));
        Assert.InRange(Number(mem, "free"), (ulong)(mib - 8) * 1024, (ulong)mib * 1024);
        qemu.WaitFor(@"^idle loop reached at \d+ us$");
    }

    [Fact]
    public void Kernel_reaches_its_idle_loop_within_100_ms_of_guest_time()
    {
        // With -icount, guest time advances 2^3 ns per instruction (a 125 MIPS CPU, slower than any
        // real Cortex-A57) instead of following the host clock, so the reading does not depend on
        // how busy the host is.
        using var qemu = new QemuMachine("", "512M", "-icount", "shift=3");
        Match idle = qemu.WaitFor(@"^idle loop reached at (?<n>\d+) us$");
        Assert.InRange(Number(idle), 1UL, 100_000UL);
    }

    [Fact]
    public void Boot_time_on_the_host_clock_is_printed()
    {
        // Without -icount the guest counter follows the host clock, host preemption included;
        // only a loose bound is stable on a shared machine.
        using var qemu = new QemuMachine();
        Match idle = qemu.WaitFor(@"^idle loop reached at (?<n>\d+) us$");
        Assert.InRange(Number(idle), 1UL, 1_000_000UL);
    }

    [Fact]
    public void Device_tree_drives_the_drivers()
    {
        using var qemu = new QemuMachine();
        qemu.WaitFor(@"^idle loop reached");
        string output = qemu.Output;
        Assert.Contains("uart: pl011 at 0x9000000, irq 33", output);
        Assert.Contains("gic: GICv2 distributor 0x8000000, cpu interface 0x8010000", output);
        Assert.Contains("timer: virtual timer irq 27", output);
        Assert.Contains("virtio-mmio: 32 transports, lowest at 0xa000000", output);
        Assert.Contains("initrd: none", output);
    }

    private static (ulong Ticks, TimeSpan At) ReadTicks(QemuMachine qemu, Stopwatch clock)
    {
        int from = qemu.OutputLength;
        qemu.SendLine("ticks");
        Match m = qemu.WaitFor(@"^ticks: (?<n>\d+) \(hz (?<hz>\d+)\)$", from: from);
        return (Number(m), clock.Elapsed);
    }

    [Theory]
    [InlineData("", 100)]
    [InlineData("hz=250", 250)]
    public void Timer_ticks_advance_by_about_hz_per_second(string bootArguments, int hz)
    {
        using var qemu = new QemuMachine(bootArguments);
        qemu.WaitFor(@"^> ", TimeSpan.FromSeconds(30));
        Assert.Contains($"tick {hz} Hz", qemu.Output);
        var clock = Stopwatch.StartNew();
        var first = ReadTicks(qemu, clock);
        Thread.Sleep(1000);
        var second = ReadTicks(qemu, clock);
        double seconds = (second.At - first.At).TotalSeconds;
        double rate = (second.Ticks - first.Ticks) / seconds;
        Assert.InRange(rate, hz * 0.8, hz * 1.2);
    }

    [Fact]
    public void Rtc_date_is_within_a_minute_of_the_host_clock()
    {
        using var qemu = new QemuMachine();
        qemu.WaitFor(@"^> ");
        int from = qemu.OutputLength;
        qemu.SendLine("date");
        Match m = qemu.WaitFor(@"^rtc: (?<t>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$", from: from);
        DateTime guest = DateTime.ParseExact(m.Groups["t"].Value, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        Assert.InRange((guest - DateTime.UtcNow).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void Null_dereference_panics_with_a_decoded_data_abort_in_the_faulting_method()
    {
        using var qemu = new QemuMachine("test=nullderef");
        qemu.WaitFor(@"^panic: system halted");
        string output = qemu.Output;
        Assert.Matches(@"panic: unexpected exception: data abort without a change in exception level \(translation fault, level \d, read\)", output);
        Match elr = Regex.Match(output, @"ELR 0x(?<a>[0-9a-f]{16})");
        Assert.True(elr.Success, output);
        ElfSymbolTable symbols = ElfSymbolTable.Load(QemuMachine.ElfPath);
        Assert.True(symbols.TryLookup(ulong.Parse(elr.Groups["a"].Value, NumberStyles.HexNumber), out string symbol, out _));
        Assert.Equal("Kernel.Diagnostics.CrashTests.ReadThroughNull", ElfSymbolTable.ToMethodName(symbol));
        // The backtrace symbolises to the caller chain.
        string annotated = string.Join('\n', output.Split('\n').Select(l => Symbolizer.Annotate(symbols, l)));
        Assert.Contains("Kernel.Diagnostics.CrashTests.NullDereference", annotated);
        Assert.Contains("Kernel.Boot.KernelEntryPoint.KernelEntry", annotated);
    }

    [Fact]
    public void Kernel_stack_overflow_hits_the_guard_page_and_still_panics()
    {
        using var qemu = new QemuMachine("test=stackoverflow");
        qemu.WaitFor(@"^panic: system halted");
        string output = qemu.Output;
        Assert.Contains("panic: kernel stack overflow (guard page hit)", output);
        Match elr = Regex.Match(output, @"ELR 0x(?<a>[0-9a-f]{16})");
        ElfSymbolTable symbols = ElfSymbolTable.Load(QemuMachine.ElfPath);
        Assert.True(symbols.TryLookup(ulong.Parse(elr.Groups["a"].Value, NumberStyles.HexNumber), out string symbol, out _));
        Assert.Equal("Kernel.Diagnostics.CrashTests.Recurse", ElfSymbolTable.ToMethodName(symbol));
    }

    [Fact]
    public void Throw_panics_with_the_exception_message()
    {
        using var qemu = new QemuMachine("test=throw");
        qemu.WaitFor(@"^panic: deliberate exception from CrashTests$");
        qemu.WaitFor(@"^panic: system halted");
    }

    [Fact]
    public void Heap_stress_of_a_million_objects_leaves_free_memory_unchanged()
    {
        using var qemu = new QemuMachine("test=heapstress");
        Match before = qemu.WaitFor(@"^heap-stress: free before (?<n>\d+) bytes$");
        qemu.WaitFor(@"^heap-stress: 1000000 objects allocated and freed", TimeSpan.FromSeconds(120));
        Match after = qemu.WaitFor(@"^heap-stress: free after (?<n>\d+) bytes$");
        Assert.Equal(Number(before), Number(after));
        qemu.WaitFor(@"^heap-stress: ok$");
    }

    [Fact]
    public void Core_library_features_work_in_the_kernel()
    {
        using var qemu = new QemuMachine("test=corelib");
        qemu.WaitFor(@"^corelib: (all ok|FAILURES)$");
        Assert.DoesNotContain("FAILED", qemu.Output);
        Assert.Contains("corelib: all ok", qemu.Output);
    }

    [Fact]
    public void Page_table_api_maps_remaps_protects_and_unmaps_live()
    {
        using var qemu = new QemuMachine("test=pagetable");
        qemu.WaitFor(@"^pagetable: (ok|FAILED)$");
        Assert.Contains("pagetable: ok", qemu.Output);
    }

    [Fact]
    public void Writing_a_read_only_page_is_a_permission_fault_in_the_writing_method()
    {
        using var qemu = new QemuMachine("test=readonly");
        qemu.WaitFor(@"^panic: system halted");
        string output = qemu.Output;
        Assert.Contains("data abort without a change in exception level (permission fault, level 3, write)", output);
        Match elr = Regex.Match(output, @"ELR 0x(?<a>[0-9a-f]{16})");
        ElfSymbolTable symbols = ElfSymbolTable.Load(QemuMachine.ElfPath);
        Assert.True(symbols.TryLookup(ulong.Parse(elr.Groups["a"].Value, NumberStyles.HexNumber), out string symbol, out _));
        Assert.Equal("Kernel.Diagnostics.SystemTests.WriteTo", ElfSymbolTable.ToMethodName(symbol));
    }

    [Fact]
    public void Kernel_threads_alternate_through_the_context_switch()
    {
        using var qemu = new QemuMachine("test=threads");
        Match done = qemu.WaitFor(@"^threads: (?<n>\d+) steps in boot and 2 workers, memory returned: (?<r>\w+)$");
        Assert.Equal(6UL, Number(done));
        Assert.Equal("yes", done.Groups["r"].Value);
        string[] steps = qemu.Output.Split('\n').Where(l => l.StartsWith("thread ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(6, steps.Length);
        for (int i = 1; i < steps.Length; i++)
            Assert.NotEqual(steps[i - 1][..8], steps[i][..8]); // the two workers take turns
    }

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

[CollectionDefinition("qemu", DisableParallelization = true)]
public class QemuCollection
{
}
