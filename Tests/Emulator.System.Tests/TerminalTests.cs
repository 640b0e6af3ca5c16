using System.Diagnostics;

namespace Emulator.System.Tests;

/// <summary>
/// The console on a real terminal (a tmux pane), as a person uses it: raw mode while the guest runs,
/// Ctrl-A x typed on the keyboard quits, and the terminal is back in its normal mode afterwards.
/// </summary>
public sealed class TerminalTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new();
    private readonly string _session = $"emulator-test-{Environment.ProcessId}-{Guid.NewGuid():N}";

    public void Dispose()
    {
        Tmux("kill-session", "-t", _session);
        _folder.Dispose();
    }

    [Fact]
    public void OnATerminal_TheConsoleIsRawWhileTheGuestRuns_CtrlAXQuits_AndTheTerminalIsRestored()
    {
        TestEnvironment.RequireTool("tmux", "tmux");
        var elf = BareMetalGuest.Build(_folder, "wait", """
            main:
                adr x1, hello
                bl puts
                msr daifset, #0xf
            1:  wfi
                b 1b
            hello: .asciz "waiting\n"
            """);
        var ttyFile = Path.Combine(_folder.Path, "tty");
        var afterFile = Path.Combine(_folder.Path, "after");
        Tmux("new-session", "-d", "-s", _session, "-x", "120", "-y", "30", "bash --norc");
        Type($"tty > {ttyFile}; dotnet {TestEnvironment.EmulatorDll} -kernel {elf}; echo EXIT=$?; stty -a > {afterFile}", "Enter");
        WaitForPane("waiting");

        var tty = File.ReadAllText(ttyFile).Trim();
        var during = Run("stty", "-F", tty, "-a");
        Assert.Contains(" -icanon", during);
        Assert.Contains(" -echo ", during);

        Type("C-a");
        Type("x");
        WaitForPane("EXIT=0");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(afterFile) || new FileInfo(afterFile).Length == 0)
        {
            Assert.True(clock.Elapsed < Timeout, "the shell did not run stty after the emulator exited");
            Thread.Sleep(50);
        }

        var after = File.ReadAllText(afterFile);
        Assert.Contains(" icanon", after);
        Assert.Contains(" echo ", after);
    }

    private void Type(params string[] keys) => Tmux(["send-keys", "-t", _session, .. keys]);

    private void WaitForPane(string text)
    {
        var clock = Stopwatch.StartNew();
        string pane;
        do
        {
            pane = Run("tmux", "capture-pane", "-t", _session, "-p");
            if (pane.Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            Thread.Sleep(100);
        }
        while (clock.Elapsed < Timeout);
        Assert.Fail($"'{text}' did not appear on the terminal within {Timeout.TotalSeconds} s; the pane shows:\n{pane}");
    }

    private static void Tmux(params string[] arguments) => Run("tmux", arguments);

    private static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
