using System.Text;

namespace Emulator.Core.Debug;

/// <summary>
/// One gdb connection: reads packets, answers them from the target, and while the target runs waits for
/// its stop or for gdb's Ctrl-C (the byte 0x03). All-stop mode, one thread (thread id 1).
/// </summary>
public sealed class GdbSession
{
    /// <summary>The largest packet gdb may send us (hex): a G packet of every core and FP register fits.</summary>
    public const int PacketSize = 0x4000;

    private readonly IDebugTarget _target;
    private readonly Stream _stream;
    private readonly Func<int, bool> _waitReadable;
    private readonly byte[] _one = new byte[1];
    private bool _noAck;
    private bool _running;
    private StopEvent _lastStop = StopEvent.Trap;

    /// <param name="waitReadable">Waits up to the given milliseconds for input; true when a byte can be read.</param>
    public GdbSession(IDebugTarget target, Stream stream, Func<int, bool> waitReadable)
    {
        _target = target;
        _stream = stream;
        _waitReadable = waitReadable;
    }

    /// <summary>Serves the connection until gdb detaches, kills, or goes away. The target is stopped on entry.</summary>
    public void Run()
    {
        try
        {
            _lastStop = _target.Attach();
            while (true)
            {
                if (_running)
                {
                    if (!WaitWhileRunning())
                    {
                        return;
                    }

                    continue;
                }

                var packet = ReadPacket();
                if (packet == null)
                {
                    _target.Detach();
                    return;
                }

                if (!Handle(packet))
                {
                    return;
                }
            }
        }
        catch (IOException)
        {
            // gdb went away mid-packet: leave the machine running on its own.
            _target.Detach();
        }
    }

    /// <summary>Returns false when the session is over (the machine ended, or gdb went away).</summary>
    private bool WaitWhileRunning()
    {
        if (_target.WaitForStop(TimeSpan.FromMilliseconds(20)) is { } stop)
        {
            _running = false;
            _lastStop = stop;
            Send(stop.Reply());
            return !stop.Exited;
        }

        if (_waitReadable(0))
        {
            var b = ReadByte();
            if (b < 0)
            {
                _target.Detach();
                return false;
            }

            if (b == GdbPacket.Interrupt)
            {
                _target.Interrupt();
            }
        }

        return true;
    }

    private int ReadByte() => _stream.Read(_one, 0, 1) == 1 ? _one[0] : -1;

    /// <summary>The next packet's payload (unescaped only where a command says so), or null when gdb has gone.</summary>
    private string? ReadPacket()
    {
        while (true)
        {
            int b;
            do
            {
                b = ReadByte();
                if (b < 0)
                {
                    return null;
                }
            }
            while (b != '$');

            var body = new List<byte>();
            while ((b = ReadByte()) != '#')
            {
                if (b < 0)
                {
                    return null;
                }

                body.Add((byte)b);
            }

            var high = ReadByte();
            var low = ReadByte();
            if (low < 0)
            {
                return null;
            }

            var bytes = body.ToArray();
            if (_noAck || GdbPacket.ChecksumMatches(bytes, (byte)high, (byte)low))
            {
                if (!_noAck)
                {
                    _stream.WriteByte((byte)'+');
                }

                return Encoding.Latin1.GetString(bytes);
            }

            _stream.WriteByte((byte)'-');
        }
    }

    private void Send(string payload)
    {
        var frame = GdbPacket.Frame(payload);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            _stream.Write(frame);
            _stream.Flush();
            if (_noAck)
            {
                return;
            }

            int b;
            do
            {
                b = ReadByte();
            }
            while (b >= 0 && b != '+' && b != '-');

            if (b != '-')
            {
                return;
            }
        }
    }

    /// <summary>Answers one packet; false when the session ends with it.</summary>
    private bool Handle(string packet)
    {
        switch (packet)
        {
            case "?":
                Send(_lastStop.Reply());
                return true;
            case "g":
                Send(ReadAllRegisters());
                return true;
            case "qAttached" or "qAttached:1":
                Send("1");
                return true;
            case "qC":
                Send("QC01");
                return true;
            case "qfThreadInfo":
                Send("m01");
                return true;
            case "qsThreadInfo":
                Send("l");
                return true;
            case "vCont?":
                Send("vCont;c;C;s;S");
                return true;
            case "QStartNoAckMode":
                Send("OK");
                _noAck = true;
                return true;
            case "k":
                _target.Kill();
                return false;
        }

        if (packet.StartsWith("qSupported", StringComparison.Ordinal))
        {
            Send($"PacketSize={PacketSize:x};qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+;vContSupported+");
        }
        else if (packet.StartsWith("qXfer:features:read:", StringComparison.Ordinal))
        {
            Send(ReadFeatures(packet["qXfer:features:read:".Length..]));
        }
        else if (packet[0] is 'H' or 'T')
        {
            Send("OK");
        }
        else if (packet[0] == 'G')
        {
            Send(WriteAllRegisters(packet.AsSpan(1)));
        }
        else if (packet[0] == 'p')
        {
            Send(ReadRegister(packet.AsSpan(1)));
        }
        else if (packet[0] == 'P')
        {
            Send(WriteRegister(packet.AsSpan(1)));
        }
        else if (packet[0] == 'm')
        {
            Send(ReadMemory(packet.AsSpan(1)));
        }
        else if (packet[0] is 'M' or 'X')
        {
            Send(WriteMemory(packet[0] == 'X', packet[1..]));
        }
        else if (packet[0] is 'Z' or 'z')
        {
            Send(Breakpoint(packet[0] == 'Z', packet.AsSpan(1)));
        }
        else if (packet[0] is 'c' or 's' or 'C' or 'S')
        {
            var reply = ResumeAt(packet[0] is 's' or 'S', packet[0] is 'C' or 'S', packet.AsSpan(1));
            if (reply != null)
            {
                Send(reply);
            }
        }
        else if (packet.StartsWith("vCont;", StringComparison.Ordinal))
        {
            var step = ParseVCont(packet["vCont;".Length..]);
            if (step == null)
            {
                Send("E01");
            }
            else
            {
                Resume(step.Value);
            }
        }
        else if (packet[0] == 'D')
        {
            Send("OK");
            _target.Detach();
            return false;
        }
        else if (packet.StartsWith("vKill", StringComparison.Ordinal))
        {
            Send("OK");
            _target.Kill();
            return false;
        }
        else
        {
            // Unsupported: the empty reply, as the protocol asks.
            Send("");
        }

        return true;
    }

    private void Resume(bool step)
    {
        _running = true;
        _target.Resume(step);
    }

    /// <summary>c/s [addr] and C/S sig[;addr]: the signal is ignored (nothing to deliver on bare metal).</summary>
    private string? ResumeAt(bool step, bool withSignal, ReadOnlySpan<char> arguments)
    {
        if (withSignal)
        {
            var semicolon = arguments.IndexOf(';');
            arguments = semicolon < 0 ? [] : arguments[(semicolon + 1)..];
        }

        if (!arguments.IsEmpty)
        {
            if (!Hex.TryNumber(arguments, out var address))
            {
                return "E01";
            }

            Span<byte> pc = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(pc, address);
            _target.TryWriteRegister(Aarch64Registers.Pc, pc);
        }

        Resume(step);
        return null;
    }

    /// <summary>
    /// vCont actions (c, C sig, s, S sig, each optionally :thread): with one thread, the first action that
    /// applies to it decides. Returns whether to step, or null if malformed.
    /// </summary>
    public static bool? ParseVCont(string actions)
    {
        var list = actions.Split(';');
        if (list.Any(a => a.Length == 0))
        {
            return null;
        }

        foreach (var action in list)
        {
            var colon = action.IndexOf(':');
            var verb = colon < 0 ? action : action[..colon];
            var thread = colon < 0 ? null : action[(colon + 1)..];
            if (thread != null && thread is not ("-1" or "1" or "01" or "0") && !thread.EndsWith(".1", StringComparison.Ordinal)
                && !thread.EndsWith(".-1", StringComparison.Ordinal))
            {
                continue;
            }

            switch (verb[0])
            {
                case 'c' or 'C':
                    return false;
                case 's' or 'S':
                    return true;
                default:
                    return null;
            }
        }

        return null;
    }

    private string ReadAllRegisters()
    {
        var text = new StringBuilder(Aarch64Registers.GPacketSize * 2);
        Span<byte> buffer = stackalloc byte[16];
        for (var n = 0; n < Aarch64Registers.GPacketCount; n++)
        {
            var reg = Aarch64Registers.All[n];
            var value = buffer[..reg.Size];
            text.Append(_target.TryReadRegister(n, value) ? Hex.Encode(value) : new string('x', reg.Size * 2));
        }

        return text.ToString();
    }

    private string WriteAllRegisters(ReadOnlySpan<char> hex)
    {
        if (Hex.Decode(hex) is not { } data || data.Length < Aarch64Registers.GPacketSize)
        {
            return "E01";
        }

        var offset = 0;
        for (var n = 0; n < Aarch64Registers.GPacketCount; n++)
        {
            var size = Aarch64Registers.All[n].Size;
            _target.TryWriteRegister(n, data.AsSpan(offset, size));
            offset += size;
        }

        return "OK";
    }

    private string ReadRegister(ReadOnlySpan<char> number)
    {
        if (!Hex.TryNumber(number, out var n) || Aarch64Registers.Find((int)Math.Min(n, int.MaxValue)) is not { } reg)
        {
            return "E01";
        }

        Span<byte> value = stackalloc byte[reg.Size];
        return _target.TryReadRegister(reg.Number, value) ? Hex.Encode(value) : "E01";
    }

    private string WriteRegister(ReadOnlySpan<char> arguments)
    {
        var equals = arguments.IndexOf('=');
        if (equals < 0 || !Hex.TryNumber(arguments[..equals], out var n)
            || Aarch64Registers.Find((int)Math.Min(n, int.MaxValue)) is not { } reg
            || Hex.Decode(arguments[(equals + 1)..]) is not { } value || value.Length != reg.Size)
        {
            return "E01";
        }

        return _target.TryWriteRegister(reg.Number, value) ? "OK" : "E01";
    }

    /// <summary>Parses "ADDR,LENGTH" (the start of m, M, X and Z packets).</summary>
    public static bool TryParseRange(ReadOnlySpan<char> text, out ulong address, out ulong length)
    {
        address = 0;
        length = 0;
        var comma = text.IndexOf(',');
        return comma > 0 && Hex.TryNumber(text[..comma], out address) && Hex.TryNumber(text[(comma + 1)..], out length);
    }

    private string ReadMemory(ReadOnlySpan<char> arguments)
    {
        if (!TryParseRange(arguments, out var address, out var length))
        {
            return "E01";
        }

        var data = new byte[Math.Min(length, (PacketSize / 2) - 16)];
        return _target.TryReadMemory(address, data) ? Hex.Encode(data) : "E14";
    }

    private string WriteMemory(bool binary, string arguments)
    {
        var colon = arguments.IndexOf(':');
        if (colon < 0 || !TryParseRange(arguments.AsSpan(0, colon), out var address, out var length))
        {
            return "E01";
        }

        var data = binary
            ? GdbPacket.Unescape(Encoding.Latin1.GetBytes(arguments[(colon + 1)..]))
            : Hex.Decode(arguments.AsSpan(colon + 1));
        if (data == null || (ulong)data.Length != length)
        {
            return "E01";
        }

        return data.Length == 0 || _target.TryWriteMemory(address, data) ? "OK" : "E14";
    }

    private string Breakpoint(bool insert, ReadOnlySpan<char> arguments)
    {
        // TYPE,ADDR,KIND (KIND is the breakpoint's size, or the watched length); conditions after ';' are not supported.
        var semicolon = arguments.IndexOf(';');
        if (semicolon >= 0)
        {
            arguments = arguments[..semicolon];
        }

        var comma = arguments.IndexOf(',');
        if (comma != 1 || arguments[0] is < '0' or > '4' || !TryParseRange(arguments[2..], out var address, out var length))
        {
            return "E01";
        }

        var kind = (BreakpointKind)(arguments[0] - '0');
        var done = insert ? _target.InsertBreakpoint(kind, address, length) : _target.RemoveBreakpoint(kind, address, length);
        return done ? "OK" : "E01";
    }

    /// <summary>qXfer:features:read:ANNEX:OFFSET,LENGTH: 'm' and a piece, or 'l' and the last piece.</summary>
    private static string ReadFeatures(string arguments)
    {
        var colon = arguments.IndexOf(':');
        if (colon < 0 || arguments[..colon] != "target.xml")
        {
            return "E00";
        }

        if (!TryParseRange(arguments.AsSpan(colon + 1), out var offset, out var length))
        {
            return "E01";
        }

        var xml = Aarch64Registers.TargetXml;
        if (offset >= (ulong)xml.Length)
        {
            return "l";
        }

        var count = (int)Math.Min(length, (ulong)xml.Length - offset);
        var last = offset + (ulong)count >= (ulong)xml.Length;
        return (last ? "l" : "m") + xml.Substring((int)offset, count);
    }
}
