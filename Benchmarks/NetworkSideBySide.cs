using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Benchmarks;

/// <summary>
/// TCP through user-mode networking (libslirp on both machines), side by side in the same run: our kernel
/// on our machine, Debian's Linux on our machine, and Debian's Linux on QEMU, each booted from a fresh copy
/// of the guest disk with the same options and host forwards. The host sends 64 MiB to busybox
/// <c>nc -l</c> in the guest (timed from the connection until the guest's nc has read everything and
/// closed), then reads 64 MiB that the guest's nc sends (timed until the last byte arrives), and, when the
/// disk has the SSH server and the set-up's key exists, times <c>ssh guest true</c>. Times are the host's.
/// </summary>
public static class NetworkSideBySide
{
    private const int Mebibytes = 64;
    private const int SshRuns = 5;
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(3);

    private sealed record Side(string Title, string[] Command);

    private sealed record Sample(double HostToGuest, double GuestToHost, double? Ssh);

    public static int Run(int runs)
    {
        if (GuestFiles.Find() is not { } files)
        {
            return 1;
        }

        var (linux, initrd, rootfs, ourKernel) = (files.Linux, files.Initrd, files.RootDisk, files.OurKernel);
        var key = Path.Combine(files.Cache, "ssh", "id_ed25519");

        var temp = Directory.CreateTempSubdirectory("net-bench-").FullName;
        try
        {
            var image = Path.Combine(temp, "disk.img");
            var (toGuest, fromGuest, ssh) = (FreePort(), FreePort(), FreePort());
            string[] options = ["-M", "virt", "-cpu", "cortex-a57", "-m", "512M", "-nographic",
                "-append", "console=ttyAMA0 root=/dev/vda rw",
                "-drive", $"file={image},format=raw,if=none,id=d0", "-device", "virtio-blk-device,drive=d0", "-device", "virtio-rng-device",
                "-netdev", $"user,id=n0,hostfwd=tcp:127.0.0.1:{toGuest}-:5000,hostfwd=tcp:127.0.0.1:{fromGuest}-:5001,hostfwd=tcp:127.0.0.1:{ssh}-:22",
                "-device", "virtio-net-device,netdev=n0"];
            string[] ours = ["dotnet", Path.Combine(AppContext.BaseDirectory, "Emulator.dll")];
            Side[] sides =
            [
                new("ours", [.. ours, "-kernel", ourKernel, .. options]),
                new("Linux/ours", [.. ours, "-kernel", linux, "-initrd", initrd, .. options]),
                new("Linux/QEMU", ["qemu-system-aarch64", "-kernel", linux, "-initrd", initrd, .. options]),
            ];

            Console.WriteLine($"our kernel: {ourKernel} (built {File.GetLastWriteTime(ourKernel):yyyy-MM-dd HH:mm}); Linux: {linux}; disk {rootfs}");
            var samples = sides.ToDictionary(s => s, _ => new List<Sample>());
            for (var run = 1; run <= runs; run++)
            {
                // Alternate so that slow drift of the machine's load affects every side alike.
                foreach (var side in sides)
                {
                    File.Copy(rootfs, image, overwrite: true);
                    try
                    {
                        var sample = Measure(side, toGuest, fromGuest, ssh, File.Exists(key) ? key : null);
                        samples[side].Add(sample);
                        Console.WriteLine($"run {run}/{runs} {side.Title,-11} host->guest {sample.HostToGuest,7:F3} s; guest->host {sample.GuestToHost,7:F3} s" +
                            (sample.Ssh is { } s ? $"; ssh true {s,6:F3} s" : "; ssh: no SSH server on the disk or no key"));
                    }
                    catch (Exception e) when (e is TimeoutException or InvalidOperationException or IOException or SocketException)
                    {
                        Console.WriteLine($"run {run}/{runs} {side.Title,-11} failed: {e.Message}");
                    }
                }
            }

            Print(sides, samples, runs);
            return sides.All(s => samples[s].Count > 0) ? 0 : 1;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static void Print(Side[] sides, Dictionary<Side, List<Sample>> samples, int runs)
    {
        Console.WriteLine();
        Console.WriteLine($"TCP over -netdev user (libslirp), {Mebibytes} MiB each way, host's clock, median of {runs} alternating boots (s; MiB/s)");
        Console.WriteLine($"{"",-26}" + string.Concat(sides.Select(s => $"{s.Title,12}")) + $"{"ours/Linux",12}{"ours/QEMU",12}");
        void Row(string label, Func<Sample, double?> pick, bool rate)
        {
            var values = sides.Select(s => samples[s].Select(pick).OfType<double>().ToList() is { Count: > 0 } v ? Samples.Median(v) : double.NaN).ToArray();
            string Cell(double v) => double.IsNaN(v) ? $"{"-",12}" : rate ? $"{Mebibytes / v,12:F1}" : $"{v,12:F3}";
            Console.WriteLine($"{label,-26}" + string.Concat(values.Select(Cell)) + $"{values[0] / values[1],12:F2}{values[1] / values[2],12:F2}");
        }

        Row("host->guest (s)", s => s.HostToGuest, rate: false);
        Row("guest->host (s)", s => s.GuestToHost, rate: false);
        Row("host->guest (MiB/s)", s => s.HostToGuest, rate: true);
        Row("guest->host (MiB/s)", s => s.GuestToHost, rate: true);
        Row("ssh guest true (s)", s => s.Ssh, rate: false);
        Console.WriteLine("ours/Linux: our kernel against Linux, both on our machine (target: at most 1); ours/QEMU: Linux on our machine against Linux on QEMU.");
    }

    /// <summary>One boot: wait for the shell and the network, then the two transfers and the SSH logins.</summary>
    private static Sample Measure(Side side, int toGuest, int fromGuest, int ssh, string? key)
    {
        using var guest = new GuestProcess(side.Command, side.Title);
        var motd = guest.WaitFor("Its recipe is disk-images/", 0, BootTimeout).Length;
        guest.WaitFor("virt:/# ", motd, BootTimeout);
        string Shell(string line) => guest.Shell(line, CommandTimeout);

        Shell("dmesg -n 1 2>/dev/null");
        // A default route through eth0 means the network is up (the kernel's own DHCP client, or the
        // disk's udhcpc); a guest that has none after 10 s gets QEMU's user-network addresses by hand.
        const string HasRoute = "grep -q '^eth0[[:space:]]00000000' /proc/net/route";
        var route = Shell($"for i in $(seq 50); do {HasRoute} && break; sleep 0.2; done; " +
            $"{HasRoute} || {{ ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up && route add default gw 10.0.2.2; }}; " +
            $"{HasRoute} && echo @RO\"\"UTE");
        if (!route.Contains("@ROUTE", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{side.Title}: no default route through eth0:\n{route}");
        }

        var data = new byte[1 << 20];
        new Random(5).NextBytes(data);

        Shell("nc -l -p 5000 > /dev/null & true");
        var hostToGuest = Transfer(toGuest, client =>
        {
            for (var i = 0; i < Mebibytes; i++)
            {
                client.Send(data);
            }

            client.Shutdown(SocketShutdown.Send);
            // The guest's nc closes once it has read everything up to our FIN.
            var sink = new byte[4096];
            while (client.Receive(sink) > 0)
            {
            }
        });

        Shell($"dd if=/dev/zero bs=1M count={Mebibytes} 2>/dev/null | nc -l -p 5001 & true");
        var guestToHost = Transfer(fromGuest, client =>
        {
            long total = 0;
            var buffer = new byte[1 << 16];
            int n;
            while (total < (long)Mebibytes << 20 && (n = client.Receive(buffer)) > 0)
            {
                total += n;
            }

            if (total < (long)Mebibytes << 20)
            {
                throw new InvalidOperationException($"{side.Title}: the guest sent {total} bytes, not {Mebibytes} MiB");
            }
        });
        Shell("kill %1 %2 2>/dev/null; wait");

        double? sshTrue = null;
        if (key is not null && Shell("[ -x /usr/sbin/dropbear ] && echo @S\"\"SH").Contains("@SSH", StringComparison.Ordinal))
        {
            var times = new List<double>();
            for (var i = 0; i <= SshRuns; i++)
            {
                var clock = Stopwatch.StartNew();
                var (code, text) = HostTools.Run("ssh", "-i", key, "-p", ssh.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "root@127.0.0.1", "true");
                if (code != 0)
                {
                    throw new InvalidOperationException($"{side.Title}: ssh failed ({code}): {text}");
                }

                // The first login warms the guest's caches; it is not counted.
                if (i > 0)
                {
                    times.Add(clock.Elapsed.TotalSeconds);
                }
            }

            sshTrue = Samples.Median(times);
        }

        guest.SendLine("poweroff -f");
        guest.WaitForExit(TimeSpan.FromSeconds(30));
        return new Sample(hostToGuest, guestToHost, sshTrue);
    }

    /// <summary>Connects to the forwarded port (retrying while the guest's listener is not up yet) and times <paramref name="body"/> from the connection on.</summary>
    private static double Transfer(int port, Action<Socket> body)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
            {
                ReceiveTimeout = (int)TransferTimeout.TotalMilliseconds,
                SendTimeout = (int)TransferTimeout.TotalMilliseconds,
            };
            client.Connect(IPAddress.Loopback, port);
            // slirp accepts at once and then connects to the guest: a listener that is not there yet
            // shows as the connection closing before any data. Probe with a zero-timeout poll.
            if (client.Poll(200_000, SelectMode.SelectRead) && client.Available == 0)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(20))
                {
                    throw new InvalidOperationException($"nothing listens behind host port {port}");
                }

                continue;
            }

            var clock = Stopwatch.StartNew();
            body(client);
            return clock.Elapsed.TotalSeconds;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
