using Emulator.Core.Cpu;
using Emulator.Core.Tests.Support;

namespace Emulator.Core.Tests.Cpu;

/// <summary>
/// Synchronous exception entry, which the host performs because Unicorn drops the exception: the guest
/// must land in its own vector table with ELR/ESR/SPSR/FAR and the stack pointers as the architecture
/// says. Each guest records what its handler saw (see <see cref="GuestAssembler.RecordingVectors"/>).
/// </summary>
public class VcpuExceptionTests
{
    /// <summary>Where EL0 code keeps its stack in these guests.</summary>
    private const ulong El0StackTop = 0x4030_0000;

    /// <summary>What a handler leaves in x21 when the exception never reached the vector table.</summary>
    private const ulong NoException = 0xdead;

    private const uint IL = 1u << 25;
    private const ulong PstateEl1h = 0x5;
    private const ulong Daif = 0x3C0;

    /// <summary>A guest that installs the recording vectors and an EL1 stack, then runs <paramref name="body"/>.</summary>
    internal static string Guest(string body) => $"""
        _start:
            ldr x1, =vectors
            msr vbar_el1, x1
            load_imm x1, 0x{GuestMachine.StackTop:x}
            mov sp, x1
            isb
        {body}
            mov x21, #0x{NoException:x}
            power_off
            .ltorg
        {GuestAssembler.RecordingVectors}
        """;

    private const string SvcFromEl1 = """
            cmp x0, x0              // Z and C set, so SPSR shows the flags were saved
        svc_site:
            svc #0x4d2
        """;

    [Fact]
    public void SvcFromEl1_EntersTheCurrentElSpxVectorAtVbarPlus0x200()
    {
        using var machine = new GuestMachine(Guest(SvcFromEl1));

        machine.RunToPowerOff();

        Assert.Equal(0x200UL, machine.X(21));
    }

    [Fact]
    public void SvcFromEl1_SetsElrToTheInstructionAfterTheSvc()
    {
        using var machine = new GuestMachine(Guest(SvcFromEl1));

        machine.RunToPowerOff();

        Assert.Equal(machine.Program["svc_site"] + 4, machine.X(22));
    }

    [Fact]
    public void SvcFromEl1_ReportsEc0x15AndTheImmediateInEsr()
    {
        using var machine = new GuestMachine(Guest(SvcFromEl1));

        machine.RunToPowerOff();

        Assert.Equal((0x15UL << 26) | IL | 0x4d2, machine.X(23));
    }

    [Fact]
    public void SvcFromEl1_SavesPstateWithItsFlagsInSpsr()
    {
        using var machine = new GuestMachine(Guest(SvcFromEl1));

        machine.RunToPowerOff();

        Assert.Equal(0x6000_0000UL | Daif | PstateEl1h, machine.X(24));
    }

    [Fact]
    public void SvcFromEl1_RunsTheHandlerAtEl1OnTheSameStackWithInterruptsMasked()
    {
        using var machine = new GuestMachine(Guest(SvcFromEl1));

        machine.RunToPowerOff();

        Assert.Equal(1UL << 2, machine.X(28));
        Assert.Equal(GuestMachine.StackTop, machine.X(27));
        Assert.Equal(Daif, machine.X(20));
    }

    private const string SvcFromEl1UsingSpEl0 = """
            load_imm x1, 0x40280000
            msr spsel, #0
            mov sp, x1              // SP is now SP_EL0
            svc #1
        """;

    [Fact]
    public void SvcFromEl1UsingSpEl0_EntersTheCurrentElSp0VectorAndKeepsSpEl0()
    {
        using var machine = new GuestMachine(Guest(SvcFromEl1UsingSpEl0));

        machine.RunToPowerOff();

        Assert.Equal(0x000UL, machine.X(21));
        Assert.Equal(0x4028_0000UL, machine.X(26));
        Assert.Equal(GuestMachine.StackTop, machine.X(27));
        Assert.Equal(Daif | 0x4UL, machine.X(24)); // EL1t
    }

    private static readonly string SvcFromEl0 = $"""
            load_imm x1, 0x{El0StackTop:x}
            msr sp_el0, x1
            ldr x1, =el0_code
            msr elr_el1, x1
            msr spsr_el1, xzr       // EL0t, interrupts unmasked, flags clear
            eret
        el0_code:
            sub sp, sp, #16         // EL0 moves its own stack pointer before the call
        el0_svc_site:
            svc #7
            b .
        """;

    [Fact]
    public void SvcFromEl0_EntersTheLowerElVectorAtVbarPlus0x400()
    {
        using var machine = new GuestMachine(Guest(SvcFromEl0));

        machine.RunToPowerOff();

        Assert.Equal(0x400UL, machine.X(21));
        Assert.Equal(1UL << 2, machine.X(28));
    }

    [Fact]
    public void SvcFromEl0_PreservesSpEl0AndSwitchesToSpEl1()
    {
        using var machine = new GuestMachine(Guest(SvcFromEl0));

        machine.RunToPowerOff();

        Assert.Equal(El0StackTop - 16, machine.X(26));
        Assert.Equal(GuestMachine.StackTop, machine.X(27));
    }

    [Fact]
    public void SvcFromEl0_ReportsElrEsrAndAnEl0Spsr()
    {
        using var machine = new GuestMachine(Guest(SvcFromEl0));

        machine.RunToPowerOff();

        Assert.Equal(machine.Program["el0_svc_site"] + 4, machine.X(22));
        Assert.Equal((0x15UL << 26) | IL | 7, machine.X(23));
        Assert.Equal(0UL, machine.X(24));
    }

    /// <summary>
    /// A32 code at EL0 (SPSR M = 0x10, AArch32 User) that sets R1, SP_usr and LR_usr and waits in WFI; the
    /// instructions are words because the AArch64 assembler has no A32.
    /// </summary>
    private static readonly string Aarch32WaitsForInterrupt = $"""
            ldr x1, =a32_code
            msr elr_el1, x1
            mov x1, #0x10
            msr spsr_el1, x1
            eret
            .ltorg
            .balign 4
        a32_code:
            .word 0xE3A01055        // mov r1, #0x55
            .word 0xE3A0D077        // mov sp, #0x77
            .word 0xE3A0E099        // mov lr, #0x99
            .word 0xE320F003        // wfi
        a32_after_wfi:
            .word 0xEAFFFFFE        // b .
        """;

    [Fact]
    public void IrqWhileAarch32El0WaitsInWfi_EntersTheLowerElAarch32IrqVector()
    {
        using var machine = new GuestMachine(Guest(Aarch32WaitsForInterrupt));
        var run = machine.Start();
        Thread.Sleep(300);
        machine.SetExternalIrq(true);

        Assert.Equal(MachineExit.PowerOff, machine.Wait(run, GuestMachine.DefaultTimeout));
        // QEMU's own interrupt entry: VBAR + 0x680, ELR after the WFI, SPSR the AArch32 User CPSR, and
        // R1, SP_usr and LR_usr in X1, X13 and X14.
        Assert.Equal(0x680UL, machine.X(21));
        Assert.Equal(machine.Program["a32_after_wfi"], machine.X(22));
        Assert.Equal(0x10UL, machine.X(24));
        Assert.Equal((0x55UL, 0x77UL, 0x99UL), (machine.X(1), machine.X(13), machine.X(14)));
    }

    /// <summary>
    /// Turns the MMU on with one 1 GiB identity block for RAM (4 KiB granule, 39-bit VAs, so the walk
    /// starts at level 1); the first GiB of virtual addresses has no mapping.
    /// </summary>
    private const string MmuOnWithRamOnly = """
            load_imm x1, 0x40200000     // level 1 table, in zeroed RAM
            load_imm x2, 0x40000701     // block at 0x40000000: AF, inner shareable, MAIR index 0
            str x2, [x1, #8]
            msr ttbr0_el1, x1
            mov x2, #0xff               // attribute 0: normal memory, write-back
            msr mair_el1, x2
            load_imm x2, 0x803519       // T0SZ 25, WB/WB inner shareable walks, 4 KiB, EPD1
            msr tcr_el1, x2
            isb
            tlbi vmalle1
            dsb sy
            mrs x2, sctlr_el1
            orr x2, x2, #1
            msr sctlr_el1, x2
            isb
            load_imm x3, 0x12345678     // not mapped

        """;

    [Fact]
    public void LoadFromAnUnmappedAddress_ReportsATranslationFaultWithFar()
    {
        using var machine = new GuestMachine(Guest(MmuOnWithRamOnly + """
            load_site:
                ldr x4, [x3]
            """));

        machine.RunToPowerOff();

        Assert.Equal(0x200UL, machine.X(21));
        Assert.Equal(0x1234_5678UL, machine.X(25));
        Assert.Equal(machine.Program["load_site"], machine.X(22));
        // EC 0x25 (data abort, same EL), WnR 0, DFSC 0b000101 (translation fault, level 1).
        Assert.Equal((0x25UL << 26) | IL | 0x05, machine.X(23));
    }

    [Fact]
    public void StoreToAnUnmappedAddress_ReportsWnRInEsr()
    {
        using var machine = new GuestMachine(Guest(MmuOnWithRamOnly + """
                str x4, [x3, #8]
            """));

        machine.RunToPowerOff();

        Assert.Equal(0x1234_5680UL, machine.X(25));
        Assert.Equal((0x25UL << 26) | IL | (1 << 6) | 0x05, machine.X(23));
    }

    [Fact]
    public void BranchToAnUnmappedAddress_ReportsAnInstructionAbortWithFar()
    {
        using var machine = new GuestMachine(Guest(MmuOnWithRamOnly + """
                br x3
            """));

        machine.RunToPowerOff();

        Assert.Equal(0x200UL, machine.X(21));
        Assert.Equal(0x1234_5678UL, machine.X(22));
        Assert.Equal(0x1234_5678UL, machine.X(25));
        // EC 0x21 (instruction abort, same EL), IFSC translation fault level 1.
        Assert.Equal((0x21UL << 26) | IL | 0x05, machine.X(23));
    }

    [Fact]
    public void UndefinedInstruction_ReportsEcUnknownAtItsAddress()
    {
        using var machine = new GuestMachine(Guest("""
            udf_site:
                udf #0
            """));

        machine.RunToPowerOff();

        Assert.Equal(0x200UL, machine.X(21));
        Assert.Equal(machine.Program["udf_site"], machine.X(22));
        Assert.Equal((ulong)IL, machine.X(23));
    }

    [Fact]
    public void Brk_ReportsEc0x3CWithItsImmediate()
    {
        using var machine = new GuestMachine(Guest("""
            brk_site:
                brk #0x55
            """));

        machine.RunToPowerOff();

        Assert.Equal(0x200UL, machine.X(21));
        Assert.Equal(machine.Program["brk_site"], machine.X(22));
        Assert.Equal((0x3CUL << 26) | IL | 0x55, machine.X(23));
    }
}
