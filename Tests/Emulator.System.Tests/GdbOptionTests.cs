using System.Net;
using System.Net.Sockets;

namespace Emulator.System.Tests;

/// <summary>
/// QEMU's debugger options: -s (-gdb tcp::1234), -S, -gdb tcp:[HOST]:PORT; other -gdb forms, and a port
/// that cannot be bound, are one line on standard error and exit status 1 before any guest runs.
/// </summary>
public sealed class GdbOptionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Dash_s_listens_on_localhost_port_1234()
    {
        var options = Options.Parse(["-s"]);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 1234), options.Gdb);
        Assert.False(options.HaltAtStart);
    }

    [Fact]
    public void Dash_S_halts_the_cpu_at_start()
    {
        Assert.True(Options.Parse(["-S", "-s"]).HaltAtStart);
        Assert.Null(Options.Parse([]).Gdb);
    }

    [Theory]
    [InlineData("tcp::2345", "127.0.0.1", 2345)]
    [InlineData("tcp:localhost:2345", "127.0.0.1", 2345)]
    [InlineData("tcp:0.0.0.0:1", "0.0.0.0", 1)]
    [InlineData("tcp:127.0.0.2:65535", "127.0.0.2", 65535)]
    public void Gdb_takes_tcp_host_and_port(string value, string host, int port) =>
        Assert.Equal(new IPEndPoint(IPAddress.Parse(host), port), Options.Parse(["-gdb", value]).Gdb);

    [Theory]
    [InlineData("stdio")]
    [InlineData("udp::1234")]
    [InlineData("tcp::")]
    [InlineData("tcp::0")]
    [InlineData("tcp::65536")]
    [InlineData("tcp:1234")]
    [InlineData("tcp:no-such-host:1234")]
    [InlineData("tcp::12x")]
    public void Other_gdb_devices_are_refused_in_one_line(string value)
    {
        var e = Assert.Throws<UsageException>(() => Options.Parse(["-gdb", value]));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(value, e.Message);
        Assert.Contains("tcp:[HOST]:PORT", e.Message);
    }

    [Fact]
    public void Dash_S_without_a_stub_is_refused_as_nothing_could_start_the_cpu()
    {
        var e = Assert.Throws<UsageException>(() => Options.Parse(["-S"]));
        Assert.Contains("-S needs a gdb stub", e.Message);
    }

    [Fact]
    public void The_emulator_refuses_a_bad_gdb_device_with_one_line_and_status_1() =>
        OptionAssert.Refused(["-gdb", "unix:/tmp/gdb.sock"], "-gdb 'unix:/tmp/gdb.sock'");

    [Fact]
    public void A_gdb_port_in_use_is_one_line_and_status_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var kernel = BareMetalGuest.Build(_folder, "tiny", "main:\n    bl system_off\n");
        OptionAssert.Refused(["-kernel", kernel, "-gdb", $"tcp::{port}"], "gdb stub", port.ToString());
    }
}
