using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Kernel.Tests;

/// <summary>
/// Runs the kernel image on qemu-system-aarch64 (-M virt, serial console on stdio) and lets a test
/// read the console and type into it. Every wait is bounded; the process is killed on dispose.
/// A missing or failing QEMU is a test failure with the reason, never a skip.
/// Set KERNEL_TEST_MACHINE to another executable that takes QEMU's options (our emulator) to run
/// the same tests there.
/// </summary>
public sealed class QemuMachine : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _lock = new();
    private readonly StringBuilder _errors = new();

    public static string KernelBinDirectory =>
        typeof(QemuMachine).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "KernelBinDirectory").Value!;

    public static string ImagePath => Path.Combine(KernelBinDirectory, "Image");
    public static string ElfPath => Path.Combine(KernelBinDirectory, "kernel.elf");

    public QemuMachine(string bootArguments = "", string memory = "512M", params string[] extraOptions)
    {
        if (!File.Exists(ImagePath))
            throw new InvalidOperationException($"kernel image not found at {ImagePath}: build Kernel/Kernel.csproj first");
        string machine = Environment.GetEnvironmentVariable("KERNEL_TEST_MACHINE") is { Length: > 0 } m ? m : "qemu-system-aarch64";
        var start = new ProcessStartInfo(machine)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-M", "virt", "-cpu", "cortex-a57", "-m", memory, "-nographic", "-nic", "none", "-no-reboot",
                     "-kernel", ImagePath, "-append", bootArguments }.Concat(extraOptions))
            start.ArgumentList.Add(a);
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException($"{machine} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run {machine} (install the qemu-system-arm package): {e.Message}", e);
        }
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_lock) _errors.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        // Character by character: the console prompt is not followed by a newline.
        _reader = new Thread(ReadConsole) { IsBackground = true, Name = "qemu console" };
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

    /// <summary>Waits for a line matching <paramref name="pattern"/> appearing at or after <paramref name="from"/>.</summary>
    public Match WaitFor(string pattern, TimeSpan? timeout = null, int from = 0)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline);
        DateTime deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        lock (_lock)
        {
            while (true)
            {
                string text = _output.ToString();
                Match m = regex.Match(text, Math.Min(from, text.Length));
                if (m.Success)
                    return m;
                if (_process.HasExited)
                    throw new InvalidOperationException($"QEMU exited (code {_process.ExitCode}) before '{pattern}' appeared.\nstderr:\n{_errors}\nconsole:\n{text}");
                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    throw new TimeoutException($"'{pattern}' did not appear within {(timeout ?? DefaultTimeout).TotalSeconds} s.\nstderr:\n{_errors}\nconsole:\n{text}");
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
