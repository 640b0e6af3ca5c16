using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Kernel.Tests;

/// <summary>
/// AF_INET sockets of the kernel between the guest and the host over virtio-net and user-mode networking
/// (libslirp: the host is 10.0.2.2, a hostfwd rule forwards a host port to the guest), with busybox's
/// wget, nc, ping and netstat in the guest, on QEMU and on our emulator.
/// </summary>
public abstract class InetBootTests : IClassFixture<BusyboxGuestRoot>
{
    private const int GuestPort = 7000;
    private readonly BusyboxGuestRoot _root;
    private readonly BootMachine _machine;
    private readonly ITestOutputHelper _log;

    protected InetBootTests(BusyboxGuestRoot root, BootMachine machine, ITestOutputHelper log)
    {
        _root = root;
        _machine = machine;
        _log = log;
    }


    /// <summary>Boots the busybox guest with a virtio-net card whose host port <paramref name="hostPort"/> forwards to the guest's <see cref="GuestPort"/>.</summary>
    private QemuMachine Boot(int hostPort)
    {
        return new QemuMachine(_machine, "", "512M", "-initrd", _root.Initramfs,
            "-netdev", $"user,id=n0,hostfwd=tcp:127.0.0.1:{hostPort}-:{GuestPort}", "-device", "virtio-net-device,netdev=n0")
            .StartedWith(vm =>
            {
                vm.WaitFor(@"eth0: 10\.0\.2\.15/24 via DHCP from 10\.0\.2\.2$", TimeSpan.FromSeconds(60));
                vm.WaitFor(@"^system test shell ready$", TimeSpan.FromSeconds(60));
            });
    }

    /// <summary>Connects to the guest's <see cref="GuestPort"/> through hostfwd.</summary>
    private static TcpClient ConnectThroughForward(int hostPort)
    {
        var client = new TcpClient();
        client.Connect(IPAddress.Loopback, hostPort);
        client.ReceiveTimeout = 60_000;
        return client;
    }

    /// <summary>Waits until busybox netstat (which reads /proc/net/tcp) shows the guest listening on <see cref="GuestPort"/>; returns what it printed.</summary>
    private static string WaitForListener(QemuMachine vm)
    {
        string listening = "";
        for (int i = 0; i < 40 && !listening.Contains($":{GuestPort} ", StringComparison.Ordinal); i++)
        {
            if (i > 0)
                Thread.Sleep(250);
            listening = vm.RunShellCommand("netstat -tln");
        }
        return listening;
    }

    /// <summary>Connects through the forward and reads once: the bytes read, 0 at the end of the stream, -1 for a reset.</summary>
    private static int ReadFromForward(int hostPort, TimeSpan timeout)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, hostPort);
        client.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            return client.GetStream().Read(new byte[16], 0, 16);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static void ReadExactly(Stream s, byte[] buffer, int count)
    {
        int got = 0;
        while (got < count)
        {
            int n = s.Read(buffer, got, count - got);
            if (n == 0)
                throw new EndOfStreamException($"end of stream after {got} of {count} bytes");
            got += n;
        }
    }

    [Fact]
    public void Guest_wget_fetches_a_page_from_a_host_listener()
    {
        string token = Guid.NewGuid().ToString("N");
        using var server = new OneShotHttpServer($"hello from the host {token}\n");
        using QemuMachine vm = Boot(HostPorts.Free());
        string output = vm.RunShellCommand($"wget -q -O - http://10.0.2.2:{server.Port}/page; echo rc=$?", TimeSpan.FromSeconds(60));
        string? request = server.Request(TimeSpan.FromSeconds(10));
        Assert.True(request != null, "the host listener got no request\n" + output);
        Assert.Contains($"hello from the host {token}", output);
        Assert.Contains("rc=0", output);
        Assert.StartsWith("GET /page HTTP/1.", request);
    }

    [Fact]
    public void Guest_pings_the_gateway_and_a_refused_connection_fails_at_once()
    {
        int hostPort = HostPorts.Free();
        using QemuMachine vm = Boot(hostPort);
        // busybox ping as root opens a raw ICMP socket.
        string ping = vm.RunShellCommand("ping -c 2 10.0.2.2; echo rc=$?", TimeSpan.FromSeconds(30));
        Assert.Matches(@"2 packets transmitted, 2 packets received, 0% packet loss", ping);
        Assert.Contains("rc=0", ping);
        Assert.Matches(@"(?m)^64 bytes from 10\.0\.2\.2: seq=1 ttl=\d+ time=", ping);
        // A port nobody listens on in the guest: refused by a reset at once, from the guest itself and from the host.
        var watch = Stopwatch.StartNew();
        string refused = vm.RunShellCommand("nc 127.0.0.1 9 </dev/null; echo rc=$?", TimeSpan.FromSeconds(20));
        Assert.Contains("Connection refused", refused);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the refusal took {watch.Elapsed}");
        watch.Restart();
        int n = ReadFromForward(hostPort, TimeSpan.FromSeconds(10)); // slirp accepts, then tries the guest
        Assert.True(n <= 0, $"read {n} bytes from a port where nothing listens");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the host's connection to a closed guest port took {watch.Elapsed} to end");
        _log.WriteLine($"{_machine.Name}: refused in {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void Host_reaches_a_guest_nc_listener_through_hostfwd_with_data_both_ways_and_netstat_shows_it()
    {
        int hostPort = HostPorts.Free();
        using QemuMachine vm = Boot(hostPort);
        // nc's input stays open (it shuts its sending side down at the end of its input): the connection stays established.
        vm.RunShellCommand($"(echo guest-says-hello; sleep 20) | nc -l -p {GuestPort} > /tmp/in & true");
        string listening = WaitForListener(vm);
        Assert.DoesNotContain("No such file", listening); // netstat reads tcp6 too
        Assert.True(Regex.IsMatch(listening, $@"(?m)^tcp\s+0\s+0\s+0\.0\.0\.0:{GuestPort}\s+0\.0\.0\.0:\*\s+LISTEN\s*$"), listening);
        using (TcpClient client = ConnectThroughForward(hostPort))
        {
            NetworkStream s = client.GetStream();
            var line = new byte[17];
            ReadExactly(s, line, line.Length);
            Assert.Equal("guest-says-hello\n", Encoding.ASCII.GetString(line));
            string established = vm.RunShellCommand("netstat -tn");
            Assert.True(Regex.IsMatch(established, $@"(?m)^tcp\s+0\s+0\s+10\.0\.2\.15:{GuestPort}\s+10\.0\.2\.2:\d+\s+ESTABLISHED\s*$"), established);
            s.Write(Encoding.ASCII.GetBytes("host-says-hello\n"));
            client.Client.Shutdown(SocketShutdown.Send);
            // nc ends at the end of the stream from the network.
            s.ReadTimeout = 20_000;
            try
            {
                while (s.Read(line, 0, line.Length) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        }
        string got = "";
        for (int i = 0; i < 20 && !got.Contains("host-says-hello", StringComparison.Ordinal); i++)
            got = vm.RunShellCommand("sleep 0.5; cat /tmp/in");
        Assert.Contains("host-says-hello", got);
        string closed = vm.RunShellCommand("netstat -tn");
        Assert.DoesNotContain("ESTABLISHED", closed);
    }

    [Fact]
    public void A_connection_to_a_guest_that_left_the_network_times_out_cleanly_and_the_guest_comes_back()
    {
        int hostPort = HostPorts.Free();
        using QemuMachine vm = Boot(hostPort);
        // The guest's listener is there, but the guest has left the network: user-mode networking accepts the
        // host's connection on the guest's behalf, gets no answer to its SYNs, and must end the connection.
        vm.RunShellCommand($"(echo back-again | nc -l -p {GuestPort}) & ip link set eth0 down");
        var watch = Stopwatch.StartNew();
        int n = ReadFromForward(hostPort, TimeSpan.FromSeconds(180));
        Assert.True(n <= 0, $"read {n} bytes from a guest that is not on the network");
        _log.WriteLine($"{_machine.Name}: the connection to the vanished guest ended after {watch.Elapsed.TotalSeconds:F0} s");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(150), $"the connection ended only after {watch.Elapsed}");

        // Nothing was harmed: back on the network, the guest is reached through the same forward.
        vm.RunShellCommand("ip link set eth0 up");
        string got = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!got.Contains("back-again", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, hostPort);
            client.ReceiveTimeout = 10_000;
            var line = new byte[11];
            try
            {
                int read = client.GetStream().Read(line, 0, line.Length);
                got = Encoding.ASCII.GetString(line, 0, Math.Max(0, read));
            }
            catch (IOException)
            {
                Thread.Sleep(500);
            }
        }
        Assert.Contains("back-again", got);
    }

    [Fact]
    public void Sixteen_MiB_each_way_through_hostfwd_arrive_with_matching_sha256()
    {
        const int Size = 16 << 20;
        int hostPort = HostPorts.Free();
        using QemuMachine vm = Boot(hostPort);

        // Guest to host: a random file served by nc, read by the host.
        string made = vm.RunShellCommand("dd if=/dev/urandom of=/tmp/big bs=1048576 count=16 2>/dev/null; sha256sum /tmp/big", TimeSpan.FromSeconds(120));
        string guestSum = Regex.Match(made, @"(?m)^([0-9a-f]{64})\s+/tmp/big").Groups[1].Value;
        Assert.True(guestSum.Length == 64, made);
        vm.RunShellCommand($"nc -l -p {GuestPort} < /tmp/big > /dev/null & true");
        WaitForListener(vm);
        var buffer = new byte[Size];
        var watch = Stopwatch.StartNew();
        using (TcpClient client = ConnectThroughForward(hostPort))
            ReadExactly(client.GetStream(), buffer, Size);
        double outSeconds = watch.Elapsed.TotalSeconds;
        Assert.Equal(guestSum, Convert.ToHexString(SHA256.HashData(buffer)).ToLowerInvariant());
        vm.RunShellCommand("kill %1 2>/dev/null; wait");

        // Host to guest: the host sends random bytes, nc writes them to a file through a reader that starts
        // 3 s late, so the guest's window closes and must reopen (persist probes, window updates).
        RandomNumberGenerator.Fill(buffer);
        string hostSum = Convert.ToHexString(SHA256.HashData(buffer)).ToLowerInvariant();
        vm.RunShellCommand($"rm /tmp/big; nc -l -p {GuestPort} | (sleep 3; cat > /tmp/recv) & true");
        WaitForListener(vm);
        watch.Restart();
        using (TcpClient client = ConnectThroughForward(hostPort))
        {
            NetworkStream s = client.GetStream();
            client.SendTimeout = 60_000;
            try
            {
                s.Write(buffer, 0, Size);
            }
            catch (IOException e)
            {
                string console = vm.Output;
                string view;
                try
                {
                    view = vm.RunShellCommand("cat /proc/net/tcp /proc/net/dev; ls -l /tmp/recv", TimeSpan.FromSeconds(20));
                }
                catch (TimeoutException)
                {
                    view = "(the shell does not answer)";
                }
                throw new Xunit.Sdk.XunitException($"host->guest stalled ({e.Message}); the guest's view:\n{view}\nthe console's end:\n" +
                    console[Math.Max(0, console.Length - 3000)..]);
            }
            client.Client.Shutdown(SocketShutdown.Send);
            s.ReadTimeout = 60_000;
            try
            {
                while (s.Read(new byte[64], 0, 64) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        }
        double inSeconds = watch.Elapsed.TotalSeconds;
        string received = vm.RunShellCommand("wait; ls -l /tmp/recv; sha256sum /tmp/recv", TimeSpan.FromSeconds(120));
        Assert.Contains(hostSum, received);
        _log.WriteLine($"{_machine.Name}: 16 MiB guest->host in {outSeconds:F2} s ({16 / outSeconds:F1} MiB/s), " +
                       $"host->guest in {inSeconds:F2} s ({16 / inSeconds:F1} MiB/s)");
    }
}

[Collection("Qemu")]
public class InetBootTestsOnQemu(BusyboxGuestRoot root, ITestOutputHelper log) : InetBootTests(root, BootMachine.Qemu, log);

[Collection("Emulator")]
public class InetBootTestsOnEmulator(BusyboxGuestRoot root, ITestOutputHelper log) : InetBootTests(root, BootMachine.Emulator, log);
