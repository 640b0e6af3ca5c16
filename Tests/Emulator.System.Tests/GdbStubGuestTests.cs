using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Emulator.System.Tests;

/// <summary>
/// The gdb stub spoken to directly (the protocol, from C#) against small bare-metal guests: Ctrl-C against a
/// guest that never waits (interrupts masked) stops it at the one place the host regains control (a virtual
/// timer register access, an exception entry) with its state consistent, and it resumes without replaying
/// anything: the digits it writes to the UART stay in sequence. Breakpoints stop every iteration, steps run one
/// instruction, -S holds the first one, and a power-off is reported as the guest's exit.
/// </summary>
public sealed class GdbStubGuestTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private const string Program = """
        main:
            ldr x2, =UART_DR
            mov x19, #0
            mov x6, #10
        loop:
            mrs x0, cntv_ctl_el0
            add x19, x19, #1
            udiv x4, x19, x6
            msub x5, x4, x6, x19
            add w5, w5, #'0'
            strb w5, [x2]
            mov x7, #2000
        1:  subs x7, x7, #1
            b.ne 1b
            b loop
        """;

    /// <summary>The same loop around an SVC, whose handler returns at once: the exception entry is the stop.</summary>
    private const string SvcProgram = """
        main:
            ldr x1, =handlers
            msr vbar_el1, x1
            isb
            ldr x2, =UART_DR
            mov x19, #0
            mov x6, #10
        loop:
            svc #0
            add x19, x19, #1
            udiv x4, x19, x6
            msub x5, x4, x6, x19
            add w5, w5, #'0'
            strb w5, [x2]
            mov x7, #2000
        1:  subs x7, x7, #1
            b.ne 1b
            b loop
            .ltorg
            .balign 2048
        handlers:
            .skip 0x200
        svc_handler:
            eret
        """;

    [Fact]
    public void Ctrl_C_stops_a_guest_at_a_timer_access_and_it_resumes_without_replays() =>
        AssertInterruptsWithoutReplays(Program, kernel => BareMetalGuest.Symbol(kernel, "loop") + 4);

    [Fact]
    public void Ctrl_C_stops_a_guest_at_an_exception_entry_and_it_resumes_without_replays() =>
        AssertInterruptsWithoutReplays(SvcProgram, kernel => BareMetalGuest.Symbol(kernel, "svc_handler"));

    private void AssertInterruptsWithoutReplays(string program, Func<string, ulong> stopAddress)
    {
        var kernel = BareMetalGuest.Build(_folder, "spin", program);
        var port = FreePort();
        using var console = GuestConsole.Start("-kernel", kernel, "-nic", "none", "-gdb", $"tcp:127.0.0.1:{port}");
        console.WaitFor("0123456789", TimeSpan.FromSeconds(30));
        using var client = new TcpClient("127.0.0.1", port);
        var stream = client.GetStream();
        stream.ReadTimeout = 30_000;
        // Connecting stops the guest.
        Assert.Equal("T02thread:01;", Exchange(stream, "?"));
        Assert.Equal("OK", Exchange(stream, "QStartNoAckMode"));
        var counts = new List<ulong>();
        for (var round = 0; round < 4; round++)
        {
            var pc = Register(stream, 32);
            // The one place the host regains control in the loop.
            Assert.Equal(stopAddress(kernel), pc);
            counts.Add(Register(stream, 19));
            Send(stream, "c");
            Thread.Sleep(200);
            stream.WriteByte(0x03);
            Assert.Equal("T02thread:01;", Receive(stream));
        }

        Assert.True(counts.Zip(counts.Skip(1)).All(p => p.Second > p.First), string.Join(", ", counts));
        Assert.Equal("OK", Exchange(stream, "D"));
        console.Mark();
        Thread.Sleep(200);
        console.Kill();

        // The UART saw each iteration's digit once: no access was replayed by a stop.
        var digits = console.Output[console.Output.IndexOf('1')..].TrimEnd();
        for (var i = 1; i < digits.Length; i++)
        {
            Assert.True(digits[i] == (char)('0' + ((digits[i - 1] - '0' + 1) % 10)),
                $"digit {i}: '{digits[i - 1]}' then '{digits[i]}' in ...{digits[Math.Max(0, i - 20)..Math.Min(digits.Length, i + 20)]}...");
        }
    }

    [Fact]
    public void A_breakpoint_stops_every_iteration_and_a_step_runs_one_instruction()
    {
        var kernel = BareMetalGuest.Build(_folder, "loop", Program);
        var loop = BareMetalGuest.Symbol(kernel, "loop");
        var port = FreePort();
        using var console = GuestConsole.Start("-kernel", kernel, "-nic", "none", "-S", "-gdb", $"tcp:127.0.0.1:{port}");
        using var client = Connect(port);
        var stream = client.GetStream();
        stream.ReadTimeout = 30_000;
        Assert.Equal("T05thread:01;", Exchange(stream, "?"));
        Assert.Equal("OK", Exchange(stream, "QStartNoAckMode"));
        Assert.Equal("OK", Exchange(stream, $"Z0,{loop:x},4"));
        Send(stream, "c");
        Assert.Equal("T05swbreak:;thread:01;", Receive(stream));
        Assert.Equal(loop, Register(stream, 32));
        var first = Register(stream, 19);
        for (var round = 1; round <= 3; round++)
        {
            // As gdb resumes from a breakpoint: remove it, step, put it back, continue.
            Assert.Equal("OK", Exchange(stream, $"z0,{loop:x},4"));
            Send(stream, "vCont;s:1");
            Assert.Equal("T05thread:01;", Receive(stream));
            Assert.Equal(loop + 4, Register(stream, 32));
            Assert.Equal(first + (ulong)round - 1, Register(stream, 19));
            Assert.Equal("OK", Exchange(stream, $"Z0,{loop:x},4"));
            Send(stream, "vCont;c");
            Assert.Equal("T05swbreak:;thread:01;", Receive(stream));
            Assert.Equal(loop, Register(stream, 32));
            Assert.Equal(first + (ulong)round, Register(stream, 19));
        }

        // A step from a breakpoint still set runs the instruction under it.
        Send(stream, "s");
        Assert.Equal("T05thread:01;", Receive(stream));
        Assert.Equal(loop + 4, Register(stream, 32));
        Assert.Equal("OK", Exchange(stream, "D"));
        console.WaitFor("0123456789", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_guest_that_powers_off_under_gdb_is_reported_as_exited()
    {
        var kernel = BareMetalGuest.Build(_folder, "off", "main:\n    bl system_off\n");
        var port = FreePort();
        using var console = GuestConsole.Start("-kernel", kernel, "-nic", "none", "-S", "-gdb", $"tcp:127.0.0.1:{port}");
        using var client = Connect(port);
        var stream = client.GetStream();
        stream.ReadTimeout = 30_000;
        // Halted before the first instruction, at the entry.
        Assert.Equal("T05thread:01;", Exchange(stream, "?"));
        Assert.Equal(BareMetalGuest.Symbol(kernel, "_start"), Register(stream, 32));
        Send(stream, "c");
        Assert.Equal("W00", Receive(stream));
        Assert.Equal(0, console.WaitForExit(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Connects once the emulator listens (it binds the port before the guest starts).</summary>
    private static TcpClient Connect(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return new TcpClient("127.0.0.1", port);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    private ulong Register(NetworkStream stream, int number)
    {
        var hex = Exchange(stream, $"p{number:x}");
        return BitConverter.ToUInt64(Convert.FromHexString(hex));
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private bool _ackMode = true;

    private string Exchange(NetworkStream stream, string packet)
    {
        var ack = _ackMode;
        Send(stream, packet);
        var reply = Receive(stream, ack);
        if (packet == "QStartNoAckMode")
        {
            _ackMode = false;
        }

        return reply;
    }

    private void Send(NetworkStream stream, string packet)
    {
        var sum = Encoding.ASCII.GetBytes(packet).Aggregate(0, (s, b) => (s + b) & 0xFF);
        stream.Write(Encoding.ASCII.GetBytes($"${packet}#{sum:x2}"));
        if (_ackMode)
        {
            Assert.Equal('+', (char)stream.ReadByte());
        }
    }

    private string Receive(NetworkStream stream, bool? ack = null)
    {
        int b;
        while ((b = stream.ReadByte()) != '$')
        {
            Assert.True(b >= 0, "the stub closed the connection");
        }

        var text = new StringBuilder();
        while ((b = stream.ReadByte()) != '#')
        {
            text.Append((char)b);
        }

        stream.ReadByte();
        stream.ReadByte();
        if (ack ?? _ackMode)
        {
            stream.WriteByte((byte)'+');
        }

        return text.ToString();
    }
}
