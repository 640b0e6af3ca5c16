using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Emulator.System.Tests;

/// <summary>
/// Debian's Linux on user-mode networking as a person would use it: busybox udhcpc gets 10.0.2.15, the
/// gateway answers ping, wget fetches a file from a server on the host's loopback (10.0.2.2 is the host), and
/// a connection to the forwarded host port reaches `nc -l` in the guest with data both ways. The same steps run
/// on our machine and on QEMU (see the derived classes), one boot each.
/// </summary>
public abstract class LinuxNetworkTests(LinuxNetwork network)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>busybox udhcpc runs a script for each event; this one configures the interface and the default route.</summary>
    private const string DhcpScript =
        "printf '#!/bin/sh\\ncase \"$1\" in\\n bound|renew) ifconfig $interface $ip netmask $subnet up; route add default gw $router dev $interface ;;\\n" +
        " deconfig) ifconfig $interface 0.0.0.0 up ;;\\nesac\\n' > /tmp/dhcp.sh && chmod +x /tmp/dhcp.sh && echo written";

    private GuestConsole Console => network.Console;

    private string Run(string command) => Console.Run(command, CommandTimeout);

    [Fact]
    [Step(1)]
    public void Udhcpc_GetsTheAddress10_0_2_15_AndTheGatewayRoute()
    {
        Assert.Equal("written", Run(DhcpScript));
        var udhcpc = Run("udhcpc -i eth0 -s /tmp/dhcp.sh -q -n -t 5 2>&1; echo rc=$?");
        Assert.True(udhcpc.EndsWith("rc=0", StringComparison.Ordinal), udhcpc);
        Assert.Contains("10.0.2.15", udhcpc, StringComparison.Ordinal);

        Assert.Contains("inet addr:10.0.2.15", Run("ifconfig eth0"), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^0\.0\.0\.0\s+10\.0\.2\.2\s", Run("route -n"));
    }

    [Fact]
    [Step(2)]
    public void PingToTheGateway_IsAnswered()
    {
        var ping = Run("ping -c 2 10.0.2.2 2>&1");
        Assert.Contains("2 packets transmitted, 2 packets received", ping, StringComparison.Ordinal);
    }

    [Fact]
    [Step(3)]
    public void Wget_FetchesAFileFromAServerOnTheHostsLoopback()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var port = ((IPEndPoint)server.LocalEndpoint).Port;
        const string Body = "served by the host over user-mode networking\n";
        string? request = null;
        var serving = new Thread(() =>
        {
            try
            {
                request = Serve(server, Body);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // request stays null: the test reports that no request came
            }
        })
        { IsBackground = true };
        serving.Start();

        var fetched = Run($"wget -q -O - http://10.0.2.2:{port}/hello.txt; echo rc=$?");

        Assert.Equal(Body + "rc=0", fetched);
        Assert.True(serving.Join(TimeSpan.FromSeconds(30)) && request != null, "the host's server got no request");
        Assert.StartsWith("GET /hello.txt HTTP/1.", request, StringComparison.Ordinal);
    }

    /// <summary>Answers one HTTP request with <paramref name="body"/>; returns the request's head.</summary>
    private static string Serve(TcpListener server, string body)
    {
        using var client = server.AcceptTcpClient();
        client.ReceiveTimeout = 30_000;
        var stream = client.GetStream();
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var count = stream.Read(buffer);
            if (count == 0)
            {
                break;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, count));
        }

        var reply = $"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n{body}";
        stream.Write(Encoding.ASCII.GetBytes(reply));
        return head.ToString();
    }

    [Fact]
    [Step(4)]
    public void HostForwardedConnection_ReachesNcInTheGuest_WithDataBothWays()
    {
        Assert.Equal("ready", Run("echo from-guest > /tmp/reply; rm -f /tmp/got /tmp/nc.done; echo ready"));
        // A subshell's background job: the interactive shell prints no job messages for it.
        Run($"( sh -c 'nc -l -p {LinuxNetwork.GuestPort} < /tmp/reply > /tmp/got; echo done > /tmp/nc.done' < /dev/null > /dev/null 2>&1 & )");
        Run($"n=0; while ! netstat -ltn 2>/dev/null | grep -q ':{LinuxNetwork.GuestPort} '; do sleep 0.1; n=$((n+1)); [ $n -gt 100 ] && break; done");

        var received = Exchange(network.ForwardedPort, "from-host\n", TimeSpan.FromSeconds(30));

        Assert.Equal("from-guest\n", received);
        Assert.Equal("done\nfrom-host", Run("n=0; while [ ! -f /tmp/nc.done ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done; cat /tmp/nc.done /tmp/got"));
    }

    /// <summary>
    /// Connects to the forwarded port, sends <paramref name="message"/>, reads one line back and closes. The
    /// forwarder accepts on the host before the guest answers, so a connection the guest refused is retried.
    /// </summary>
    private static string Exchange(int port, string message, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            client.ReceiveTimeout = 10_000;
            var stream = client.GetStream();
            stream.Write(Encoding.ASCII.GetBytes(message));
            var line = new StringBuilder();
            var buffer = new byte[1];
            try
            {
                while (!line.ToString().EndsWith('\n') && stream.Read(buffer) == 1)
                {
                    line.Append((char)buffer[0]);
                }
            }
            catch (IOException)
            {
            }

            if (line.Length > 0 || DateTime.UtcNow > deadline)
            {
                return line.ToString();
            }

            Thread.Sleep(200);
        }
    }
}
