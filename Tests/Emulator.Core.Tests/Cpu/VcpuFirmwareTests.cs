using Emulator.Core.Cpu;
using Emulator.Core.Tests.Support;

namespace Emulator.Core.Tests.Cpu;

/// <summary>PSCI through HVC/SMC, and how Vcpu.Run ends.</summary>
public class VcpuFirmwareTests
{
    private static string Guest(string body) => VcpuExceptionTests.Guest(body);

    [Fact]
    public void Run_StartsAtTheEntryWithX0Given_AndX1ToX3Zero()
    {
        // The arm64 boot protocol: x0 = the device tree's address, x1-x3 = 0.
        using var machine = new GuestMachine("""
            _start:
                mov x19, x0
                mov x20, x1
                mov x21, x2
                mov x22, x3
                power_off
            """);
        for (var n = 1; n <= 3; n++)
        {
            machine.Engine.WriteX(n, 0xBAD);
        }

        machine.RunToPowerOff(x0: 0x4800_0000);

        Assert.Equal([0x4800_0000UL, 0, 0, 0], new[] { machine.X(19), machine.X(20), machine.X(21), machine.X(22) });
    }

    [Fact]
    public void GuestStarts_AtEl1UsingSpEl1_WithInterruptsMasked()
    {
        using var machine = new GuestMachine("""
            _start:
                mrs x19, currentel
                mrs x20, spsel
                mrs x21, daif
                power_off
            """);

        machine.RunToPowerOff();

        Assert.Equal(1UL << 2, machine.X(19));
        Assert.Equal(1UL, machine.X(20));
        Assert.Equal(0x3C0UL, machine.X(21));
    }

    [Fact]
    public void HvcSystemOff_MakesRunReturnPowerOff()
    {
        using var machine = new GuestMachine(Guest("    psci 0x84000008\n    b ."));

        Assert.Equal(MachineExit.PowerOff, machine.Run());
    }

    [Fact]
    public void HvcSystemReset_MakesRunReturnReset()
    {
        using var machine = new GuestMachine(Guest("    psci 0x84000009\n    b ."));

        Assert.Equal(MachineExit.Reset, machine.Run());
    }

    [Fact]
    public void SmcSystemOff_IsHandledLikeHvc()
    {
        using var machine = new GuestMachine(Guest("""
                movz x0, #0x0008
                movk x0, #0x8400, lsl #16
                smc #0
                b .
            """));

        Assert.Equal(MachineExit.PowerOff, machine.Run());
    }

    [Fact]
    public void UnknownPsciFunction_ReturnsNotSupportedAndTheGuestContinues()
    {
        using var machine = new GuestMachine(Guest("""
                psci 0x840000ff
                mov x19, x0
                power_off
            """));

        machine.RunToPowerOff();

        Assert.Equal(ulong.MaxValue, machine.X(19)); // NOT_SUPPORTED, -1 sign-extended
    }

    [Fact]
    public void PsciVersion_Returns1Point0()
    {
        using var machine = new GuestMachine(Guest("""
                psci 0x84000000
                mov x19, x0
                power_off
            """));

        machine.RunToPowerOff();

        Assert.Equal(0x1_0000UL, machine.X(19));
    }

    [Fact]
    public void Hvc_ReturnsToTheInstructionAfterIt_WithOtherRegistersIntact()
    {
        using var machine = new GuestMachine(Guest("""
                mov x1, #11
                mov x7, #77
                mov x18, #18
                psci 0x84000000
                add x19, x7, x18
                mov x21, x1
                power_off
            """));

        machine.RunToPowerOff();

        Assert.Equal(95UL, machine.X(19));
        Assert.Equal(11UL, machine.X(21));
    }

    [Fact]
    public void RequestExit_StopsAGuestThatSpinsForever()
    {
        using var machine = new GuestMachine(Guest("spin: b spin"));
        var run = machine.Start();
        Thread.Sleep(200);

        machine.Vcpu.RequestExit(MachineExit.Quit);

        Assert.Equal(MachineExit.Quit, machine.Wait(run, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void RequestExit_WakesAGuestSleepingInWfi()
    {
        using var machine = new GuestMachine(Guest("sleep: wfi\n b sleep"));
        var run = machine.Start();
        Thread.Sleep(200);
        Assert.False(run.IsCompleted, "a WFI with nothing pending must sleep");

        machine.Vcpu.RequestExit(MachineExit.Quit);

        Assert.Equal(MachineExit.Quit, machine.Wait(run, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void RequestExit_BeforeRun_MakesRunReturnWithoutRunningTheGuestForever()
    {
        using var machine = new GuestMachine(Guest("spin: b spin"));

        machine.Vcpu.RequestExit(MachineExit.Quit);

        Assert.Equal(MachineExit.Quit, machine.Run(TimeSpan.FromSeconds(5)));
    }
}
