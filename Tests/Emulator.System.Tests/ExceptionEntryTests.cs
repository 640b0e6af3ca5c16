using System.Globalization;

namespace Emulator.System.Tests;

/// <summary>
/// Exceptions whose entry the host performs (Unicorn drops them), checked against QEMU itself: each guest
/// runs on qemu-system-aarch64 -M virt and on the emulator, and its vector table prints what the handler
/// found (<see cref="BareMetalGuest.ReportingVectors"/>). The test asserts QEMU's values, then that the
/// emulator printed the same line.
/// </summary>
public sealed class ExceptionEntryTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Sets up the reporting vectors, an EL1 stack and known registers and flags, then runs <paramref name="body"/>.</summary>
    private static string Program(string body) => $"""
        main:
            ldr x1, =vectors
            msr vbar_el1, x1
            ldr x1, =0x40400000
            mov sp, x1
            mov x0, #0
            mov x13, #0
            mov x14, #0
            msr nzcv, xzr
            isb
        {body}
            .ltorg
        {BareMetalGuest.ReportingVectors}
        """;

    /// <summary>Enters AArch32 User mode (SPSR M = 0x10) at the A32 code that follows, given as instruction words.</summary>
    private static string Aarch32(params uint[] code) => $"""
            ldr x1, =0x40300000
            msr sp_el0, x1
            ldr x1, =a32
            msr elr_el1, x1
            mov x1, #0x10
            msr spsr_el1, x1
            eret
            .ltorg
            .balign 4
        a32:
        {string.Join('\n', code.Select((word, i) => $"a32_{i}: .word 0x{word:x8}"))}
        """;

    private sealed record Report(ulong Vector, ulong Elr, ulong Esr, ulong Spsr, ulong Far, ulong X0, ulong X13, ulong X14);

    /// <summary>Runs the guest on QEMU and on the emulator; returns QEMU's report after checking the emulator printed the same.</summary>
    private (Report Qemu, string Elf) RunOnBoth(string name, string body)
    {
        var elf = BareMetalGuest.Build(_folder, name, Program(body));
        var qemu = TestEnvironment.RunQemu(ExitTimeout, "-kernel", elf);
        Assert.True(qemu.ExitCode == 0, "QEMU: " + qemu);
        var ours = TestEnvironment.RunEmulator(ExitTimeout, "-kernel", elf);
        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Equal(qemu.Stdout, ours.Stdout);
        return (Parse(qemu.Stdout), elf);
    }

    private static Report Parse(string line)
    {
        var v = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(field => field.Length == 16)
            .Select(field => ulong.Parse(field, NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            .ToArray();
        Assert.True(v.Length == 8, $"expected one report line, got: {line}");
        return new Report(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    }

    private const uint A32MovR0 = 0xE3A00055;      // mov r0, #0x55
    private const uint A32MovSp = 0xE3A0D077;      // mov sp, #0x77
    private const uint A32MovLr = 0xE3A0E099;      // mov lr, #0x99
    private const uint A32SetNc = 0xE328F4A0;      // msr APSR_nzcvq, #0xa0000000 (N and C)
    private const uint A32Svc42 = 0xEF00002A;      // svc #42
    private const uint A32Loop = 0xEAFFFFFE;       // b .

    [Fact]
    public void SvcFromAarch32El0_TakesTheLowerElAarch32VectorWithAnAarch32Syndrome()
    {
        var (qemu, elf) = RunOnBoth("a32-svc", Aarch32(A32MovR0, A32MovSp, A32MovLr, A32SetNc, A32Svc42, A32Loop));

        Assert.Equal(0x600UL, qemu.Vector);
        Assert.Equal(0x4600_002AUL, qemu.Esr);                       // EC 0x11 (SVC from AArch32), IL, imm16
        Assert.Equal(BareMetalGuest.Symbol(elf, "a32_4") + 4, qemu.Elr);
        Assert.Equal(0xA000_0010UL, qemu.Spsr);                      // N, C, M[4] = AArch32, User
        Assert.Equal((0x55UL, 0x77UL, 0x99UL), (qemu.X0, qemu.X13, qemu.X14)); // R0, SP_usr, LR_usr as X0, X13, X14
    }

    [Fact]
    public void SvcFromThumbEl0_ReportsA16BitInstructionAndTheThumbBit()
    {
        // SPSR 0x30: AArch32 User with T set, so the ERET lands in T32 code: movs r0, #0x55 ; svc #5 ; b .
        var elf = BareMetalGuest.Build(_folder, "t32-svc", Program("""
                ldr x1, =t32
                msr elr_el1, x1
                mov x1, #0x30
                msr spsr_el1, x1
                eret
                .ltorg
                .balign 4
            t32:
                .hword 0x2055
            t32_svc:
                .hword 0xdf05
                .hword 0xe7fe
            """));
        var qemu = TestEnvironment.RunQemu(ExitTimeout, "-kernel", elf);
        var ours = TestEnvironment.RunEmulator(ExitTimeout, "-kernel", elf);
        Assert.Equal(qemu.Stdout, ours.Stdout);

        var report = Parse(qemu.Stdout);
        Assert.Equal(0x600UL, report.Vector);
        Assert.Equal(0x4400_0005UL, report.Esr);                     // EC 0x11, IL clear: a 16-bit SVC
        Assert.Equal(BareMetalGuest.Symbol(elf, "t32_svc") + 2, report.Elr);
        Assert.Equal(0x30UL, report.Spsr);                           // T, User (movs leaves N and Z clear)
        Assert.Equal(0x55UL, report.X0);
    }

    [Fact]
    public void UndefinedInstructionFromAarch32El0_ReportsAnUnknownReasonAtTheInstruction()
    {
        var (qemu, elf) = RunOnBoth("a32-udf", Aarch32(A32MovR0, 0xE7F000F0 /* udf #0 */, A32Loop));

        Assert.Equal(0x600UL, qemu.Vector);
        Assert.Equal(0x0200_0000UL, qemu.Esr);
        Assert.Equal(BareMetalGuest.Symbol(elf, "a32_1"), qemu.Elr);
        Assert.Equal(0x10UL, qemu.Spsr);
    }

    [Fact]
    public void MisalignedExclusiveLoadFromAarch32El0_IsADataAbortFromALowerEl()
    {
        var (qemu, elf) = RunOnBoth("a32-ldrex", Aarch32(
            0xE3001001,     // movw r1, #1
            0xE3441030,     // movt r1, #0x4030
            0xE1910F9F,     // ldrex r0, [r1]
            A32Loop));

        Assert.Equal(0x600UL, qemu.Vector);
        Assert.Equal(0x24UL, qemu.Esr >> 26);                        // data abort from a lower EL
        Assert.Equal(0x21UL, qemu.Esr & 0x3F);                       // alignment fault
        Assert.Equal(0x4030_0001UL, qemu.Far);
        Assert.Equal(BareMetalGuest.Symbol(elf, "a32_2"), qemu.Elr);
    }

    [Fact]
    public void FetchFromNothingInAarch32El0_IsAnInstructionAbortFromALowerEl()
    {
        var (qemu, _) = RunOnBoth("a32-fetch", Aarch32(
            0xE3001000,     // movw r1, #0
            0xE3401C00,     // movt r1, #0x0c00
            0xE12FFF11,     // bx r1
            A32Loop));

        Assert.Equal(0x600UL, qemu.Vector);
        Assert.Equal(0x8200_0010UL, qemu.Esr);                       // EC 0x20, IL, synchronous external abort
        Assert.Equal((0x0C00_0000UL, 0x0C00_0000UL), (qemu.Elr, qemu.Far));
    }

    [Fact]
    public void ReturnToAarch32AfterAnSvc_ResumesWithTheHandlersRegisters()
    {
        // The first SVC's handler adds 1 to X0 (R0) and returns; the second SVC reports.
        var (qemu, elf) = RunOnBoth("a32-round-trip", """
                adr x1, once
                msr vbar_el1, x1

            """ + Aarch32(A32MovR0, A32MovSp, A32MovLr, A32Svc42, 0xE2800C01 /* add r0, r0, #0x100 */, A32Svc42, A32Loop) + """

                .balign 0x800
            once:
                .skip 0x600
                add x0, x0, #1
                ldr x1, =vectors
                msr vbar_el1, x1
                eret
            """);

        Assert.Equal(0x600UL, qemu.Vector);
        Assert.Equal(BareMetalGuest.Symbol(elf, "a32_5") + 4, qemu.Elr);
        Assert.Equal((0x156UL, 0x77UL, 0x99UL), (qemu.X0, qemu.X13, qemu.X14));
    }

    [Theory]
    [InlineData(0x0C00_0000UL)]     // a hole between the platform devices
    [InlineData(0x6000_0000UL)]     // just past the end of RAM
    [InlineData(0x0801_0000UL + 0x10_0000)] // a hole beside the GIC
    public void FetchFromAnAddressWhereNothingIs_IsAnInstructionAbort(ulong address)
    {
        var (qemu, _) = RunOnBoth("fetch-hole", $"""
                ldr x1, ={address}
                br x1
            """);

        Assert.Equal(0x200UL, qemu.Vector);
        Assert.Equal(0x8600_0010UL, qemu.Esr);                       // EC 0x21, IL, synchronous external abort
        Assert.Equal((address, address), (qemu.Elr, qemu.Far));
        Assert.Equal(0x3C5UL, qemu.Spsr);
    }

    [Theory]
    [InlineData(0x0UL)]             // QEMU's flash (empty)
    [InlineData(0x0900_0000UL)]     // the UART's data register (no input: reads 0)
    public void FetchFromADevice_ExecutesWhatItReadsAnUndefinedInstruction(ulong address)
    {
        var (qemu, _) = RunOnBoth("fetch-device", $"""
                ldr x1, ={address}
                br x1
            """);

        Assert.Equal(0x200UL, qemu.Vector);
        Assert.Equal(0x0200_0000UL, qemu.Esr);
        Assert.Equal((address, 0UL), (qemu.Elr, qemu.Far));
    }

    [Fact]
    public void FetchFromNothingAtEl0_IsAnInstructionAbortFromALowerEl()
    {
        var (qemu, _) = RunOnBoth("fetch-el0", """
                ldr x1, =0x0c000000
                msr elr_el1, x1
                msr spsr_el1, xzr
                eret
            """);

        Assert.Equal(0x400UL, qemu.Vector);
        Assert.Equal(0x8200_0010UL, qemu.Esr);
        Assert.Equal((0x0C00_0000UL, 0x0C00_0000UL, 0UL), (qemu.Elr, qemu.Far, qemu.Spsr));
    }

    [Fact]
    public void IllegalExceptionReturnToEl2_RaisesAnIllegalExecutionStateException()
    {
        var (qemu, elf) = RunOnBoth("illegal-return", """
                adr x1, target
                msr elr_el1, x1
                mov x1, #0x3c9              // EL2h: higher than the current EL
                msr spsr_el1, x1
                eret
            target:
                svc #1
            """);

        Assert.Equal(0x200UL, qemu.Vector);
        Assert.Equal(0x3A00_0000UL, qemu.Esr);                       // EC 0x0E, IL
        Assert.Equal(BareMetalGuest.Symbol(elf, "target"), qemu.Elr);
        Assert.Equal(0x3C5UL | (1UL << 20), qemu.Spsr);              // still EL1h, PSTATE.IL set
    }

    [Fact]
    public void IllegalExceptionReturnToOrdinaryInstructions_RaisesTheExceptionAtTheFirstOne()
    {
        // The return lands on instructions that never trap: the exception must come at the first of them
        // (ELR = target, X0 untouched), not at some later trap, and not never (the b . would spin forever).
        var (qemu, elf) = RunOnBoth("illegal-return-alu", """
                adr x1, target
                msr elr_el1, x1
                mov x1, #0x3c9              // EL2h: higher than the current EL
                msr spsr_el1, x1
                eret
            target:
                add x0, x0, #1
                add x0, x0, #2
                add x13, x13, #3
                b .
            """);

        Assert.Equal(0x200UL, qemu.Vector);
        Assert.Equal(0x3A00_0000UL, qemu.Esr);                       // EC 0x0E, IL
        Assert.Equal(BareMetalGuest.Symbol(elf, "target"), qemu.Elr);
        Assert.Equal(0x3C5UL | (1UL << 20), qemu.Spsr);              // still EL1h, PSTATE.IL set
        Assert.Equal((0UL, 0UL), (qemu.X0, qemu.X13));
    }

    [Fact]
    public void IllegalExceptionReturnToCodeThatRanBefore_RaisesTheExceptionAtTheFirstInstruction()
    {
        // The target runs once at EL1 before the illegal return, so its translated code exists already.
        var (qemu, elf) = RunOnBoth("illegal-return-again", """
                adr x1, target
                msr elr_el1, x1
                mov x1, #0x3c9              // EL2h: higher than the current EL
                mov x2, #0
                b target
            back:
                mov x0, #0
                mov x2, #1
                msr spsr_el1, x1
                eret
            target:
                add x0, x0, #1
                cbz x2, back
                add x13, x13, #3
                b .
            """);

        Assert.Equal(0x200UL, qemu.Vector);
        Assert.Equal(0x3A00_0000UL, qemu.Esr);
        Assert.Equal(BareMetalGuest.Symbol(elf, "target"), qemu.Elr);
        Assert.Equal((0UL, 0UL), (qemu.X0, qemu.X13));
    }

    /// <summary>
    /// Unmasks the virtual timer's interrupt (PPI 27) at the GIC, arms the timer to fire in 1/2^<paramref name="shift"/>
    /// of a second (about 16 ms by default), and returns to EL0 with interrupts unmasked at <c>user</c>, which
    /// <paramref name="userCode"/> defines, in AArch64 or (<paramref name="aarch32"/>) in A32 User mode.
    /// </summary>
    private static string TimerThenEl0(string userCode, bool aarch32 = false, int shift = 6) => $"""
            {ArmVirtualTimer(shift)}
                ldr x1, =user
                msr elr_el1, x1
                mov x1, #{(aarch32 ? 0x10 : 0)}                 // EL0t or User, nothing masked
                msr spsr_el1, x1
                eret
                .ltorg
            {userCode}
            """;

    /// <summary>Unmasks the virtual timer's interrupt (PPI 27) at the GIC and arms the timer to fire in 1/2^<paramref name="shift"/> s.</summary>
    private static string ArmVirtualTimer(int shift = 6) => $"""
                ldr x1, =0x08000000         // GICD_CTLR, GICD_ISENABLER0
                mov w2, #1
                str w2, [x1]
                mov w2, #(1 << 27)
                str w2, [x1, #0x100]
                ldr x1, =0x08010000         // GICC_PMR, GICC_CTLR
                mov w2, #0xff
                str w2, [x1, #4]
                mov w2, #1
                str w2, [x1]
                mrs x1, cntfrq_el0
                lsr x1, x1, #{shift}
                msr cntv_tval_el0, x1
                mov x1, #1
                msr cntv_ctl_el0, x1
            """;

    [Fact]
    public void TimerInterruptWhileSpinningAtEl0_IsTakenAtTheLoop()
    {
        // "b ." never traps: only an interrupt delivered within the loop ends it.
        var (qemu, elf) = RunOnBoth("spin-el0", TimerThenEl0("""
            user:
                b user
            """));

        Assert.Equal(0x480UL, qemu.Vector);
        Assert.Equal(BareMetalGuest.Symbol(elf, "user"), qemu.Elr);
        Assert.Equal(0UL, qemu.Spsr);
    }

    [Fact]
    public void TimerInterruptWhileSpinningAtEl1WithIrqsUnmasked_IsTakenAtTheLoop()
    {
        // Kernel code too: a loop at EL1 with interrupts unmasked takes the tick inside the loop, as on QEMU.
        var (qemu, elf) = RunOnBoth("spin-el1", ArmVirtualTimer() + "\n" + """
                msr daifclr, #2
            spin:
                b spin
            """);

        Assert.Equal(0x280UL, qemu.Vector);
        Assert.Equal(BareMetalGuest.Symbol(elf, "spin"), qemu.Elr);
        Assert.Equal(0x345UL, qemu.Spsr);                      // EL1h, I unmasked (D, A and F as reset left them)
    }

    [Fact]
    public void TimerInterruptWhileSpinningInAarch32El0_IsTakenAtTheLoop()
    {
        var (qemu, elf) = RunOnBoth("spin-a32", TimerThenEl0($"""
                .balign 4
            user:
                .word 0x{A32Loop:x8}
            """, aarch32: true));

        Assert.Equal(0x680UL, qemu.Vector);
        Assert.Equal(BareMetalGuest.Symbol(elf, "user"), qemu.Elr);
        Assert.Equal(0x10UL, qemu.Spsr);
    }

    [Fact]
    public void TimerInterruptsWhileCountingAtEl0_ArriveBetweenInstructionsWithNothingRepeated()
    {
        // The EL1 handler acknowledges each tick, re-arms the timer and returns; the EL0 loop checks at every
        // iteration that its memory counter equals its register counter (a replayed load-add-store would break
        // that) and writes a dot to the UART every 65,536 iterations (a replayed device write would add one).
        // Ticks come every 1/4096 s from the start. After 4,000,000 iterations the loop makes an SVC, which reports
        // the number of ticks in x0.
        var elf = BareMetalGuest.Build(_folder, "count-el0", Program($$"""
                ldr x1, =ticking_vectors
                msr vbar_el1, x1
                mov x20, #0
            {{TimerThenEl0("""
            user:
                ldr x0, =0x40500000
                ldr x1, =0x09000000
                ldr x15, =4000000
                mov w2, #'.'
                str xzr, [x0]
                mov x13, #0
            1:  ldr x14, [x0]
                cmp x14, x13
                b.ne miscounted
                tst x13, #0xffff
                b.ne 2f
                strb w2, [x1]
            2:  add x14, x14, #1
                str x14, [x0]
                add x13, x13, #1
                cmp x13, x15
                b.ne 1b
                mov w2, #'\n'
                strb w2, [x1]
                mov x0, x20
                svc #1
            miscounted:
                mov x0, x20
                svc #2
                .ltorg

                .balign 0x800
            ticking_vectors:
                .irp slot, 0,1,2,3,4,5,6,7,8
                .balign 0x80
                b vectors + \slot * 0x80
                .endr
                .balign 0x80
                ldr x21, =0x08010000        // GICC_IAR, GICC_EOIR
                ldr w22, [x21, #0xc]
                str w22, [x21, #0x10]
                add x20, x20, #1
                mrs x22, cntfrq_el0
                lsr x22, x22, #12
                msr cntv_tval_el0, x22
                eret
                .ltorg
                .irp slot, 10,11,12,13,14,15
                .balign 0x80
                b vectors + \slot * 0x80
                .endr
            """, shift: 12)}}
            """));

        foreach (var (machine, run) in new[] { ("QEMU", TestEnvironment.RunQemu(ExitTimeout, "-kernel", elf)), ("ours", TestEnvironment.RunEmulator(ExitTimeout, "-kernel", elf)) })
        {
            Assert.True(run.ExitCode == 0, $"{machine}: {run}");
            var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == 2 && lines[0] == new string('.', 62), $"{machine}: {run.Stdout}");
            var report = Parse(lines[1]);
            Assert.True((report.Vector, report.Esr) == (0x400UL, 0x5600_0001UL), $"{machine}: the loop must end with its SVC #1: {run.Stdout}");
            Assert.True((report.X13, report.X14) == (4_000_000UL, 4_000_000UL), $"{machine}: {run.Stdout}");
            Assert.True(report.X0 >= 5, $"{machine}: only {report.X0} ticks during the loop");
        }
    }

    [Fact]
    public void ExceptionWithNoVectorTable_KeepsTheMachineRunning()
    {
        // VBAR_EL1 is 0: the SVC vectors into QEMU's empty flash, which is an undefined instruction, whose
        // vector is again in the flash: QEMU loops there until it is stopped, and so must the emulator.
        var elf = BareMetalGuest.Build(_folder, "no-vectors", """
            main:
                svc #0
            """);
        using var console = GuestConsole.Start("-kernel", elf);
        Thread.Sleep(TimeSpan.FromSeconds(3));
        Assert.True(console.Errors.Length == 0, console.Describe("the emulator must say nothing"));
        console.Send(0x01, (byte)'x');
        Assert.Equal(0, console.WaitForExit(ExitTimeout));
    }
}
