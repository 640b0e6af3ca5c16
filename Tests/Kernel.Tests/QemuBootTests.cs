using System.Text.RegularExpressions;

namespace Kernel.Tests;

/// <summary>The boot tests on qemu-system-aarch64 (or KERNEL_TEST_MACHINE), one at a time.</summary>
[Collection("qemu")]
public class QemuBootTests : KernelBootTests
{
    protected override BootMachine Machine => BootMachine.Qemu;

    // QEMU's virt board lists all four timers; at EL1 the kernel takes the virtual one (PPI 11).
    protected override string? ExpectedTimer =>
        Environment.GetEnvironmentVariable("KERNEL_TEST_MACHINE") is { Length: > 0 } ? null : "virtual timer irq 27";

    [Fact]
    public void Kernel_reaches_its_idle_loop_within_100_ms_of_guest_time()
    {
        // With -icount, guest time advances 2^3 ns per instruction (a 125 MIPS CPU, slower than any
        // real Cortex-A57) instead of following the host clock, so the reading does not depend on
        // how busy the host is.
        using var vm = Boot("", "512M", "-icount", "shift=3");
        Match idle = vm.WaitFor(@"^idle loop reached at (?<n>\d+) us$");
        Assert.InRange(Number(idle), 1UL, 100_000UL);
    }

    [Fact]
    public void Without_the_virtual_timer_in_the_tree_the_tick_runs_on_the_physical_timer()
    {
        // QEMU's own tree with the timer node cut to the two physical timers, as our emulator lists
        // them: the kernel falls back to CNTP_* (checked here against QEMU's implementation of it).
        byte[] tree = FdtRewriter.Rewrite(Machine.DumpDeviceTree(), (node, property, value) =>
            node == "/timer" && property == "interrupts" ? value[..24] : value);
        string file = Path.Combine(Path.GetTempPath(), $"kernel-tests-{Environment.ProcessId}-{Guid.NewGuid():N}.dtb");
        File.WriteAllBytes(file, tree);
        try
        {
            using var vm = Boot("hz=250", "512M", "-dtb", file);
            Match timer = vm.WaitFor(@"^timer: (?<t>.*)\n");
            Assert.Equal("physical timer irq 30, 62500000 Hz counter, tick 250 Hz", timer.Groups["t"].Value);
            AssertTickRate(vm, 250);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

[CollectionDefinition("qemu", DisableParallelization = true)]
public class QemuCollection
{
}
