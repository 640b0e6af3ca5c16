namespace Emulator.System.Tests;

/// <summary>One boot of the default guest, shared by a whole class of console checks.</summary>
public sealed class LinuxShell : IDisposable
{
    public LinuxShell()
    {
        Console = LinuxGuestCollection.BootToShell();
    }

    public GuestConsole Console { get; }

    public void Dispose() => Console.Dispose();
}
