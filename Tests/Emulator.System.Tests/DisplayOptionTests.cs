using System.Net;
using System.Net.Sockets;

namespace Emulator.System.Tests;

/// <summary>
/// The display options as users type them (QEMU's -device ramfb, -display, -nographic, -qmp): what they make, and
/// mistakes refused with one line on standard error and exit status 1 before any guest runs.
/// </summary>
public sealed class DisplayOptionTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string TinyGuest() => BareMetalGuest.Build(_folder, "tiny", "main:\n    bl system_off\n");

    [Fact]
    public void DeviceRamfb_AddsTheFramebuffer_AndTheDisplayIsLeftToTheDefault()
    {
        Assert.False(Options.Parse([]).Ramfb);
        Assert.True(Options.Parse(["-device", "ramfb"]).Ramfb);
        Assert.True(Options.Parse(["-device", "driver=ramfb"]).Ramfb);
        Assert.Equal(DisplayKind.Default, Options.Parse([]).Display);
    }

    [Fact]
    public void DisplayNoneAndSdl_AreParsed_AndNographicMeansNone()
    {
        Assert.Equal(DisplayKind.None, Options.Parse(["-display", "none"]).Display);
        Assert.Equal(DisplayKind.Sdl, Options.Parse(["-display", "sdl"]).Display);
        Assert.Equal(DisplayKind.None, Options.Parse(["-display", "sdl", "-nographic"]).Display);
        Assert.Equal(DisplayKind.Sdl, Options.Parse(["-nographic", "-display", "sdl"]).Display);
    }

    [Fact]
    public void Qmp_TakesQemusUnixAndTcpSpellings()
    {
        var unix = Assert.Single(Options.Parse(["-qmp", "unix:/tmp/q.sock,server=on,wait=off"]).Qmp);
        Assert.Equal("/tmp/q.sock", unix.UnixPath);
        var older = Assert.Single(Options.Parse(["-qmp", "unix:/tmp/q.sock,server,nowait"]).Qmp);
        Assert.Equal("/tmp/q.sock", older.UnixPath);
        var tcp = Assert.Single(Options.Parse(["-qmp", "tcp:127.0.0.1:4444,server=on,wait=off"]).Qmp);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 4444), tcp.Tcp);
        Assert.Equal(2, Options.Parse(["-qmp", "tcp:localhost:4444,server=on,wait=off", "-qmp", "unix:q,server=on,wait=off"]).Qmp.Count);
    }

    [Theory]
    [InlineData("-display", "gtk", "-display 'gtk'")]
    [InlineData("-display", "sdl,gl=on", "-display 'sdl,gl=on'")]
    [InlineData("-device", "ramfb,x=1", "ramfb: unsupported property 'x'")]
    [InlineData("-qmp", "stdio", "-qmp 'stdio'")]
    [InlineData("-qmp", "unix:/tmp/q.sock", "does not wait")]
    [InlineData("-qmp", "unix:/tmp/q.sock,server=on", "does not wait")]
    [InlineData("-qmp", "unix:/tmp/q.sock,server=on,wait=on", "does not wait")]
    [InlineData("-qmp", "unix:/tmp/q.sock,server=on,wait=off,telnet=on", "'telnet=on'")]
    [InlineData("-qmp", "tcp::4444,server=on,wait=off", "HOST:PORT")]
    [InlineData("-qmp", "tcp:127.0.0.1:0,server=on,wait=off", "HOST:PORT")]
    [InlineData("-qmp", "udp:127.0.0.1:4444,server=on,wait=off", "-qmp 'udp:")]
    public void BadDisplayOptions_AreRefusedInOneLine(string option, string value, string mention) =>
        OptionAssert.Usage([option, value], mention);

    [Fact]
    public void TwoRamfbDevices_AreRefused() =>
        OptionAssert.Usage(["-device", "ramfb", "-device", "ramfb"], "only one ramfb");

    [Fact]
    public void DisplaySdl_WithoutADisplayServer_IsRefusedInOneLine()
    {
        OptionAssert.Refused(["-kernel", TinyGuest(), "-display", "sdl"], "-display sdl", "no display server");
    }

    [Fact]
    public void QmpOverTcp_Greets_AndQuitEndsTheEmulatorWithStatus0()
    {
        var port = FreePort();
        var elf = BareMetalGuest.Build(_folder, "idle", "main:\n    ldr x1, =up\n    bl puts\n0:  wfi\n    b 0b\n    .ltorg\nup: .asciz \"up\\n\"\n");
        using var console = GuestConsole.Start("-kernel", elf, "-qmp", $"tcp:127.0.0.1:{port},server=on,wait=off");
        console.WaitFor("up\n", Timeout);
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        using var reader = new StreamReader(client.GetStream());
        Assert.Contains("\"QMP\"", reader.ReadLine());
        var writer = new StreamWriter(client.GetStream()) { AutoFlush = true };
        writer.Write("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n");
        Assert.Equal("{\"return\": {}}", reader.ReadLine()); // QEMU's spacing
        Assert.Contains("\"SHUTDOWN\"", reader.ReadLine());
        Assert.Equal(0, console.WaitForExit(Timeout));
    }

    [Fact]
    public void AQmpAddressInUse_IsRefusedInOneLine()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        OptionAssert.Refused(["-kernel", TinyGuest(), "-qmp", $"tcp:127.0.0.1:{port},server=on,wait=off"], "-qmp", "cannot listen");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
