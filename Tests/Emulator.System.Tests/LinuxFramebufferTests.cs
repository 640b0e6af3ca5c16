using System.Text.RegularExpressions;

namespace Emulator.System.Tests;

/// <summary>
/// Debian's Linux on our machine with <c>-device ramfb</c> shows its console: the emulator sets ramfb up as
/// firmware would and describes it with a simple-framebuffer device-tree node, simplefb takes it as fb0, and
/// fbcon draws the kernel's messages and whatever is written to the console, which QMP's screendump shows.
/// (QEMU's own virt shows nothing here without UEFI: this is our machine's extension.)
/// </summary>
[Collection(LinuxGuestCollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed partial class LinuxFramebufferTests(LinuxFramebufferShell shell) : IClassFixture<LinuxFramebufferShell>
{
    private static readonly TimeSpan CommandTimeout = LinuxFramebufferShell.CommandTimeout;

    private readonly GuestConsole _console = shell.Console;

    [Fact]
    [Step(1)]
    public void Simplefb_TakesTheFramebufferTheDeviceTreeDescribes_AsFb0()
    {
        var messages = _console.Run("dmesg | grep simple-framebuffer", CommandTimeout);

        Assert.Matches(SimplefbMode(), messages);
        Assert.Matches(SimplefbRegistered(), messages);
        Assert.Equal("0 simple", _console.Run("cat /proc/fb", CommandTimeout));
        Assert.Contains("Console: switching to colour frame buffer device 128x48", _console.Run("dmesg | grep Console:", CommandTimeout));
    }

    [Fact]
    [Step(2)]
    public void BootScreen_ShowsTheKernelsMessages()
    {
        var screen = shell.BootScreen;

        Assert.Equal((1024, 768), (screen.Width, screen.Height));
        // The messages fill the screen (they scrolled past it): nearly every row has text on it.
        var rowsWithText = Enumerable.Range(0, screen.Rows).Count(row => screen.InkedCells(row) >= 10);
        Assert.True(rowsWithText >= screen.Rows - 4, $"only {rowsWithText} of {screen.Rows} rows have text");

        // Read with the console's own font, the last message before the shell is there in words.
        var text = screen.ReadText(shell.Font);
        Assert.Matches(RunInit(), text);
    }

    [Fact]
    [Step(3)]
    public void EchoOnTheSerialShell_DrawsItsTextOnTheConsolesCursorRow()
    {
        const string Word = "VIRT-CONSOLE-42";
        _ = shell.Font; // the console is cleared and its first row holds the alphabet; the cursor is below it
        var before = shell.Screendump();

        _console.Run($"echo {Word} >/dev/tty1", CommandTimeout);
        var after = shell.Screendump();

        var row = Enumerable.Range(0, after.Rows).First(r => after.ReadRow(r, shell.Font) != before.ReadRow(r, shell.Font));
        Assert.Equal(1, row);
        Assert.Equal(Word, after.ReadRow(row, shell.Font));
        Assert.Equal(LinuxFramebufferShell.Alphabet, after.ReadRow(0, shell.Font));
        Assert.All(Enumerable.Range(row + 1, after.Rows - row - 1), r => Assert.True(after.InkedCells(r) <= 1, $"row {r} has ink")); // at most the cursor
    }

    [Fact]
    [Step(4)]
    public void GarbageWrittenToTheFramebuffer_IsShown_AndHarmsNothing()
    {
        // More than the framebuffer holds: fbdev writes what fits and refuses the rest.
        _console.Run("head -c 4000000 /dev/urandom >/dev/fb0", CommandTimeout);
        var screen = shell.Screendump();

        Assert.Equal((1024, 768), (screen.Width, screen.Height));
        Assert.True(screen.Colours() > 100_000, $"the noise shows only {screen.Colours()} colours");
        Assert.Equal("still here", _console.Run("echo still here", CommandTimeout));
        Assert.Equal("running", (string?)shell.Execute("""{"execute":"query-status"}""")["return"]?["status"]);
    }

    [GeneratedRegex(@"simple-framebuffer [0-9a-f]+\.framebuffer: format=x8r8g8b8, mode=1024x768x32, linelength=4096")]
    private static partial Regex SimplefbMode();

    [GeneratedRegex(@"simple-framebuffer [0-9a-f]+\.framebuffer: fb0: simplefb registered!")]
    private static partial Regex SimplefbRegistered();

    [GeneratedRegex(@"\[ *[0-9]+\.[0-9]+\] Run /init as init process")]
    private static partial Regex RunInit();
}
