using System.Text;
using Emulator.Core.Board;
using Emulator.Core.Cpu;
using Emulator.Core.Tests.Boot;
using Emulator.Core.Tests.Support;

namespace Emulator.Core.Tests.Board;

/// <summary>Whole-board runs: small ELF kernels booted by VirtMachine that report through the PL011.</summary>
public class VirtMachineRunTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A kernel that installs an EL1 stack and vectors, runs <paramref name="body"/>, and prints with <c>print label</c>.</summary>
    private static string Kernel(string body) => $"""
            .macro say label
            adr x1, \label
            bl print
            .endm

        _start:
            mov x20, x0                 // the boot protocol's x0: the device tree's address
            ldr x1, =vectors
            msr vbar_el1, x1
            load_imm x1, 0x40400000
            mov sp, x1
            isb
        {body}
            power_off

        // x1 = NUL-terminated string
        print:
            movz x8, #0x0900, lsl #16   // PL011 UARTDR
        1:  ldrb w9, [x1], #1
            cbz w9, 2f
            strb w9, [x8]
            b 1b
        2:  ret

        unexpected_exception:
            say msg_unexpected
            power_off

            .balign 0x800
        vectors:
            .rept 5
            .balign 0x80
            b unexpected_exception
            .endr
            .balign 0x80                // +0x280: IRQ from the current EL
            b irq
            .rept 10
            .balign 0x80
            b unexpected_exception
            .endr

        msg_unexpected: .asciz "unexpected exception\n"
        msg_ok:         .asciz "ok\n"
        msg_bad:        .asciz "bad\n"
            .balign 4
            .ltorg

        """;

    private static (MachineExit Exit, string Serial) Boot(string kernelBody, string? irqHandler = null)
    {
        var source = Kernel(kernelBody) + (irqHandler ?? "irq:\n    b unexpected_exception\n");
        var program = GuestAssembler.Assemble(source, 0x4008_0000);
        using var files = new TempFiles();
        using var machine = new VirtMachine(new MachineConfig
        {
            KernelPath = files.Write("kernel.elf", program.Elf),
            RamSize = 128UL << 20,
        });
        var serial = new StringBuilder();
        machine.SerialOutput = b =>
        {
            lock (serial)
            {
                serial.Append((char)b);
            }
        };

        var run = Task.Factory.StartNew(machine.Run, TaskCreationOptions.LongRunning);
        if (!run.Wait(Timeout))
        {
            machine.RequestExit(MachineExit.Quit);
            run.Wait(TimeSpan.FromSeconds(10));
            Assert.Fail($"the kernel did not power off within {Timeout.TotalSeconds} s; serial output: {serial}");
        }

        lock (serial)
        {
            return (run.Result, serial.ToString());
        }
    }

    [Fact]
    public void ElfKernel_PrintsThroughThePl011AndPowersOff()
    {
        var (exit, serial) = Boot("    say msg_ok\n");

        Assert.Equal(MachineExit.PowerOff, exit);
        Assert.Equal("ok\n", serial);
    }

    [Fact]
    public void Kernel_FindsTheDeviceTreeAtTheAddressInX0()
    {
        var (_, serial) = Boot("""
                ldr w2, [x20]
                movz w3, #0x0dd0            // 0xd00dfeed, big-endian, read as a little-endian word
                movk w3, #0xedfe, lsl #16
                cmp w2, w3
                b.ne 1f
                say msg_ok
                b 2f
            1:  say msg_bad
            2:
            """);

        Assert.Equal("ok\n", serial);
    }

    [Fact]
    public void UnassignedPhysicalAddresses_ReadAllOnes()
    {
        var (_, serial) = Boot("""
                movz x2, #0x0c00, lsl #16   // the platform bus: nothing there on this board
                ldr w3, [x2]
                cmn w3, #1
                b.ne 1f
                say msg_ok
                b 2f
            1:  say msg_bad
            2:
            """);

        Assert.Equal("ok\n", serial);
    }

    /// <summary>
    /// Enables INTID 30 (the non-secure physical timer's PPI) in the GIC and arms the physical timer
    /// 10 ms ahead with IRQs unmasked; the kernel's body then waits for it.
    /// </summary>
    private const string ArmPhysicalTimerThroughTheGic = """
            movz x2, #0x0800, lsl #16   // GIC distributor
            mov w3, #1
            str w3, [x2]                // GICD_CTLR: forward group 0
            mov w3, #(1 << 30)
            str w3, [x2, #0x100]        // GICD_ISENABLER0: enable INTID 30
            movk x2, #0x0801, lsl #16   // GIC CPU interface
            mov w3, #0xff
            str w3, [x2, #4]            // GICC_PMR: let every priority through
            mov w3, #1
            str w3, [x2]                // GICC_CTLR: signal group 0
            load_imm x3, 625000         // 10 ms
            msr cntp_tval_el0, x3
            mov x3, #1
            msr cntp_ctl_el0, x3
            msr daifclr, #2

        """;

    /// <summary>An IRQ handler that prints ok if the GIC reports INTID 30 with the timer's condition met.</summary>
    private const string ExpectPhysicalTimerIrq = """
        irq:
            movz x2, #0x0801, lsl #16
            ldr w3, [x2, #0xc]          // GICC_IAR
            cmp w3, #30
            b.ne 1f
            mrs x4, cntp_ctl_el0
            cmp x4, #5                  // ENABLE | ISTATUS
            b.ne 1f
            say msg_ok
            power_off
        1:  say msg_bad
            power_off

        """;

    /// <summary>The guest code for one EL1 timer: its registers' prefix and its interrupt id.</summary>
    private static (string Arm, string Expect) ForTimer(string registers, int intId) =>
        (ArmPhysicalTimerThroughTheGic.Replace("cntp_", registers, StringComparison.Ordinal)
                .Replace("(1 << 30)", $"(1 << {intId})", StringComparison.Ordinal),
         ExpectPhysicalTimerIrq.Replace("cntp_", registers, StringComparison.Ordinal)
                .Replace("#30", $"#{intId}", StringComparison.Ordinal));

    [Theory]
    [InlineData("cntp_", 30)]
    [InlineData("cntv_", 27)]
    public void Timer_InterruptsACpuPollingItThroughTheGic(string registers, int intId)
    {
        // No WFI: the board's timer thread must raise the interrupt while the CPU is busy. The loop
        // re-reads a timer register, as a kernel polling its clock event does; that access (trapped for
        // the physical timer, hooked for the virtual one) is where a running guest takes a newly
        // pending interrupt.
        var (arm, expect) = ForTimer(registers, intId);
        var (exit, serial) = Boot(arm + $"""
            poll:
                mrs x4, {registers}ctl_el0
                b poll
            """, expect);

        Assert.Equal(MachineExit.PowerOff, exit);
        Assert.Equal("ok\n", serial);
    }

    [Theory]
    [InlineData("cntp_", 30)]
    [InlineData("cntv_", 27)]
    public void Timer_WakesACpuInWfiThroughTheGic(string registers, int intId)
    {
        var (arm, expect) = ForTimer(registers, intId);
        var (exit, serial) = Boot(arm + """
            idle:
                wfi
                b idle
            """, expect);

        Assert.Equal(MachineExit.PowerOff, exit);
        Assert.Equal("ok\n", serial);
    }

    [Fact]
    public async Task RequestExit_EndsARunningMachine()
    {
        var program = GuestAssembler.Assemble(Kernel("spin: b spin\n") + "irq: b .\n", 0x4008_0000);
        using var files = new TempFiles();
        using var machine = new VirtMachine(new MachineConfig { KernelPath = files.Write("kernel.elf", program.Elf), RamSize = 64UL << 20 });
        var run = Task.Factory.StartNew(machine.Run, TaskCreationOptions.LongRunning);
        Thread.Sleep(200);

        machine.RequestExit(MachineExit.Quit);

        Assert.Equal(MachineExit.Quit, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
