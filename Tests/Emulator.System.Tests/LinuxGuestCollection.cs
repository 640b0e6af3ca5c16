using System.Text.RegularExpressions;

namespace Emulator.System.Tests;

/// <summary>
/// Tests that boot the default Linux guest. They share one collection so that no two boots compete for
/// the CPU at the same time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LinuxGuestCollection
{
    public const string Name = "Linux guest";

    /// <summary>Booting to the shell takes a few seconds alone; allow for a machine busy with builds.</summary>
    public static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);

    /// <summary>How Linux reports that it is broken: an oops or a panic, for a boot or any later command.</summary>
    public static readonly Regex KernelFailure = new(@"Unable to handle kernel|Internal error: Oops|Kernel panic - not syncing|\] BUG: ");

    /// <summary>Boots Debian's Linux with the set-up's busybox initramfs (no disk) and waits for its shell prompt.</summary>
    public static GuestConsole BootToShell()
    {
        TestEnvironment.RequireDefaultGuest();
        var console = GuestConsole.Start("-kernel", TestEnvironment.DefaultKernel, "-initrd", TestEnvironment.DefaultInitramfs, "-append", "console=ttyAMA0");
        console.FailOn = KernelFailure;
        try
        {
            console.WaitFor(GuestConsole.ShellPrompt, BootTimeout);
            return console;
        }
        catch
        {
            console.Dispose();
            throw;
        }
    }
}
