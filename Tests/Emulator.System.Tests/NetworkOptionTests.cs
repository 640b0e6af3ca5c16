using System.Net;
using System.Net.Sockets;
using Emulator.Core.Board;
using Emulator.Devices.Net;

namespace Emulator.System.Tests;

/// <summary>
/// The network options as users type them (QEMU's -netdev user, -device virtio-net-device, -nic): what they
/// make, and mistakes refused with one line on standard error and exit status 1 before any guest runs.
/// </summary>
public sealed class NetworkOptionTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string TinyGuest() => BareMetalGuest.Build(_folder, "tiny", "main:\n    bl system_off\n");

    private static VirtioNetSpec SingleNic(params string[] arguments) =>
        Assert.IsType<VirtioNetSpec>(Assert.Single(Options.Parse(arguments).VirtioDevices));

    private static UserNetworkConfig User(VirtioNetSpec nic) => Assert.IsType<UserNetworkConfig>(nic.Network);

    private static UdpSocketNetworkConfig UdpSocket(VirtioNetSpec nic) => Assert.IsType<UdpSocketNetworkConfig>(nic.Network);

    private static void AssertAddresses(UserNetworkConfig config, string network, string mask, string host, string dns, string dhcpStart)
    {
        Assert.Equal(network, UserNetworkConfig.Format(config.Network));
        Assert.Equal(mask, UserNetworkConfig.Format(config.Mask));
        Assert.Equal(host, UserNetworkConfig.Format(config.Host));
        Assert.Equal(dns, UserNetworkConfig.Format(config.Dns));
        Assert.Equal(dhcpStart, UserNetworkConfig.Format(config.DhcpStart));
    }

    [Fact]
    public void NetdevAndDevice_MakeANicWithQemusDefaults()
    {
        var nic = SingleNic("-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0");

        Assert.Equal("52:54:00:12:34:56", nic.Mac.ToString());
        AssertAddresses(User(nic), network: "10.0.2.0", mask: "255.255.255.0", host: "10.0.2.2", dns: "10.0.2.3", dhcpStart: "10.0.2.15");
        Assert.False(User(nic).Restricted);
        Assert.Empty(User(nic).Forwards);
    }

    [Fact]
    public void HostForwards_WithoutAHostAddress_ListenOnLoopbackOnly()
    {
        var nic = SingleNic("-netdev", "user,id=n0,hostfwd=tcp::2222-:22,hostfwd=udp:0.0.0.0:5353-10.0.2.20:53,hostfwd=:127.0.0.2:8080-:80",
            "-device", "virtio-net-device,netdev=n0");

        Assert.Equal(
            ["tcp:127.0.0.1:2222-:22", "udp:0.0.0.0:5353-10.0.2.20:53", "tcp:127.0.0.2:8080-:80"],
            User(nic).Forwards.Select(f => f.ToString()));
    }

    [Fact]
    public void NetHostDnsDhcpstartRestrictAndHostname_AreTaken()
    {
        var nic = SingleNic("-netdev", "user,id=n0,net=192.168.76.0/22,dhcpstart=192.168.77.9,restrict=on,hostname=guest",
            "-device", "virtio-net-device,netdev=n0,mac=52:54:00:ab:cd:ef");

        Assert.Equal("52:54:00:ab:cd:ef", nic.Mac.ToString());
        AssertAddresses(User(nic), network: "192.168.76.0", mask: "255.255.252.0", host: "192.168.76.2", dns: "192.168.76.3", dhcpStart: "192.168.77.9");
        Assert.True(User(nic).Restricted);
        Assert.Equal("guest", User(nic).Hostname);

        var dotted = SingleNic("-nic", "user,net=10.1.0.0/255.255.0.0,host=10.1.0.1,dns=10.1.0.53");
        Assert.Equal("255.255.0.0", UserNetworkConfig.Format(User(dotted).Mask));
        Assert.Equal("10.1.0.1", UserNetworkConfig.Format(User(dotted).Host));
        Assert.Equal("10.1.0.53", UserNetworkConfig.Format(User(dotted).Dns));
    }

    [Fact]
    public void Nic_IsANetdevAndAVirtioNetDevice_AndMoreNicsGetTheNextMac()
    {
        var options = Options.Parse(["-nic", "user,hostfwd=tcp::2000-:22", "-nic", "user,model=virtio-net-device", "-netdev", "user,id=x", "-device", "virtio-net-device,netdev=x"]);

        var nics = options.VirtioDevices.Cast<VirtioNetSpec>().ToArray();
        Assert.Equal(3, nics.Length);
        // -device NICs come first (as the if=virtio drives come after them), each NIC without mac= taking the next address.
        Assert.Equal(["52:54:00:12:34:56", "52:54:00:12:34:57", "52:54:00:12:34:58"], nics.Select(n => n.Mac.ToString()));
        Assert.Equal("tcp:127.0.0.1:2000-:22", Assert.Single(User(nics[1]).Forwards).ToString());
        Assert.True(options.NetworkGiven);
    }

    [Fact]
    public void NetdevSocketUdp_SendsToUdpAndListensOnLocaladdr()
    {
        var nic = SingleNic("-netdev", "socket,id=n1,udp=127.0.0.1:5555,localaddr=127.0.0.1:5556", "-device", "virtio-net-device,netdev=n1");

        Assert.Equal("52:54:00:12:34:56", nic.Mac.ToString());
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5555), UdpSocket(nic).Remote);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5556), UdpSocket(nic).Local);
    }

    [Fact]
    public void NetdevSocket_TakesLocalhostAndAnEmptyHostAsAnyAddress_AndNicSocketWorksToo()
    {
        var nic = SingleNic("-nic", "socket,udp=localhost:7000,localaddr=:7001,mac=52:54:00:00:00:09");

        Assert.Equal("52:54:00:00:00:09", nic.Mac.ToString());
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7000), UdpSocket(nic).Remote);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 7001), UdpSocket(nic).Local);
    }

    [Fact]
    public void UserAndSocketNetdevs_MakeTwoNics()
    {
        var options = Options.Parse(["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0",
            "-netdev", "socket,id=n1,udp=127.0.0.1:5555,localaddr=127.0.0.1:5556", "-device", "virtio-net-device,netdev=n1"]);

        var nics = options.VirtioDevices.Cast<VirtioNetSpec>().ToArray();
        Assert.IsType<UserNetworkConfig>(nics[0].Network);
        Assert.IsType<UdpSocketNetworkConfig>(nics[1].Network);
        Assert.Equal(["52:54:00:12:34:56", "52:54:00:12:34:57"], nics.Select(n => n.Mac.ToString()));
    }

    [Fact]
    public void NicNone_MeansNoNetwork_AndNoDefaultOne()
    {
        foreach (var arguments in new[] { new[] { "-nic", "none" }, ["-net", "none"] })
        {
            var options = Options.Parse(arguments);
            Assert.Empty(options.VirtioDevices);
            Assert.True(options.NetworkGiven);
        }

        Assert.False(Options.Parse([]).NetworkGiven);
    }

    [Fact]
    public void Ipv4OnAndIpv6Off_AreAccepted_AsTheyDescribeThisNetwork() =>
        SingleNic("-nic", "user,ipv4=on,ipv6=off");

    [Theory]
    [InlineData(new[] { "-netdev", "tap,id=n0" }, "'user'")]
    [InlineData(new[] { "-netdev", "user" }, "id=")]
    [InlineData(new[] { "-netdev", "user,id=n0,smb=/tmp", "-device", "virtio-net-device,netdev=n0" }, "smb")]
    [InlineData(new[] { "-netdev", "user,id=n0" }, "'n0'", "not used")]
    [InlineData(new[] { "-netdev", "user,id=n0", "-netdev", "user,id=n0" }, "duplicate", "'n0'")]
    [InlineData(new[] { "-device", "virtio-net-device" }, "netdev")]
    [InlineData(new[] { "-device", "virtio-net-device,netdev=n9" }, "'n9'")]
    [InlineData(new[] { "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0", "-device", "virtio-net-device,netdev=n0" }, "'n0'", "in use")]
    [InlineData(new[] { "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0,mac=52:54:00:12:34" }, "52:54:00:12:34")]
    [InlineData(new[] { "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0,mac=01:00:5e:00:00:01" }, "unicast")]
    [InlineData(new[] { "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0,speed=1000" }, "speed")]
    [InlineData(new[] { "-nic", "user,hostfwd=tcp::22" }, "hostfwd")]
    [InlineData(new[] { "-nic", "user,hostfwd=sctp::2222-:22" }, "sctp")]
    [InlineData(new[] { "-nic", "user,hostfwd=tcp::70000-:22" }, "70000")]
    [InlineData(new[] { "-nic", "user,hostfwd=tcp:localhost:2222-:22" }, "localhost")]
    [InlineData(new[] { "-nic", "user,hostfwd=tcp::2222-22" }, "hostfwd")]
    [InlineData(new[] { "-nic", "user,restrict=maybe" }, "restrict")]
    [InlineData(new[] { "-nic", "user,net=10.0.2.0/33" }, "10.0.2.0/33")]
    [InlineData(new[] { "-nic", "user,net=10.0.2.0/255.0.255.0" }, "255.0.255.0")]
    [InlineData(new[] { "-nic", "user,host=10.0.3.2" }, "host=10.0.3.2", "10.0.2.0")]
    [InlineData(new[] { "-nic", "user,dhcpstart=192.168.0.9" }, "dhcpstart")]
    [InlineData(new[] { "-nic", "user,model=e1000" }, "e1000", "virtio-net-device")]
    [InlineData(new[] { "-nic", "tap" }, "'user'", "'none'")]
    [InlineData(new[] { "-net", "user" }, "-net", "-netdev")]
    [InlineData(new[] { "-nic", "user,ipv6=on" }, "ipv6=on", "IPv4 only")]
    [InlineData(new[] { "-netdev", "socket,id=n1,localaddr=127.0.0.1:5556", "-device", "virtio-net-device,netdev=n1" }, "udp=")]
    [InlineData(new[] { "-netdev", "socket,id=n1,udp=127.0.0.1:5555", "-device", "virtio-net-device,netdev=n1" }, "localaddr=", "mandatory")]
    [InlineData(new[] { "-netdev", "socket,id=n1,udp=127.0.0.1,localaddr=127.0.0.1:5556", "-device", "virtio-net-device,netdev=n1" }, "udp='127.0.0.1'", "HOST:PORT")]
    [InlineData(new[] { "-netdev", "socket,id=n1,udp=10.0.0.256:5555,localaddr=127.0.0.1:5556", "-device", "virtio-net-device,netdev=n1" }, "'10.0.0.256'", "IPv4")]
    [InlineData(new[] { "-netdev", "socket,id=n1,udp=127.0.0.1:0,localaddr=127.0.0.1:5556", "-device", "virtio-net-device,netdev=n1" }, "'0'", "port")]
    [InlineData(new[] { "-netdev", "socket,id=n1,udp=127.0.0.1:5555,localaddr=127.0.0.1:65536", "-device", "virtio-net-device,netdev=n1" }, "'65536'", "port")]
    [InlineData(new[] { "-netdev", "socket,id=n1,listen=:1234", "-device", "virtio-net-device,netdev=n1" }, "listen=", "udp=")]
    [InlineData(new[] { "-netdev", "socket,id=n1,udp=127.0.0.1:5555,localaddr=127.0.0.1:5556,ttl=3", "-device", "virtio-net-device,netdev=n1" }, "'ttl'")]
    [InlineData(new[] { "-nic", "socket,mcast=230.0.0.1:1234" }, "mcast=")]
    public void Mistakes_AreOneClearLine(string[] arguments, params string[] mustMention) => OptionAssert.Usage(arguments, mustMention);

    [Fact]
    public void Mistake_ExitsWithStatus1AndOneLine() =>
        OptionAssert.Refused(["-kernel", TinyGuest(), "-netdev", "user,id=n0,hostfwd=tcp::2222", "-device", "virtio-net-device,netdev=n0"], "hostfwd");

    [Fact]
    public void HostPortInUse_ExitsWithStatus1AndOneLine_AsQemuDoes()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        OptionAssert.Refused(["-kernel", TinyGuest(), "-nic", $"user,hostfwd=tcp::{port}-:22"],
            $"could not set up host forwarding rule 'tcp:127.0.0.1:{port}-:22'");
    }

    /// <summary>
    /// Without libslirp the emulator says so in one line and exits with status 1. The library is hidden from this
    /// one process only: /dev/null is bind-mounted over it in a private mount namespace (unshare -m, as root).
    /// </summary>
    [Fact]
    public void SocketLocaladdrInUse_ExitsWithStatus1AndOneLine()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        OptionAssert.Refused(["-kernel", TinyGuest(), "-netdev", $"socket,id=n1,udp=127.0.0.1:9,localaddr=127.0.0.1:{port}", "-device", "virtio-net-device,netdev=n1"],
            $"localaddr=127.0.0.1:{port}", "in use");
    }

    [Fact]
    public void MissingLibslirp_ExitsWithStatus1AndOneLine()
    {
        var unshare = TestEnvironment.RequireTool("unshare", "util-linux");
        var library = new FileInfo("/usr/lib/x86_64-linux-gnu/libslirp.so.0").ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        Assert.True(library != null && File.Exists(library), "libslirp0 is not installed; run: bash scripts/setup.sh (as root)");

        var result = TestEnvironment.RunTool(unshare,
            ["-m", "sh", "-c", "mount --bind /dev/null \"$1\" && shift && exec \"$@\"", "sh", library,
             "dotnet", TestEnvironment.EmulatorDll, "-kernel", TinyGuest(), "-nic", "user"], Timeout);

        Assert.True(result.ExitCode == 1, $"expected exit code 1\n{result}");
        var lines = result.Stderr.Split('\n');
        Assert.True(lines.Length == 2 && lines[1].Length == 0, $"expected exactly one line on standard error\n{result}");
        Assert.Contains("libslirp", lines[0], StringComparison.Ordinal);
        Assert.Contains("apt-get install libslirp0", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void ATinyGuestWithANic_RunsAndExitsCleanly()
    {
        var result = TestEnvironment.RunEmulator(Timeout, ["-kernel", TinyGuest(), "-nic", "user,hostfwd=tcp::0-:22".Replace(":0-", $":{FreePort()}-", StringComparison.Ordinal)]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void ATinyGuestWithASocketNic_RunsAndExitsCleanly()
    {
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int local;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            local = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var result = TestEnvironment.RunEmulator(Timeout, ["-kernel", TinyGuest(),
            "-netdev", $"socket,id=n1,udp=127.0.0.1:{((IPEndPoint)peer.LocalEndPoint!).Port},localaddr=127.0.0.1:{local}", "-device", "virtio-net-device,netdev=n1"]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
