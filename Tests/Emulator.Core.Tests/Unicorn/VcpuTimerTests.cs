using System.Diagnostics;
using Emulator.Core.Cpu;

namespace Emulator.Core.Tests.Unicorn;

/// <summary>The generic timer as the guest sees it through MRS/MSR, and timer interrupts.</summary>
public class VcpuTimerTests
{
    private static string Guest(string body) => VcpuExceptionTests.Guest(body);

    [Fact]
    public void Cntfrq_Reads62Point5MHz()
    {
        using var machine = new GuestMachine(Guest("""
                mrs x19, cntfrq_el0
                power_off
            """));

        machine.RunToPowerOff();

        Assert.Equal(62_500_000UL, machine.X(19));
    }

    [Theory]
    [InlineData("cntvct_el0")]
    [InlineData("cntpct_el0")]
    public void Counter_Increases(string counter)
    {
        using var machine = new GuestMachine(Guest($"""
                mrs x18, {counter}
                load_imm x2, 100000
            1:  subs x2, x2, #1
                b.ne 1b
                mrs x19, {counter}
                power_off
            """));

        machine.RunToPowerOff();

        Assert.True(machine.X(19) > machine.X(18), $"{counter} went from {machine.X(18)} to {machine.X(19)}");
    }

    [Fact]
    public void Counter_Advances62500TicksPerHostMillisecond()
    {
        // The guest waits for 50 ms of counter time; the host clock must agree within its own measurement.
        using var machine = new GuestMachine(Guest("""
                mrs x18, cntvct_el0
                load_imm x2, 3125000        // 50 ms at 62.5 MHz
                add x2, x18, x2
            1:  mrs x19, cntvct_el0
                cmp x19, x2
                b.lo 1b
                power_off
            """));
        var watch = Stopwatch.StartNew();

        machine.RunToPowerOff();

        Assert.InRange(watch.Elapsed.TotalMilliseconds, 50, 10_000);
        Assert.InRange(machine.X(19) - machine.X(18), 3_125_000UL, 3_125_000UL + 62_500_000UL);
    }

    [Theory]
    [InlineData("cntv")]
    [InlineData("cntp")]
    public void Ctl_ShowsIstatusOnceTheCompareValueIsReached(string timer)
    {
        using var machine = new GuestMachine(Guest($"""
                msr {timer}_cval_el0, xzr   // compare value 0: already reached
                mov x1, #3                  // ENABLE | IMASK
                msr {timer}_ctl_el0, x1
                isb
                mrs x19, {timer}_ctl_el0
                power_off
            """));

        machine.RunToPowerOff();

        Assert.Equal(7UL, machine.X(19));
    }

    [Theory]
    [InlineData("cntv")]
    [InlineData("cntp")]
    public void Ctl_ShowsNoIstatusBeforeTheCompareValue(string timer)
    {
        using var machine = new GuestMachine(Guest($"""
                mov x1, #-1
                msr {timer}_cval_el0, x1
                mov x1, #3
                msr {timer}_ctl_el0, x1
                isb
                mrs x19, {timer}_ctl_el0
                mrs x18, {timer}_cval_el0
                power_off
            """));

        machine.RunToPowerOff();

        Assert.Equal(3UL, machine.X(19));
        Assert.Equal(ulong.MaxValue, machine.X(18));
    }

    [Fact]
    public void TvalWrite_SetsTheCompareValueRelativeToTheCounter()
    {
        using var machine = new GuestMachine(Guest("""
                mrs x17, cntvct_el0
                load_imm x1, 625000000      // 10 s ahead
                msr cntv_tval_el0, x1
                mrs x18, cntv_cval_el0
                mrs x19, cntv_tval_el0
                power_off
            """));

        machine.RunToPowerOff();

        Assert.InRange(machine.X(18) - machine.X(17), 625_000_000UL, 625_000_000UL + 62_500_000UL);
        Assert.InRange(machine.X(19), 625_000_000UL - 62_500_000UL, 625_000_000UL);
    }

    /// <summary>
    /// Arms the virtual timer 20 ms ahead and waits in WFI with IRQs masked, so only the WFI wake-up can
    /// get past it; then unmasks IRQs, which must take the pending timer interrupt.
    /// </summary>
    private const string WaitForTimer = """
            mrs x1, cntvct_el0
            load_imm x2, 1250000        // 20 ms
            add x19, x1, x2
            msr cntv_cval_el0, x19
            mov x2, #1                  // ENABLE, not masked
            msr cntv_ctl_el0, x2
            isb
            wfi
            mrs x18, cntvct_el0
            msr daifclr, #2
            isb
            nop
        """;

    [Fact]
    public void WfiWithIrqsMasked_WakesWhenTheTimerInterruptBecomesPending()
    {
        using var machine = new GuestMachine(Guest(WaitForTimer));

        machine.RunToPowerOff();

        Assert.True(machine.X(18) >= machine.X(19),
            $"woke at counter {machine.X(18)}, before the compare value {machine.X(19)}");
    }

    [Fact]
    public void PendingTimerInterrupt_EntersTheIrqVectorAtVbarPlus0x280OnceUnmasked()
    {
        using var machine = new GuestMachine(Guest(WaitForTimer));

        machine.RunToPowerOff();

        Assert.Equal(0x280UL, machine.X(21));
        Assert.Equal(0x3C0UL, machine.X(20)); // the IRQ handler runs with everything masked again
    }

    [Fact]
    public void WfiWithTheTimerAlreadyExpired_ContinuesAtOnce()
    {
        using var machine = new GuestMachine(Guest("""
                msr cntv_cval_el0, xzr
                mov x2, #1
                msr cntv_ctl_el0, x2
                isb
                wfi
                msr daifclr, #2
                isb
                nop
            """));

        machine.RunToPowerOff();

        Assert.Equal(0x280UL, machine.X(21));
    }

    [Fact]
    public void MaskedTimer_DoesNotWakeWfi()
    {
        using var machine = new GuestMachine(Guest("""
                msr cntv_cval_el0, xzr
                mov x2, #3                  // ENABLE | IMASK: the condition holds, the output stays low
                msr cntv_ctl_el0, x2
                isb
                mov x19, #0
            sleep:
                add x19, x19, #1            // counts the times WFI returned
                wfi
                b sleep
            """));
        var run = machine.Start();
        Thread.Sleep(300);

        machine.Vcpu.RequestExit(MachineExit.Quit);

        Assert.Equal(MachineExit.Quit, machine.Wait(run, TimeSpan.FromSeconds(10)));
        Assert.Equal(1UL, machine.X(19));
    }
}
