using System.Diagnostics;
using System.Text;

namespace Benchmarks;

/// <summary>
/// A machine (QEMU or ours) run as a process with its serial console on stdin/stdout, as the
/// side-by-side benchmarks drive it: the console is read character by character (a shell prompt ends
/// no line), waits are bounded, and the process is killed on dispose if it is still running.
/// </summary>
public sealed class GuestProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Task _reader;
    private readonly string _name;
    private int _step;

    private readonly StringBuilder _errors = new();

    public GuestProcess(string[] command, string name, IReadOnlyDictionary<string, string?>? environment = null)
    {
        _name = name;
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in command[1..])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (variable, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[variable] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {command[0]}");
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
        _reader = Task.Run(() =>
        {
            var buffer = new char[4096];
            int count;
            while ((count = _process.StandardOutput.Read(buffer, 0, buffer.Length)) > 0)
            {
                lock (_output)
                {
                    _output.Append(buffer, 0, count);
                }
            }
        });
    }

    /// <summary>The machine's process id (for its CPU time in /proc).</summary>
    public int ProcessId => _process.Id;

    /// <summary>What the machine wrote on standard error so far.</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Characters read from the console so far.</summary>
    public int Length
    {
        get
        {
            lock (_output)
            {
                return _output.Length;
            }
        }
    }

    /// <summary>Waits for <paramref name="marker"/> after <paramref name="from"/>; returns the output in between.</summary>
    public string WaitFor(string marker, int from, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            lock (_output)
            {
                var text = _output.ToString(from, _output.Length - from);
                var at = text.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    return text[..at];
                }
            }

            Thread.Sleep(5);
        }

        throw new TimeoutException($"{_name}: '{marker}' did not appear within {timeout.TotalSeconds} s; last output: {Tail()}");
    }

    /// <summary>Types <paramref name="line"/> into the shell and returns what it printed, up to a marker echoed after it.</summary>
    public string Shell(string line, TimeSpan timeout)
    {
        var mark = Length;
        var marker = $"@@{++_step}@@";
        SendLine($"{line}; echo @@{_step}\"\"@@");
        return WaitFor(marker, mark, timeout);
    }

    public void SendLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for the machine to end by itself (the guest powered off).</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>The last characters of the console, for error messages.</summary>
    public string Tail()
    {
        lock (_output)
        {
            return _output.ToString(Math.Max(0, _output.Length - 800), Math.Min(800, _output.Length));
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _reader.Wait(5000);
        _process.Dispose();
    }
}
