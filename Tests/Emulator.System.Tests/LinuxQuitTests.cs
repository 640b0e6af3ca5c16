namespace Emulator.System.Tests;

/// <summary>Leaving the emulator from the keyboard while Linux runs.</summary>
[Collection(LinuxGuestCollection.Name)]
public sealed class LinuxQuitTests
{
    [Fact]
    public void CtrlAXQuitsWhileLinuxRuns()
    {
        using var console = LinuxGuestCollection.BootToShell();

        console.Send(0x01, (byte)'x');

        Assert.Equal(0, console.WaitForExit(TimeSpan.FromSeconds(30)));
    }
}
