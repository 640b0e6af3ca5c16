namespace Emulator.System.Tests;

/// <summary>
/// Tiny AArch64 programs that run on the bare board (EL1, MMU off), assembled and linked at test time with
/// binutils and booted as ELF files with -kernel. Each program is a `main:` routine; the runtime below
/// gives it a serial `puts`, a `delay` and the PSCI power calls.
/// </summary>
public static class BareMetalGuest
{
    /// <summary>Where the program is linked: RAM base plus the arm64 Image's usual text offset.</summary>
    public const string LoadAddress = "0x40080000";

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    private const string Runtime = """
            .equ UART_DR, 0x09000000
            .equ PSCI_SYSTEM_OFF, 0x84000008
            .equ PSCI_SYSTEM_RESET, 0x84000009

            .text
            .global _start
        _start:
            b main

        // puts: writes the NUL-terminated string at x1 to the PL011's data register (clobbers x1-x3).
        puts:
            ldr x2, =UART_DR
        1:  ldrb w3, [x1], #1
            cbz w3, 2f
            strb w3, [x2]
            b 1b
        2:  ret

        // delay: spins for x0 seconds of the generic timer's virtual count (clobbers x0-x2).
        delay:
            mrs x1, cntfrq_el0
            mul x0, x0, x1
            mrs x1, cntvct_el0
            add x0, x0, x1
        1:  mrs x2, cntvct_el0
            cmp x2, x0
            b.lo 1b
            ret

        // puthex: writes x0 as 16 hex digits and a space (clobbers x2-x5).
        puthex:
            ldr x2, =UART_DR
            mov x4, #60
        1:  lsr x3, x0, x4
            and x3, x3, #15
            cmp x3, #10
            add x5, x3, #'0'
            add x3, x3, #('a' - 10)
            csel x3, x5, x3, lo
            strb w3, [x2]
            subs x4, x4, #4
            b.pl 1b
            mov w3, #' '
            strb w3, [x2]
            ret

        system_off:
            ldr x0, =PSCI_SYSTEM_OFF
            hvc #0
            b .

        system_reset:
            ldr x0, =PSCI_SYSTEM_RESET
            hvc #0
            b .

        """;

    /// <summary>
    /// A vector table (symbol <c>vectors</c>, 2 KiB aligned) whose every entry prints one line and powers
    /// off: the entry's offset from VBAR_EL1, ELR_EL1, ESR_EL1, SPSR_EL1, FAR_EL1, then x0, x13 and x14 as
    /// the handler found them, each as 16 hex digits. Append it to a program that sets VBAR_EL1 and SP.
    /// </summary>
    public const string ReportingVectors = """

            .balign 0x800
        vectors:
            .irp slot, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
            .balign 0x80
            mov x21, #(\slot * 0x80)
            b report_exception
            .endr
        report_exception:
            mov x19, x0
            mov x0, x21
            bl puthex
            mrs x0, elr_el1
            bl puthex
            mrs x0, esr_el1
            bl puthex
            mrs x0, spsr_el1
            bl puthex
            mrs x0, far_el1
            bl puthex
            mov x0, x19
            bl puthex
            mov x0, x13
            bl puthex
            mov x0, x14
            bl puthex
            mov w0, #'\n'
            ldr x2, =UART_DR
            strb w0, [x2]
            bl system_off
            .ltorg
        """;

    /// <summary>Assembles and links <paramref name="program"/> in <paramref name="folder"/>; returns the ELF file's path.</summary>
    public static string Build(TempFolder folder, string name, string program)
    {
        var assembler = TestEnvironment.RequireTool("aarch64-linux-gnu-as", "binutils-aarch64-linux-gnu");
        var linker = TestEnvironment.RequireTool("aarch64-linux-gnu-ld", "binutils-aarch64-linux-gnu");
        var source = folder.File(name + ".s");
        var obj = folder.File(name + ".o");
        var elf = folder.File(name + ".elf");
        File.WriteAllText(source, Runtime + program + "\n");

        var assembled = TestEnvironment.RunTool(assembler, ["-o", obj, source], ToolTimeout);
        if (assembled.ExitCode != 0)
        {
            Assert.Fail($"assembling the bare-metal guest '{name}' failed:\n{assembled.Stderr}");
        }

        var linked = TestEnvironment.RunTool(linker, [$"-Ttext={LoadAddress}", "-o", elf, obj], ToolTimeout);
        if (linked.ExitCode != 0)
        {
            Assert.Fail($"linking the bare-metal guest '{name}' failed:\n{linked.Stderr}");
        }

        return elf;
    }

    /// <summary>The address of <paramref name="symbol"/> in a guest built by <see cref="Build"/>.</summary>
    public static ulong Symbol(string elf, string symbol)
    {
        var nm = TestEnvironment.RequireTool("aarch64-linux-gnu-nm", "binutils-aarch64-linux-gnu");
        var listed = TestEnvironment.RunTool(nm, [elf], ToolTimeout);
        foreach (var line in listed.Stdout.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && parts[2] == symbol)
            {
                return Convert.ToUInt64(parts[0], 16);
            }
        }

        Assert.Fail($"no symbol '{symbol}' in {elf}");
        return 0;
    }
}
