using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Kernel.Tests;

/// <summary>
/// Runs the kernel image on a machine that takes QEMU's options (qemu-system-aarch64 -M virt, or our
/// emulator; see <see cref="BootMachine"/>) with the serial console on stdio, and lets a test read
/// the console and type into it. Every wait is bounded; the process is killed on dispose.
/// A missing or failing machine is a test failure with the reason, never a skip.
/// </summary>
public sealed class QemuMachine : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _lock = new();
    private readonly StringBuilder _errors = new();
    private readonly string _name;

    public static string KernelBinDirectory =>
        typeof(QemuMachine).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "KernelBinDirectory").Value!;

    public static string ImagePath => Path.Combine(KernelBinDirectory, "Image");
    public static string ElfPath => Path.Combine(KernelBinDirectory, "kernel.elf");

    public QemuMachine(string bootArguments = "", string memory = "512M", params string[] extraOptions)
        : this(BootMachine.Qemu, bootArguments, memory, extraOptions)
    {
    }

    public QemuMachine(BootMachine machine, string bootArguments = "", string memory = "512M", params string[] extraOptions)
        : this(machine, OurKernelImage(), bootArguments, memory, extraOptions)
    {
    }

    /// <summary>Boots another kernel (Debian's Linux, say) on the machine, with the same console handling.</summary>
    public static QemuMachine WithKernel(BootMachine machine, string kernel, string bootArguments, string memory, params string[] extraOptions)
    {
        if (!File.Exists(kernel))
            throw new InvalidOperationException($"kernel image not found at {kernel}");
        return new QemuMachine(machine, kernel, bootArguments, memory, extraOptions);
    }

    private static string OurKernelImage() =>
        File.Exists(ImagePath) ? ImagePath : throw new InvalidOperationException($"kernel image not found at {ImagePath}: build Kernel/Kernel.csproj first");

    private QemuMachine(BootMachine machine, string kernel, string bootArguments, string memory, string[] extraOptions)
    {
        _name = machine.Name;
        ProcessStartInfo start = machine.StartInfo(memory, new[] { "-kernel", kernel, "-append", bootArguments }.Concat(extraOptions));
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException($"{machine.Name} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run {machine.Name} ({start.FileName}): {e.Message}{machine.InstallHint}", e);
        }
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_lock) _errors.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        // Character by character: the console prompt is not followed by a newline.
        _reader = new Thread(ReadConsole) { IsBackground = true, Name = "machine console" };
        _reader.Start();
    }

    private readonly Thread _reader;

    private void ReadConsole()
    {
        var buffer = new char[4096];
        StreamReader stdout = _process.StandardOutput;
        while (true)
        {
            int n;
            try
            {
                n = stdout.Read(buffer, 0, buffer.Length);
            }
            catch (Exception)
            {
                n = 0;
            }
            lock (_lock)
            {
                if (n > 0)
                    foreach (char c in buffer.AsSpan(0, n))
                        if (c != '\r')
                            _output.Append(c);
                Monitor.PulseAll(_lock);
            }
            if (n <= 0)
                return;
        }
    }

    public string Output
    {
        get { lock (_lock) return _output.ToString(); }
    }

    /// <summary>
    /// Waits for a match of <paramref name="pattern"/> (multiline: ^ and $ are line boundaries) at or after
    /// <paramref name="from"/>. Only complete lines are searched, so a line still being printed never
    /// matches half-way ("(?&lt;r&gt;\w+)$" must not see "y" of "yes"); the console prompt, which is not
    /// followed by a newline, is what <see cref="WaitForPrompt"/> is for.
    /// </summary>
    public Match WaitFor(string pattern, TimeSpan? timeout = null, int from = 0) => Wait(pattern, timeout, from, partialLine: false);

    /// <summary>Waits for the console prompt "&gt; " at the start of a line, at or after <paramref name="from"/>.</summary>
    public Match WaitForPrompt(TimeSpan? timeout = null, int from = 0) => Wait(@"^> ", timeout, from, partialLine: true);

    /// <summary>Waits for a shell prompt given as a pattern (another guest's, such as "^virt:/# "), which no newline follows.</summary>
    public Match WaitForShellPrompt(string pattern, TimeSpan? timeout = null, int from = 0) => Wait(pattern, timeout, from, partialLine: true);

    /// <summary>Waits until the machine has exited (the guest powered off) and its console is fully read.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout) && _reader.Join(timeout);

    public int ExitCode => _process.ExitCode;

    private Match Wait(string pattern, TimeSpan? timeout, int from, bool partialLine)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline);
        DateTime deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        lock (_lock)
        {
            while (true)
            {
                string text = _output.ToString();
                string searched = partialLine ? text : text[..(text.LastIndexOf('\n') + 1)];
                Match m = regex.Match(searched, Math.Min(from, searched.Length));
                if (m.Success)
                    return m;
                // Once the machine has exited and its output is fully read, nothing more will come.
                if (_process.HasExited && !_reader.IsAlive)
                {
                    m = regex.Match(text, Math.Min(from, text.Length));
                    if (m.Success)
                        return m;
                    throw new InvalidOperationException($"{_name} exited (code {_process.ExitCode}) before '{pattern}' appeared.\nstderr:\n{_errors}\nconsole:\n{text}");
                }
                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    throw new TimeoutException($"{_name}: '{pattern}' did not appear within {(timeout ?? DefaultTimeout).TotalSeconds} s.\nstderr:\n{_errors}\nconsole:\n{text}");
                Monitor.Wait(_lock, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }
    }

    public int OutputLength
    {
        get { lock (_lock) return _output.Length; }
    }

    /// <summary>Types a line on the serial console.</summary>
    public void SendLine(string line)
    {
        _process.StandardInput.Write(line + "\r");
        _process.StandardInput.Flush();
    }

    /// <summary>
    /// Types <paramref name="command"/> at a shell between two echoed markers and returns what it printed
    /// (the lines between them). A timeout whose typed line never came back whole says the console lost input.
    /// </summary>
    /// <remarks>
    /// The markers are typed with an empty quote inside (B''id, E''id), which the shell removes: only the
    /// shell's output has a marker alone on a line, never the echo of the typed line, wherever that echo is
    /// broken. It is broken in two ways: ash wraps its echo at column 80 (with the prompt "# ", a 55-character
    /// command put "E" first on the second screen line), and a line typed while the shell is starting is
    /// echoed by the terminal itself, where ash's banner ("...commands.\n\n") can come in the middle. Either
    /// left "E" and the id alone on a line, taken for the end of the output: the command's output was then
    /// returned empty (its begin marker came later).
    /// </remarks>
    public string RunShellCommand(string command, TimeSpan? timeout = null)
    {
        string id = Guid.NewGuid().ToString("N")[..8];
        int from = OutputLength;
        string line = $"echo B''{id}; {command}; echo E''{id}";
        SendLine(line);
        Match end;
        try
        {
            end = WaitFor($"^E{id}$", timeout ?? TimeSpan.FromSeconds(60), from);
        }
        catch (TimeoutException e)
        {
            // The shell echoes what it reads (wrapping at 80 columns): when the echo stops part-way,
            // the console lost the rest of the typed line, and the command never ran.
            string echoed = Output[Math.Min(from, OutputLength)..].Replace("\n", "");
            if (!echoed.Contains(line, StringComparison.Ordinal))
                throw new TimeoutException($"the console lost typed input: the shell never got the whole line \"{line}\" " +
                                           $"(the UART's input stopped; compare the echo at the end of the console)\n{e.Message}", e);
            throw;
        }
        // bash's readline ends its bracketed-paste mode (ESC [?2004l) just before the command's output
        // when the terminal is known to it, until the mode is turned off.
        Match begin = WaitFor($"^(?:\x1b\\[\\?2004l)?B{id}$", TimeSpan.FromSeconds(1), from);
        string output = Output;
        int start = begin.Index + begin.Length + 1;
        return start >= end.Index ? "" : output[start..end.Index];
    }

    /// <summary>
    /// Runs <paramref name="startUp"/> (the waits of a boot) and returns the machine; when it fails, ends the
    /// machine before passing the failure on, so that a boot that never finished (a panic, a timeout) leaves
    /// no emulator process running after the test.
    /// </summary>
    public QemuMachine StartedWith(Action<QemuMachine> startUp)
    {
        try
        {
            startUp(this);
            return this;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Ends the machine at once (SIGKILL), as a power cut would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>Types characters as they are (control characters included, no line end).</summary>
    public void SendRaw(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Flush();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
