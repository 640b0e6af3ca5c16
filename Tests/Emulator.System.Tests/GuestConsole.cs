using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Emulator.System.Tests;

/// <summary>
/// The emulator as a person at a terminal sees it: a process started with command-line options, its
/// standard output (the guest's serial console) and standard error (the emulator's own messages), and a
/// keyboard on its standard input. Every wait is bounded; a timeout's message carries the last 2 KB of
/// output. Disposing kills the process if it is still running.
/// </summary>
public sealed partial class GuestConsole : IDisposable
{
    /// <summary>Busybox ash's prompt in the default guest, at the start of a line.</summary>
    public static readonly Regex ShellPrompt = ShellPromptPattern();

    /// <summary>Busybox ash asks the terminal for the cursor position after each prompt; nobody answers.</summary>
    private const string CursorPositionQuery = "\u001b[6n";

    private const int TailLength = 2048;

    private readonly Process _process;
    private readonly object _gate = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private bool _stdoutClosed;
    private int _mark;

    private GuestConsole(Process process)
    {
        _process = process;
        // Latin-1 maps every byte to one char, so the console's raw bytes survive unchanged.
        _stdoutPump = Task.Run(() => Pump(process.StandardOutput.BaseStream, _stdout, isStdout: true));
        _stderrPump = Task.Run(() => Pump(process.StandardError.BaseStream, _stderr, isStdout: false));
    }

    /// <summary>Starts `dotnet Emulator.dll` with QEMU-style arguments (none boots the default guest).</summary>
    public static GuestConsole Start(params string[] arguments) => StartWith(new Dictionary<string, string?>(), arguments);

    /// <summary>
    /// As <see cref="Start"/>, with <paramref name="environment"/> set (a null value removes a variable). Without
    /// it there is no display server: a window appears only where a test asks for one.
    /// </summary>
    public static GuestConsole StartWith(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(TestEnvironment.EmulatorDll);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Diagnostics switched on in the developer's shell would add lines to standard error.
        startInfo.Environment.Remove("VIRT_EMULATOR_TRACE");
        startInfo.Environment.Remove("DISPLAY");
        startInfo.Environment.Remove("WAYLAND_DISPLAY");
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start dotnet");
        return new GuestConsole(process);
    }

    /// <summary>
    /// Starts QEMU's own `virt` board (the reference) with the emulator's defaults (cortex-a57, 512 MiB,
    /// the serial console on standard input and output, no network) and <paramref name="arguments"/>.
    /// </summary>
    public static GuestConsole StartQemu(params string[] arguments)
    {
        var qemu = TestEnvironment.RequireTool("qemu-system-aarch64", "qemu-system-arm");
        var startInfo = new ProcessStartInfo(qemu)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-M", "virt", "-cpu", "cortex-a57", "-m", "512M", "-nographic", "-nic", "none", .. arguments])
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {qemu}");
        return new GuestConsole(process);
    }

    /// <summary>Everything the guest has printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Everything the emulator has written to standard error so far.</summary>
    public string Errors
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Forgets the output so far: the next <see cref="WaitFor(string, TimeSpan)"/> looks only at what comes next.</summary>
    public void Mark()
    {
        lock (_gate)
        {
            _mark = _stdout.Length;
        }
    }

    /// <summary>Waits for <paramref name="text"/>; returns the output from the last mark through it, and marks after it.</summary>
    public string WaitFor(string text, TimeSpan timeout) =>
        WaitFor($"\"{Printable(text)}\"", (output, start) =>
        {
            var at = output.IndexOf(text, start, StringComparison.Ordinal);
            return at < 0 ? -1 : at + text.Length;
        }, timeout);

    /// <summary>Waits for a match of <paramref name="pattern"/>; returns the output from the last mark through it, and marks after it.</summary>
    public string WaitFor(Regex pattern, TimeSpan timeout) =>
        WaitFor($"/{pattern}/", (output, start) =>
        {
            var match = pattern.Match(output, start);
            return match.Success ? match.Index + match.Length : -1;
        }, timeout);

    private string WaitFor(string what, Func<string, int, int> find, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        lock (_gate)
        {
            while (true)
            {
                var output = _stdout.ToString();
                var end = find(output, _mark);
                if (FailOn?.Match(output, _mark) is { Success: true } failure && (end < 0 || failure.Index < end))
                {
                    throw new GuestFailureException(DescribeFailure(what, failure.Index));
                }

                if (end >= 0)
                {
                    var result = output[_mark..end];
                    _mark = end;
                    return result;
                }

                if (_stdoutClosed)
                {
                    throw new TimeoutException(Describe($"the emulator ended its output (exit code {ExitCodeText()}) without printing {what}"));
                }

                var remaining = timeout - deadline.Elapsed;
                if (remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException(Describe($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}"));
                }

                Monitor.Wait(_gate, remaining);
            }
        }
    }

    /// <summary>
    /// Output that means the guest has failed (a kernel oops, say): a wait that sees it ends at once with
    /// the report, instead of running into its timeout.
    /// </summary>
    public Regex? FailOn { get; set; }

    /// <summary>Called under the lock: lets the guest finish its report (up to 2 s), then quotes it.</summary>
    private string DescribeFailure(string what, int at)
    {
        var settle = Stopwatch.StartNew();
        var length = _stdout.Length;
        while (settle.Elapsed < TimeSpan.FromSeconds(2) && !_stdoutClosed)
        {
            Monitor.Wait(_gate, TimeSpan.FromMilliseconds(300));
            if (_stdout.Length == length)
            {
                break;
            }

            length = _stdout.Length;
        }

        // About 1 KB of what came before, from the start of a line.
        var output = _stdout.ToString();
        var start = Math.Max(0, at - 1024);
        var lineStart = output.IndexOf('\n', start, at - start);
        start = lineStart >= 0 ? lineStart + 1 : start;
        var report = output.Substring(start, Math.Min(output.Length - start, 4096));
        return $"the guest printed /{FailOn}/ while we waited for {what}:\n{Printable(report)}\n" +
            $"--- last 2 KB of standard error ---\n{Printable(Tail(_stderr))}";
    }

    /// <summary>Types a line on the console and presses Enter (sent as a line feed).</summary>
    public void Type(string line) => Send(Encoding.Latin1.GetBytes(line + "\n"));

    /// <summary>Sends raw bytes to the console, such as Ctrl-A x.</summary>
    public void Send(params byte[] bytes)
    {
        var stdin = _process.StandardInput.BaseStream;
        stdin.Write(bytes);
        stdin.Flush();
    }

    /// <summary>Ends standard input, as when a pipe's writer goes away.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>
    /// Runs a shell command at the prompt and returns what it printed: without the echoed command line, the
    /// next prompt, carriage returns or the shell's cursor queries, and without the final line feed.
    /// </summary>
    public string Run(string command, TimeSpan timeout)
    {
        Mark();
        Type(command);
        var output = WaitFor(ShellPrompt, timeout).Replace(CursorPositionQuery, "", StringComparison.Ordinal)
            .Replace("\r", "", StringComparison.Ordinal);
        var prompt = ShellPrompt.Match(output);
        output = output[..prompt.Index];
        var echoEnd = EchoEnd(output, command);
        if (echoEnd >= 0)
        {
            output = output[echoEnd..];
        }

        return output.TrimEnd('\n');
    }

    /// <summary>
    /// Where the shell's echo of <paramref name="command"/> ends in <paramref name="output"/> (after its line
    /// feed), or -1. Busybox ash wraps a long line at the terminal's 80 columns, so the echo may carry line
    /// feeds of its own.
    /// </summary>
    private static int EchoEnd(string output, string command)
    {
        var exact = output.IndexOf(command + "\n", StringComparison.Ordinal);
        if (exact >= 0)
        {
            return exact + command.Length + 1;
        }

        for (var start = output.IndexOf(command[0]); start >= 0; start = output.IndexOf(command[0], start + 1))
        {
            var i = start;
            var j = 0;
            while (i < output.Length && j < command.Length)
            {
                if (output[i] == command[j])
                {
                    j++;
                }
                else if (output[i] != '\n')
                {
                    break;
                }

                i++;
            }

            if (j == command.Length && i < output.Length && output[i] == '\n')
            {
                return i + 1;
            }
        }

        return -1;
    }

    /// <summary>Waits for the emulator to exit and for its output to be read to the end; returns the exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException(Describe($"the emulator did not exit within {timeout.TotalSeconds:0.#} s"));
        }

        if (!Task.WaitAll([_stdoutPump, _stderrPump], TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException(Describe("the emulator exited but its output streams stayed open"));
        }

        return _process.ExitCode;
    }

    private string ExitCodeText() => _process.HasExited ? _process.ExitCode.ToString(global::System.Globalization.CultureInfo.InvariantCulture) : "still running";

    /// <summary>A failure message with the last 2 KB of standard output and of standard error.</summary>
    public string Describe(string problem)
    {
        lock (_gate)
        {
            return $"{problem}\n--- last 2 KB of output ---\n{Printable(Tail(_stdout))}\n--- last 2 KB of standard error ---\n{Printable(Tail(_stderr))}";
        }
    }

    private static string Tail(StringBuilder text) =>
        text.Length <= TailLength ? text.ToString() : text.ToString(text.Length - TailLength, TailLength);

    private static string Printable(string text) =>
        text.Replace("\r", "", StringComparison.Ordinal).Replace("\u001b", "\\e", StringComparison.Ordinal);

    private async Task Pump(Stream stream, StringBuilder sink, bool isStdout)
    {
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                var text = Encoding.Latin1.GetString(buffer, 0, n);
                lock (_gate)
                {
                    sink.Append(text);
                    Monitor.PulseAll(_gate);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process was killed while we read.
        }
        finally
        {
            lock (_gate)
            {
                if (isStdout)
                {
                    _stdoutClosed = true;
                }

                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Kills the emulator at once (SIGKILL), as a power cut would stop a machine, and waits for it to be gone.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        _process.Dispose();
    }

    [GeneratedRegex("(?m)^/ # ")]
    private static partial Regex ShellPromptPattern();
}
