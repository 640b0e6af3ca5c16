using System.Globalization;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;

namespace Emulator.System.Tests;

/// <summary>
/// A user program that never traps (`spin`, Userspace/tools/spin.c: <c>for(;;);</c>) on Debian's Linux on our
/// machine, root on a copy of the root disk image: interrupts must reach it as on QEMU, so timeout ends it, Ctrl-C
/// on the console kills it, and the scheduler shares the CPU between it and a shell loop.
/// </summary>
[Collection(LinuxGuestCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed partial class LinuxSpinTests(LinuxSpinTests.Boot boot) : IClassFixture<LinuxSpinTests.Boot>
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly GuestConsole _console = boot.Console;

    /// <summary>One boot of Linux on the root disk, with the test prompt, shared by the class.</summary>
    public sealed class Boot : IDisposable
    {
        private readonly TempFolder _folder = new();

        public Boot()
        {
            var image = _folder.File("root.img");
            File.Copy(TestEnvironment.RootDiskImage, image);
            Console = GuestConsole.Start("-kernel", TestEnvironment.DefaultKernel, "-initrd", TestEnvironment.DefaultInitramfs,
                "-append", "console=ttyAMA0 root=/dev/vda rw",
                "-drive", $"file={image},format=raw,if=none,id=root", "-device", "virtio-blk-device,drive=root");
            Console.FailOn = LinuxGuestCollection.KernelFailure;
            Console.WaitFor(DiskPrompt(), LinuxGuestCollection.BootTimeout);
            Console.Mark();
            Console.Type("PS1='/ # '");
            Console.WaitFor(GuestConsole.ShellPrompt, CommandTimeout);
        }

        public GuestConsole Console { get; }

        public void Dispose()
        {
            Console.Dispose();
            _folder.Dispose();
        }
    }

    /// <summary>Runs <paramref name="command"/>; returns its output and the guest's uptime it took, in seconds.</summary>
    private (string Output, double Seconds) Timed(string command)
    {
        var output = _console.Run($"a=$(cut -d' ' -f1 /proc/uptime); {command}; echo \"rc=$? $a $(cut -d' ' -f1 /proc/uptime)\"", CommandTimeout);
        var last = TimingLine().Matches(output).LastOrDefault();
        Assert.True(last != null, $"no timing line in: {output.ReplaceLineEndings("|")}");
        var seconds = double.Parse(last.Groups[2].Value, CultureInfo.InvariantCulture) - double.Parse(last.Groups[1].Value, CultureInfo.InvariantCulture);
        return (output, seconds);
    }

    [Fact]
    public void Timeout_EndsASpinningProgramAfterItsTime()
    {
        var (output, seconds) = Timed("timeout 2 spin");

        // Debian's busybox timeout reports its child's death by SIGTERM as 128 + 15, on QEMU too (coreutils says 124).
        Assert.Matches(@"^rc=143 ", output.Split('\n')[^1]);
        Assert.InRange(seconds, 1.9, 5.0);
    }

    [Fact]
    public void CtrlC_OnTheConsole_KillsASpinningProgram()
    {
        _console.Mark();
        _console.Type("spin");
        _console.WaitFor(EchoedSpin(), CommandTimeout);
        Thread.Sleep(TimeSpan.FromSeconds(1));
        _console.Send(0x03);
        _console.WaitFor(GuestConsole.ShellPrompt, CommandTimeout);

        Assert.Equal("130", _console.Run("echo $?", CommandTimeout));
    }

    [Fact]
    public void SpinningProgram_SharesTheCpuWithAShellLoop()
    {
        const string Loop = "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done";
        var (_, alone) = Timed(Loop);
        var (shared, withSpinner) = Timed($"spin & p=$!; {Loop}; echo utime=$(cut -d' ' -f14 /proc/$p/stat); kill $p; wait $p");

        // Both progress: the loop ends, and the spinner had a fair part of the CPU meanwhile (utime in 1/100 s).
        var spinnerSeconds = int.Parse(Regex.Match(shared, @"utime=(\d+)").Groups[1].Value, CultureInfo.InvariantCulture) / 100.0;
        Assert.True(spinnerSeconds > 0.25 * withSpinner && withSpinner < 8 * alone + 5,
            $"the loop took {alone:F2} s alone and {withSpinner:F2} s beside the spinner, which ran {spinnerSeconds:F2} s:\n{shared}");
        Assert.Equal("", _console.Run("pidof spin", CommandTimeout));
    }

    [GeneratedRegex(@"(?m)^rc=\d+ ([\d.]+) ([\d.]+)\s*$")]
    private static partial Regex TimingLine();

    [GeneratedRegex(@"spin\r?\n")]
    private static partial Regex EchoedSpin();

    [GeneratedRegex(@"(?m)^virt:/# ")]
    private static partial Regex DiskPrompt();
}
