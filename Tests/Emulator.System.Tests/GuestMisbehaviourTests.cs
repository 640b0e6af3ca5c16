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
}
