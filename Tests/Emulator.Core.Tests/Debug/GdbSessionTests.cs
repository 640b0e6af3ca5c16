using System.Buffers.Binary;
using System.Text;
using Emulator.Core.Debug;

namespace Emulator.Core.Tests.Debug;

/// <summary>The session against a scripted gdb (bytes in) and a fake target, reading the stub's replies (bytes out).</summary>
public class GdbSessionTests
{
    private sealed class FakeTarget : IDebugTarget
    {
        public readonly Dictionary<int, byte[]> Registers = [];
        public readonly byte[] Memory = new byte[0x100];
        public const ulong MemoryBase = 0x1000;
        public readonly List<string> Calls = [];

        public StopEvent Attach() => StopEvent.Trap;

        public bool TryReadRegister(int number, Span<byte> value)
        {
            if (Aarch64Registers.Find(number) is not { } reg)
            {
                return false;
            }

            value[..reg.Size].Clear();
            if (Registers.TryGetValue(number, out var bytes))
            {
                bytes.CopyTo(value);
            }

            return true;
        }

        public bool TryWriteRegister(int number, ReadOnlySpan<byte> value)
        {
            Registers[number] = value.ToArray();
            return true;
        }

        public bool TryReadMemory(ulong address, Span<byte> data)
        {
            if (address < MemoryBase || address - MemoryBase + (ulong)data.Length > (ulong)Memory.Length)
            {
                return false;
            }

            Memory.AsSpan((int)(address - MemoryBase), data.Length).CopyTo(data);
            return true;
        }

        public bool TryWriteMemory(ulong address, ReadOnlySpan<byte> data)
        {
            if (address < MemoryBase || address - MemoryBase + (ulong)data.Length > (ulong)Memory.Length)
            {
                return false;
            }

            data.CopyTo(Memory.AsSpan((int)(address - MemoryBase)));
            return true;
        }

        public bool InsertBreakpoint(BreakpointKind kind, ulong address, ulong length)
        {
            Calls.Add($"insert {kind} {address:x} {length}");
            return true;
        }

        public bool RemoveBreakpoint(BreakpointKind kind, ulong address, ulong length)
        {
            Calls.Add($"remove {kind} {address:x} {length}");
            return true;
        }

        public void Resume(bool step) => Calls.Add(step ? "step" : "continue");

        public void Interrupt() => Calls.Add("interrupt");

        public StopEvent? WaitForStop(TimeSpan timeout) => Calls.Count > 0 && Calls[^1] is "step" or "interrupt" ? StopEvent.Trap : null;

        public void Detach() => Calls.Add("detach");

        public void Kill() => Calls.Add("kill");
    }

    /// <summary>Runs the session over <paramref name="input"/> (what gdb sends) and returns the replies' payloads.</summary>
    private static List<string> Converse(FakeTarget target, byte[] input)
    {
        var output = new MemoryStream();
        var stream = new ScriptedStream(new MemoryStream(input), output);
        new GdbSession(target, stream, _ => stream.HasInput).Run();
        var replies = new List<string>();
        var text = Encoding.Latin1.GetString(output.ToArray());
        for (var at = text.IndexOf('$'); at >= 0; at = text.IndexOf('$', at + 1))
        {
            var end = text.IndexOf('#', at);
            replies.Add(text[(at + 1)..end]);
            Assert.Equal($"{GdbPacket.Checksum(Encoding.Latin1.GetBytes(text[(at + 1)..end])):x2}", text.Substring(end + 1, 2));
            at = end;
        }

        return replies;
    }

    private static byte[] Packets(params string[] payloads) =>
        [.. payloads.SelectMany(p => GdbPacket.Frame(Encoding.Latin1.GetBytes(p)).Concat("+"u8.ToArray()))];

    private static byte[] NoAck(params string[] payloads) =>
        [.. Packets("QStartNoAckMode").Concat(payloads.SelectMany(p => GdbPacket.Frame(Encoding.Latin1.GetBytes(p))))];

    [Fact]
    public void Capabilities_thread_queries_and_unknown_packets()
    {
        var replies = Converse(new FakeTarget(), Packets("qSupported:multiprocess+;swbreak+", "?", "qAttached", "qC", "qfThreadInfo",
            "qsThreadInfo", "Hg0", "vCont?", "qTStatus", "vMustReplyEmpty"));
        Assert.Contains("PacketSize=4000", replies[0]);
        Assert.Contains("qXfer:features:read+", replies[0]);
        Assert.Contains("QStartNoAckMode+", replies[0]);
        Assert.Equal(["T05thread:01;", "1", "QC01", "m01", "l", "OK", "vCont;c;C;s;S", "", ""], replies[1..]);
    }

    [Fact]
    public void Acks_each_good_packet_and_naks_a_bad_checksum()
    {
        var input = Encoding.Latin1.GetBytes("$qC#00").Concat(Packets("qC")).ToArray();
        var output = new MemoryStream();
        var stream = new ScriptedStream(new MemoryStream(input), output);
        new GdbSession(new FakeTarget(), stream, _ => stream.HasInput).Run();
        Assert.StartsWith("-+$QC01#", Encoding.Latin1.GetString(output.ToArray()));
    }

    [Fact]
    public void The_target_description_is_read_in_pieces()
    {
        var replies = Converse(new FakeTarget(), Packets("qXfer:features:read:target.xml:0,20", "qXfer:features:read:target.xml:20,100000",
            "qXfer:features:read:other.xml:0,10"));
        Assert.Equal('m', replies[0][0]);
        Assert.Equal('l', replies[1][0]);
        Assert.Equal(Aarch64Registers.TargetXml, replies[0][1..] + replies[1][1..]);
        Assert.StartsWith("E", replies[2]);
    }

    [Fact]
    public void Registers_read_and_write_one_at_a_time_and_all_at_once()
    {
        var target = new FakeTarget();
        target.Registers[32] = BitConverter.GetBytes(0xffffff8000000040UL);
        var replies = Converse(target, NoAck("p20", "P1=0807060504030201", "p1", "p21", "p1000", "g"));
        Assert.Equal("4000000080ffffff", replies[1]);
        Assert.Equal(["OK", "0807060504030201"], replies[2..4]);
        Assert.Equal(new string('0', 8), replies[4]);
        Assert.StartsWith("E", replies[5]);
        Assert.Equal(Aarch64Registers.GPacketSize * 2, replies[6].Length);
        Assert.Equal("0807060504030201", replies[6][16..32]);
        Assert.Equal("4000000080ffffff", replies[6][(32 * 16)..(33 * 16)]);

        var all = new string('0', Aarch64Registers.GPacketSize * 2).ToCharArray();
        "1122334455667788".CopyTo(0, all, 0, 16);
        replies = Converse(target, NoAck("G" + new string(all)));
        Assert.Equal("OK", replies[1]);
        Assert.Equal(0x8877665544332211UL, BinaryPrimitives.ReadUInt64LittleEndian(target.Registers[0]));
    }

    [Fact]
    public void Memory_reads_and_writes_in_hex_and_binary_with_errors_where_nothing_is_mapped()
    {
        var target = new FakeTarget();
        var replies = Converse(target, NoAck("M1000,4:deadbeef", "m1000,4", "m2000,4", "M2000,1:00", "X1004,0:", "M1000,4:zz", "M1000,2:aa"));
        Assert.Equal(["OK", "deadbeef", "E14", "E14", "OK", "E01", "E01"], replies[1..]);
        // X carries escaped binary: '}' (0x7d) arrives as "}]" and '$' (0x24) as "}\x04".
        byte[] body = [.. "X1004,3:"u8, (byte)'}', 0x5d, (byte)'}', 0x04, (byte)'A'];
        byte[] frame = [(byte)'$', .. body, (byte)'#', .. Encoding.ASCII.GetBytes($"{GdbPacket.Checksum(body):x2}")];
        replies = Converse(target, [.. Packets("QStartNoAckMode"), .. frame]);
        Assert.Equal("OK", replies[1]);
        Assert.Equal(new byte[] { 0xde, 0xad, 0xbe, 0xef, 0x7d, 0x24, 0x41 }, target.Memory[..7]);
    }

    [Fact]
    public void Breakpoints_and_watchpoints_go_to_the_target()
    {
        var target = new FakeTarget();
        var replies = Converse(target, NoAck("Z0,ffffff8000000040,4", "z0,ffffff8000000040,4", "Z1,40000000,4", "Z2,1000,8",
            "Z3,1000,4", "Z4,1000,1", "Z5,1000,1", "Z0,zz,4"));
        Assert.Equal(["OK", "OK", "OK", "OK", "OK", "OK", "E01", "E01"], replies[1..]);
        Assert.Equal(["insert Software ffffff8000000040 4", "remove Software ffffff8000000040 4", "insert Hardware 40000000 4",
            "insert WriteWatch 1000 8", "insert ReadWatch 1000 4", "insert AccessWatch 1000 1"], target.Calls.Take(6));
    }

    [Fact]
    public void Step_reports_the_stop_and_Ctrl_C_interrupts_a_running_target()
    {
        var target = new FakeTarget();
        var input = NoAck("vCont;s:1", "c").Concat(new byte[] { GdbPacket.Interrupt }).Concat(GdbPacket.Frame("D")).ToArray();
        var replies = Converse(target, input);
        Assert.Equal(["T05thread:01;", "T05thread:01;", "OK"], replies[1..]);
        Assert.Equal(["step", "continue", "interrupt", "detach"], target.Calls);
    }

    [Fact]
    public void Continue_at_an_address_sets_pc_first_and_kill_ends_the_session()
    {
        var target = new FakeTarget();
        Converse(target, NoAck("s40000000", "k", "?"));
        Assert.Equal(0x40000000UL, BinaryPrimitives.ReadUInt64LittleEndian(target.Registers[32]));
        Assert.Equal(["step", "kill"], target.Calls);
    }

    /// <summary>gdb's side of the connection: scripted input, captured output.</summary>
    private sealed class ScriptedStream(MemoryStream input, MemoryStream output) : Stream
    {
        public bool HasInput => input.Position < input.Length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);
    }
}
