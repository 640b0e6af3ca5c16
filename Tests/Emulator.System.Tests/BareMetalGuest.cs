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

        system_off:
            ldr x0, =PSCI_SYSTEM_OFF
            hvc #0
            b .

        system_reset:
            ldr x0, =PSCI_SYSTEM_RESET
            hvc #0
            b .

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
}
