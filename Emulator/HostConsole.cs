using System.Runtime.InteropServices;
using Emulator.Core.Board;
using Emulator.Core.Cpu;

namespace Emulator;

/// <summary>
/// The serial console on the host's standard streams. On a terminal, raw mode while the guest runs (restored
/// on every way out); with pipes or files, the same minus raw mode. End of input is not a reason to stop the
/// guest. Ctrl-A starts an escape as in QEMU: Ctrl-A x quits, Ctrl-A h helps, Ctrl-A Ctrl-A sends Ctrl-A.
/// </summary>
public sealed partial class HostConsole : IDisposable
{
    private const byte CtrlA = 0x01;

    private readonly Stream _stdout = Console.OpenStandardOutput();
    private readonly object _outputGate = new();
    private readonly byte[] _pending = new byte[1 << 16];
    private int _pendingLength;
    private readonly Thread _flusher;
    private volatile bool _disposed;
    private byte[]? _savedTermios;
    private VirtMachine? _machine;
    private bool _escape;
    private readonly List<PosixSignalRegistration> _signals = [];

    public HostConsole()
    {
        if (isatty(0) == 1)
        {
            EnterRawMode();
        }

        _flusher = new Thread(FlushLoop) { IsBackground = true, Name = "console output" };
        _flusher.Start();
        var input = new Thread(InputLoop) { IsBackground = true, Name = "console input" };
        input.Start();
    }

    public bool IsRaw => _savedTermios != null;

    /// <summary>Connects the console to a (new) machine; input typed before then waits.</summary>
    public void Attach(VirtMachine machine)
    {
        machine.SerialOutput = Write;
        lock (_outputGate)
        {
            _machine = machine;
            Monitor.PulseAll(_outputGate);
        }
    }

    /// <summary>A line from the emulator itself (not the guest), on standard error.</summary>
    public void Message(string text)
    {
        Flush();
        Console.Error.Write(text + (IsRaw ? "\r\n" : "\n"));
    }

    private void Write(byte b)
    {
        lock (_outputGate)
        {
            if (_pendingLength == _pending.Length)
            {
                FlushLocked();
            }

            _pending[_pendingLength++] = b;
            if (_pendingLength == 1)
            {
                Monitor.PulseAll(_outputGate);
            }
        }
    }

    /// <summary>Guest output is written in batches: at most a couple of milliseconds after the first byte.</summary>
    private void FlushLoop()
    {
        lock (_outputGate)
        {
            while (!_disposed)
            {
                if (_pendingLength == 0)
                {
                    Monitor.Wait(_outputGate);
                    continue;
                }

                Monitor.Wait(_outputGate, 2);
                FlushLocked();
            }
        }
    }

    public void Flush()
    {
        lock (_outputGate)
        {
            FlushLocked();
        }
    }

    private void FlushLocked()
    {
        if (_pendingLength == 0)
        {
            return;
        }

        try
        {
            _stdout.Write(_pending, 0, _pendingLength);
            _stdout.Flush();
        }
        catch (IOException)
        {
            // The reader went away (a closed pipe): the guest keeps running, its output is dropped.
        }

        _pendingLength = 0;
    }

    /// <summary>
    /// Reads file descriptor 0 with read(2) itself: on a terminal, .NET's Console input stream runs its own
    /// line editor, which swallows control characters such as Ctrl-A.
    /// </summary>
    private void InputLoop()
    {
        var buffer = new byte[4096];
        while (!_disposed)
        {
            var n = ReadStdin(buffer);
            if (n <= 0)
            {
                return; // end of input (or an error): the guest goes on without a keyboard
            }

            Forward(buffer.AsSpan(0, n));
        }
    }

    private const int Eintr = 4;

    private static unsafe int ReadStdin(byte[] buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = (int)read(0, p, (nuint)buffer.Length);
                if (n >= 0 || Marshal.GetLastPInvokeError() != Eintr)
                {
                    return n;
                }
            }
        }
    }

    /// <summary>Whether <paramref name="bytes"/> hold Ctrl-A x, given the escape state before them.</summary>
    private bool ContainsQuit(ReadOnlySpan<byte> bytes)
    {
        var escape = _escape;
        foreach (var b in bytes)
        {
            if (escape)
            {
                if (b == (byte)'x')
                {
                    return true;
                }

                escape = false;
            }
            else
            {
                escape = b == CtrlA;
            }
        }

        return false;
    }

    /// <summary>
    /// Hands the bytes to the guest's UART, waiting while the guest does not drain it: input is read from
    /// fd 0 no faster than the guest takes it (QEMU's back-pressure). Ctrl-A x in the same read quits at
    /// once, even when the bytes before it cannot be delivered.
    /// </summary>
    private void Forward(ReadOnlySpan<byte> bytes)
    {
        var machine = WaitForMachine();
        if (ContainsQuit(bytes))
        {
            Message("emulator: terminated (Ctrl-A x)");
            machine.RequestExit(MachineExit.Quit);
            return;
        }

        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (!_escape && b != CtrlA)
            {
                continue;
            }

            machine.SendSerialInput(bytes[start..i]);
            start = i + 1;
            if (!_escape)
            {
                _escape = true;
                continue;
            }

            _escape = false;
            switch (b)
            {
                case (byte)'x':
                    Message("emulator: terminated (Ctrl-A x)");
                    machine.RequestExit(MachineExit.Quit);
                    return;
                case (byte)'h':
                    Message("Ctrl-A x: quit; Ctrl-A h: this help; Ctrl-A Ctrl-A: send Ctrl-A");
                    break;
                case CtrlA:
                    machine.SendSerialInput([CtrlA]);
                    break;
            }
        }

        machine.SendSerialInput(bytes[start..]);
    }

    private VirtMachine WaitForMachine()
    {
        lock (_outputGate)
        {
            while (_machine == null)
            {
                Monitor.Wait(_outputGate);
            }

            return _machine;
        }
    }

    private void EnterRawMode()
    {
        var saved = new byte[TermiosSize];
        if (tcgetattr(0, saved) != 0)
        {
            return;
        }

        var raw = (byte[])saved.Clone();
        cfmakeraw(raw);
        if (tcsetattr(0, TcsaNow, raw) != 0)
        {
            return;
        }

        _savedTermios = saved;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RestoreTerminal();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => RestoreTerminal();
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, _ => RestoreTerminal()));
        }
    }

    public void RestoreTerminal()
    {
        var saved = Interlocked.Exchange(ref _savedTermios, null);
        if (saved != null)
        {
            Flush();
            tcsetattr(0, TcsaNow, saved);
        }
    }

    public void Dispose()
    {
        Flush();
        RestoreTerminal();
        lock (_outputGate)
        {
            _disposed = true;
            Monitor.PulseAll(_outputGate);
        }

        foreach (var registration in _signals)
        {
            registration.Dispose();
        }
    }

    // struct termios is 60 bytes on x86-64 glibc; the buffer is larger so the exact size never matters.
    private const int TermiosSize = 256;
    private const int TcsaNow = 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int isatty(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcgetattr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcsetattr(int fd, int optionalActions, byte[] termios);

    [LibraryImport("libc")]
    private static partial void cfmakeraw(byte[] termios);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint read(int fd, byte* buffer, nuint count);
}
