namespace Emulator.System.Tests;

/// <summary>
/// Things a guest may do that the board answers without taking the emulator down: accesses where nothing
/// is, registers a device does not implement, firmware calls it does not know, and a reset with -no-reboot.
/// Each guest reports what it saw on the serial console and powers off.
/// </summary>
public sealed class GuestMisbehaviourTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private ToolResult Boot(string name, string program, params string[] options)
    {
        var elf = BareMetalGuest.Build(_folder, name, program);
        return TestEnvironment.RunEmulator(ExitTimeout, ["-kernel", elf, .. options]);
    }

    [Fact]
    public void AccessToAnUnbackedAddressReadsAllOnesAndTheGuestGoesOn()
    {
        var result = Boot("unbacked", """
            main:
                ldr x19, =0x0c000000
                ldr x20, =0x0123456789abcdef
                str x20, [x19]
                ldr x21, [x19]
                cmn x21, #1
                b.ne 1f
                adr x1, ok
                bl puts
                bl system_off
            1:  adr x1, bad
                bl puts
                bl system_off
            ok: .asciz "OK\n"
            bad: .asciz "not all ones\n"
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Stdout == "OK\n", result.ToString());
    }

    [Fact]
    public void ReadsOfUnimplementedGicRegistersDoNotStopTheGuest()
    {
        var result = Boot("gic", """
            main:
                ldr x19, =0x08000000
                ldr w20, [x19, #0xe00]      // GICD offset 0xE00: no register of this GICv2
                ldr x19, =0x08010000
                ldr w21, [x19, #0x1004]     // just past GICC_DIR, the CPU interface's last register
                ldr x19, =0x08020000
                ldr w22, [x19]              // just past the CPU interface's 64 KiB window
                adr x1, ok
                bl puts
                bl system_off
            ok: .asciz "OK\n"
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Stdout == "OK\n", result.ToString());
    }

    [Fact]
    public void UnknownPsciFunctionReturnsNotSupported()
    {
        var result = Boot("psci-unknown", """
            main:
                ldr x0, =0x8400dead
                hvc #0
                cmn x0, #1                  // PSCI NOT_SUPPORTED is -1 in all 64 bits
                b.ne 1f
                adr x1, ns
                bl puts
                bl system_off
            1:  adr x1, other
                bl puts
                bl system_off
            ns: .asciz "NS\n"
            other: .asciz "unexpected return value\n"
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Stdout == "NS\n", result.ToString());
    }

    [Fact]
    public void SystemResetWithNoRebootExitsWithStatus0()
    {
        var result = Boot("psci-reset", """
            main:
                adr x1, hello
                bl puts
                bl system_reset
            hello: .asciz "booted\n"
            """, "-no-reboot");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Stdout == "booted\n", "the guest must run once, not be rebooted\n" + result);
    }

    [Fact]
    public void LoopOverUnimplementedGicRegistersIsLoggedOnceWithACountAtExit()
    {
        // 100 rounds over 64 distributor offsets with no register: 6,400 bad reads. QEMU says nothing
        // (guest errors are logged only with -d guest_errors); the emulator says it once, and how often
        // at the end.
        var elf = BareMetalGuest.Build(_folder, "gic-loop", """
            main:
                mov x20, #100
            1:  ldr x19, =0x08000e00
                mov x21, #64
            2:  ldr w22, [x19], #4
                subs x21, x21, #1
                b.ne 2b
                subs x20, x20, #1
                b.ne 1b
                adr x1, ok
                bl puts
                bl system_off
            ok: .asciz "OK\n"
            """);
        var qemu = TestEnvironment.RunQemu(ExitTimeout, "-kernel", elf);
        Assert.True(qemu.ExitCode == 0 && qemu.Stdout == "OK\n" && qemu.Stderr.Length == 0, "QEMU: " + qemu);

        var result = TestEnvironment.RunEmulator(ExitTimeout, "-kernel", elf);

        Assert.True(result.ExitCode == 0 && result.Stdout == "OK\n", result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 2, $"expected the mistake once and its count at exit\n{result}");
        Assert.Contains("unimplemented distributor offset 0xE00", lines[0], StringComparison.Ordinal);
        Assert.Contains("(6400 times in all)", lines[1], StringComparison.Ordinal);
    }
}
