using System.Diagnostics;
using Emulator.Core.Cpu;
using Emulator.Core.Tests.Support;
using Emulator.Core.Unicorn;
using Emulator.Devices;

namespace Emulator.Core.Tests.Cpu;

/// <summary>
/// The generic timer as the guest sees it: the counter and its frequency read natively, the physical
/// timer's registers (CNTP_*) trapped to EL2 and emulated by the host, and its interrupt. The virtual
/// timer is not supported (see VirtDeviceTree), so nothing here uses CNTV_*.
/// </summary>
[Collection(GuestCounterCollection.Name)]
public class VcpuTimerTests
{
    private const uint IL = 1u << 25;

    /// <summary>Where EL0 code keeps its stack in these guests.</summary>
    private const ulong El0StackTop = 0x4030_0000;

    private const ulong DeviceBase = 0x0A00_0000;

    private static string Guest(string body) => VcpuExceptionTests.Guest(body);

    public static TheoryData<CpuModel> Models() => [.. Enum.GetValues<CpuModel>()];

    [Theory]
    [MemberData(nameof(Models))]
    public void Cntfrq_Reads62Point5MHz(CpuModel model)
    {
        using var machine = new GuestMachine(Guest("""
                mrs x19, cntfrq_el0
                power_off
            """), model);

        machine.RunToPowerOff();

        Assert.Equal(62_500_000UL, machine.X(19));
        Assert.Equal(GuestClock.Frequency, machine.X(19));
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

    /// <summary>
    /// The guest's counter is Unicorn's own (not emulated); the host's timer model compares against
    /// <see cref="GuestClock.Counter"/>, so the two must be the same clock or timer interrupts come early or late.
    /// </summary>
    [Theory]
    [InlineData("cntvct_el0")]
    [InlineData("cntpct_el0")]
    public void Counter_IsReadNatively_AndIsTheClockTheTimerComparesWith(string counter)
    {
        using var machine = new GuestMachine(Guest($"""
                mrs x19, {counter}
                mrs x20, cntfrq_el0
                power_off
            """));
        var before = machine.Clock.Counter;

        machine.RunToPowerOff();

        var after = machine.Clock.Counter;
        Assert.InRange(machine.X(19), before, after);
        Assert.Equal(GuestClock.Frequency, machine.X(20));
        Assert.Equal(0L, machine.Vcpu.TimerRegisterTraps);
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
        var hostBefore = machine.Clock.Counter;

        machine.RunToPowerOff();

        var hostAfter = machine.Clock.Counter;
        var elapsed = watch.Elapsed.TotalMilliseconds;
        Assert.True(elapsed is >= 50 and <= 10_000,
            $"the guest's 50 ms took {elapsed} ms of host time; guest counter {machine.X(18)} -> {machine.X(19)}, host {hostBefore} -> {hostAfter}");
        Assert.InRange(machine.X(19) - machine.X(18), 3_125_000UL, 3_125_000UL + 62_500_000UL);
    }

    [Fact]
    public void Ctl_ShowsIstatusOnceTheCompareValueIsReached()
    {
        using var machine = new GuestMachine(Guest("""
                msr cntp_cval_el0, xzr      // compare value 0: already reached
                mov x1, #3                  // ENABLE | IMASK
                msr cntp_ctl_el0, x1
                isb
                mrs x19, cntp_ctl_el0
                power_off
            """));

        machine.RunToPowerOff();

        Assert.Equal(7UL, machine.X(19));
    }

    [Fact]
    public void Ctl_ShowsNoIstatusBeforeTheCompareValue()
    {
        using var machine = new GuestMachine(Guest("""
                mov x1, #-1
                msr cntp_cval_el0, x1
                mov x1, #3
                msr cntp_ctl_el0, x1
                isb
                mrs x19, cntp_ctl_el0
                mrs x18, cntp_cval_el0
                power_off
            """));

        machine.RunToPowerOff();

        Assert.Equal(3UL, machine.X(19));
        Assert.Equal(ulong.MaxValue, machine.X(18));
    }

    [Fact]
    public void Ctl_ShowsNoIstatusWhileDisabled()
    {
        using var machine = new GuestMachine(Guest("""
                msr cntp_cval_el0, xzr      // reached, but the timer is off
                mov x1, #2                  // IMASK only
                msr cntp_ctl_el0, x1
                isb
                mrs x19, cntp_ctl_el0
                power_off
            """));

        machine.RunToPowerOff();

        Assert.Equal(2UL, machine.X(19));
    }

    [Fact]
    public void TvalWrite_SetsTheCompareValueRelativeToTheCounter()
    {
        using var machine = new GuestMachine(Guest("""
                mrs x17, cntpct_el0
                load_imm x1, 625000000      // 10 s ahead
                msr cntp_tval_el0, x1
                mrs x18, cntp_cval_el0
                mrs x19, cntp_tval_el0
                power_off
            """));

        machine.RunToPowerOff();

        Assert.InRange(machine.X(18) - machine.X(17), 625_000_000UL, 625_000_000UL + 62_500_000UL);
        Assert.InRange(machine.X(19), 625_000_000UL - 62_500_000UL, 625_000_000UL);
    }

    [Fact]
    public void TvalRead_IsNegativeOnceTheCompareValueHasPassed()
    {
        using var machine = new GuestMachine(Guest("""
                mrs x1, cntpct_el0
                sub x1, x1, #1000           // 16 us ago
                msr cntp_cval_el0, x1
                mrs x19, cntp_tval_el0
                power_off
            """));

        machine.RunToPowerOff();

        // TVAL is 32 bits wide: the low word of (compare value - counter), read as a signed number.
        Assert.Equal(0UL, machine.X(19) >> 32);
        Assert.InRange((int)(uint)machine.X(19), -62_500_000, -1000);
    }

    /// <summary>
    /// Arms the physical timer 20 ms ahead and waits in WFI with IRQs masked, so only the WFI wake-up can
    /// get past it; then unmasks IRQs, which must take the pending timer interrupt.
    /// </summary>
    private const string WaitForTimer = """
            mrs x1, cntpct_el0
            load_imm x2, 1250000        // 20 ms
            add x19, x1, x2
            msr cntp_cval_el0, x19
            mov x2, #1                  // ENABLE, not masked
            msr cntp_ctl_el0, x2
            isb
            wfi
            mrs x18, cntpct_el0
        unmask_site:
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

    [Theory]
    [MemberData(nameof(Models))]
    public void PendingTimerInterrupt_EntersTheIrqVectorAtVbarPlus0x280OnceUnmasked(CpuModel model)
    {
        using var machine = new GuestMachine(Guest(WaitForTimer), model);

        machine.RunToPowerOff();

        Assert.Equal(0x280UL, machine.X(21));
        Assert.Equal(0x3C0UL, machine.X(20)); // the IRQ handler runs with everything masked again
        // Taken right after the unmask, which ends the guest's block chain.
        Assert.Equal(machine.Program["unmask_site"] + 4, machine.X(22));
    }

    [Fact]
    public void WfiWithIrqsUnmasked_TakesTheTimerInterruptOnWakingUp()
    {
        // The way an idle kernel waits: IRQs open, WFI, and the interrupt is taken at the WFI's successor.
        using var machine = new GuestMachine(Guest("""
                msr daifclr, #2
                mrs x1, cntpct_el0
                load_imm x2, 1250000        // 20 ms
                add x19, x1, x2
                msr cntp_cval_el0, x19
                mov x2, #1
                msr cntp_ctl_el0, x2
                isb
            wfi_site:
                wfi
                b .
            """));

        machine.RunToPowerOff();

        Assert.Equal(0x280UL, machine.X(21));
        Assert.Equal(machine.Program["wfi_site"] + 4, machine.X(22));
        Assert.Equal(0x345UL, machine.X(24) & 0x3CF); // interrupted at EL1h with only IRQs unmasked
    }

    [Fact]
    public void WfiWithTheTimerAlreadyExpired_ContinuesAtOnce()
    {
        using var machine = new GuestMachine(Guest("""
                msr cntp_cval_el0, xzr
                mov x2, #1
                msr cntp_ctl_el0, x2
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
                msr cntp_cval_el0, xzr
                mov x2, #3                  // ENABLE | IMASK: the condition holds, the output stays low
                msr cntp_ctl_el0, x2
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

    /// <summary>
    /// An interrupt raised from another thread while the guest runs (as the board's timer thread and
    /// console do) is taken when the guest next leaves its translated code: here at a trapped timer
    /// read, the way a kernel polling its timer waits. Every device write before it happened exactly
    /// once (an asynchronous stop would replay some). Checked for every CPU model, since the request
    /// bit was located on one.
    /// </summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void InterruptRaisedFromAnotherThread_IsTakenAtTheNextTrap_WithoutReplayingDeviceWrites(CpuModel model)
    {
        var device = new WriteLog();
        using var machine = new GuestMachine(Guest($"""
                load_imm x1, 0x{DeviceBase:x}
                mov x19, #0
                msr daifclr, #2
            poll:
                add x19, x19, #1
                str w19, [x1]
                mrs x2, cntp_ctl_el0        // traps to the host
            poll_next:
                b poll
            """), model, (DeviceBase, 0x1000, device));
        var run = machine.Start();
        var deadline = Stopwatch.StartNew();
        while (device.Count < 1000 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(5);
        }

        machine.SetExternalIrq(true);

        Assert.Equal(MachineExit.PowerOff, machine.Wait(run, GuestMachine.DefaultTimeout));
        Assert.Equal(0x280UL, machine.X(21));
        Assert.Equal(machine.Program["poll_next"], machine.X(22));
        var values = device.Values;
        Assert.True(values.Count >= 1000, $"the guest made only {values.Count} device writes before the interrupt");
        Assert.Equal(Enumerable.Range(1, values.Count).Select(i => (ulong)i), values);
        Assert.Equal((ulong)values.Count, machine.X(19));
    }

    private static readonly string El0Entry = $"""
            load_imm x1, 0x{El0StackTop:x}
            msr sp_el0, x1
            ldr x1, =el0_code
            msr elr_el1, x1
            mov x1, #0x3c0
            msr spsr_el1, x1        // EL0t, interrupts masked
            eret
        el0_code:
        """;

    /// <summary>
    /// With CNTKCTL_EL1.EL0PTEN clear the guest's own kernel has forbidden EL0 the physical timer: the
    /// access is an exception to EL1 (EC 0x18) that the guest must see, not one the host emulates.
    /// </summary>
    [Fact]
    public void El0TimerAccess_WithEl0ptenClear_IsDeliveredToTheGuestsEl1()
    {
        using var machine = new GuestMachine(Guest($"""
                msr cntkctl_el1, xzr        // EL0PTEN (bit 9) clear
                isb
            {El0Entry}
                mov x19, #0x5a
            el0_timer_site:
                mrs x19, cntp_ctl_el0
                svc #0
                b .
            """));

        machine.RunToPowerOff();

        Assert.Equal(0x400UL, machine.X(21)); // lower EL, AArch64, synchronous
        Assert.Equal(machine.Program["el0_timer_site"], machine.X(22));
        // EC 0x18, read (bit 0) of op0 3, op2 1, op1 3, CRn 14, CRm 2 (CNTP_CTL_EL0) into x19.
        Assert.Equal((0x18UL << 26) | IL | (3UL << 20) | (1UL << 17) | (3UL << 14) | (14UL << 10) | (19UL << 5) | (2UL << 1) | 1,
            machine.X(23));
        Assert.Equal(0x3C0UL, machine.X(24)); // from EL0t
        Assert.Equal(1UL << 2, machine.X(28));
        Assert.Equal(0x5aUL, machine.X(19));  // the MRS did not execute
        Assert.Equal(0L, machine.Vcpu.TimerRegisterTraps);
    }

    [Fact]
    public void El0TimerAccess_WithEl0ptenSet_WorksLikeAtEl1()
    {
        using var machine = new GuestMachine(Guest($"""
                mov x1, #(1 << 9)           // EL0PTEN
                msr cntkctl_el1, x1
                isb
            {El0Entry}
                msr cntp_cval_el0, xzr
                mov x1, #3                  // ENABLE | IMASK
                msr cntp_ctl_el0, x1
                isb
                mrs x19, cntp_ctl_el0
            el0_svc_site:
                svc #0x77
                b .
            """));

        machine.RunToPowerOff();

        // The first exception the guest saw is its own SVC: the timer accesses did not fault.
        Assert.Equal(0x400UL, machine.X(21));
        Assert.Equal((0x15UL << 26) | IL | 0x77, machine.X(23));
        Assert.Equal(machine.Program["el0_svc_site"] + 4, machine.X(22));
        Assert.Equal(7UL, machine.X(19));
        Assert.Equal(3L, machine.Vcpu.TimerRegisterTraps);
    }

    /// <summary>A device that keeps the values written to it, in order.</summary>
    private sealed class WriteLog : IMmioDevice
    {
        private readonly List<ulong> _values = [];

        public int Count
        {
            get
            {
                lock (_values)
                {
                    return _values.Count;
                }
            }
        }

        public List<ulong> Values
        {
            get
            {
                lock (_values)
                {
                    return [.. _values];
                }
            }
        }

        public ulong Read(ulong offset, int size) => 0;

        public void Write(ulong offset, int size, ulong value)
        {
            lock (_values)
            {
                _values.Add(value);
            }
        }
    }
}
