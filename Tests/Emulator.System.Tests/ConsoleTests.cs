namespace Emulator.System.Tests;

/// <summary>The host side of the serial console: the Ctrl-A escape, and what end of input means.</summary>
public sealed class ConsoleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly byte[] CtrlAX = [0x01, (byte)'x'];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void CtrlAXQuitsWhileTheGuestSpins()
    {
        var elf = BareMetalGuest.Build(_folder, "spin", """
            main:
                adr x1, hello
                bl puts
            1:  b 1b
            hello: .asciz "spinning\n"
            """);
        using var console = GuestConsole.Start("-kernel", elf);
        console.WaitFor("spinning\n", Timeout);

        console.Send(CtrlAX);

        Assert.Equal(0, console.WaitForExit(Timeout));
    }

    [Fact]
    public void CtrlAXQuitsWhileTheGuestWaitsForAnInterrupt()
    {
        var elf = BareMetalGuest.Build(_folder, "wfi", """
            main:
                adr x1, hello
                bl puts
                msr daifset, #0xf
            1:  wfi
                b 1b
            hello: .asciz "waiting\n"
            """);
        using var console = GuestConsole.Start("-kernel", elf);
        console.WaitFor("waiting\n", Timeout);

        console.Send(CtrlAX);

        Assert.Equal(0, console.WaitForExit(Timeout));
    }

    [Fact]
    public void EndOfInputDoesNotStopAGuestThatIsStillPrinting()
    {
        var elf = BareMetalGuest.Build(_folder, "two-lines", """
            main:
                adr x1, first
                bl puts
                mov x0, #1
                bl delay
                adr x1, second
                bl puts
                bl system_off
            first: .asciz "first line\n"
            second: .asciz "second line\n"
            """);
        using var console = GuestConsole.Start("-kernel", elf);
        console.WaitFor("first line\n", Timeout);

        console.CloseInput();

        console.WaitFor("second line\n", Timeout);
        Assert.Equal(0, console.WaitForExit(Timeout));
        Assert.Equal("first line\nsecond line\n", console.Output);
    }
}
