using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Kernel.Logic.Net;
using Kernel.Tests.Ssh;
using Xunit.Abstractions;

namespace Kernel.Tests.Net;

/// <summary>
/// The managed kernel's network stack on a running machine against 10,000 malformed frames (<see
/// cref="MalformedFrames.LiveFrame"/>): bad lengths, checksums, options, fragments, TCP flag combinations, ARP
/// garbage. The machine has two NICs: eth0 on user-mode networking, where the host's OpenSSH logs in, and eth1 on
/// QEMU's <c>-netdev socket,udp=,localaddr=</c>, whose other end is this test's UDP socket: each datagram is one
/// frame on eth1's wire. Afterwards the kernel has not panicked, the console answers, SSH logs in and carries 1 MiB
/// intact, and the kernel heap (/proc/meminfo's Slab) is back where it was. The same test runs on QEMU, which
/// has exactly this option, and on our machine.
/// </summary>
public abstract class LiveRobustnessTests(BootMachine kind, ITestOutputHelper log)
{
    private const int FrameCount = 10_000;
    private const int Seed = 20261206;

    /// <summary>Frames sent back to back before a pause; the pause lets the guest drain its receive ring.</summary>
    private const int Burst = 8;
    private const int PauseMs = 5;

    private const string GuestAddress = "10.9.0.2";
    private const uint GuestIp = 0x0A09_0002, PeerIp = 0x0A09_0001;
    private static readonly MacAddress PeerMac = new(0x0252_5400_0901);

    /// <summary>
    /// How far the heap may stay above its baseline once the timers have run. The kernel heap is exact and the
    /// stack keeps nothing per frame: measured growth is 1 kB on QEMU and on our machine (the peak, +2.9 MB of
    /// half-open SSH connections and reassembly buffers, is gone after the SYN-ACK retries, about 65 s). The
    /// bound leaves room for fixed-size first-use allocations only (the ARP queue keeps up to 4 frame buffers
    /// of 2 KiB for an unanswered neighbour): 16 KiB, four pages, far below what 10,000 leaked frames would
    /// leave (even 10,000 leaked 64-byte records: 625 KiB), and below one leaked reassembly buffer (64 KiB).
    /// </summary>
    private const int HeapBoundKiB = 16;

    private sealed class TwoNicGuest(BootMachine kind, IReadOnlyList<string> extraDevices) : SshGuest(kind, extraDevices: extraDevices);

    [Fact]
    public void Ten_thousand_malformed_frames_on_eth1_leave_no_panic_no_leak_and_ssh_on_eth0_working()
    {
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int peerPort = ((IPEndPoint)peer.LocalEndPoint!).Port, guestPort = HostPorts.FreeUdp();
        var guestEnd = new IPEndPoint(IPAddress.Loopback, guestPort);
        using var guest = new TwoNicGuest(kind,
            ["-netdev", $"socket,id=n1,udp=127.0.0.1:{peerPort},localaddr=127.0.0.1:{guestPort}", "-device", "virtio-net-device,netdev=n1"]);
        QemuMachine machine = guest.Machine;

        string link = machine.RunShellCommand($"ip link set eth1 up && ip addr add {GuestAddress}/24 dev eth1 && ip addr show eth1");
        Match ether = Regex.Match(link, @"link/ether ([0-9a-f]{2}(?::[0-9a-f]{2}){5})");
        Assert.True(ether.Success, $"no MAC in ip addr show eth1:\n{link}");
        Assert.Contains($"inet {GuestAddress}/24", link);
        var guestMac = new MacAddress(ulong.Parse(ether.Groups[1].Value.Replace(":", ""), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        log.WriteLine($"{kind.Name}: eth1 is {ether.Groups[1].Value}");

        // The wire works both ways before the fuzzing: the guest answers an ARP request on eth1.
        AssertArpAnswered(peer, guestEnd, guestMac);

        long heapBefore = SteadySlabKiB(machine);
        long receivedBefore = Eth1Received(machine);
        log.WriteLine($"{kind.Name}: Slab {heapBefore} kB, eth1 received {receivedBefore} frames before");

        var random = new Random(Seed);
        var watch = Stopwatch.StartNew();
        var drain = new byte[2048];
        for (int i = 0; i < FrameCount; i++)
        {
            peer.SendTo(MalformedFrames.LiveFrame(random, guestMac, GuestIp, PeerMac, PeerIp), guestEnd);
            if (i % Burst == Burst - 1)
            {
                Thread.Sleep(PauseMs);
                while (peer.Available > 0)
                    peer.Receive(drain); // the guest's answers (RSTs, ICMP errors, ARP requests for the peer)
            }
        }
        log.WriteLine($"{kind.Name}: {FrameCount} frames sent in {watch.Elapsed.TotalSeconds:F1} s");

        Assert.DoesNotContain("panic", machine.Output);
        string echo = machine.RunShellCommand("echo console-$((6*7))", TimeSpan.FromSeconds(60));
        Assert.Equal("console-42", echo.Trim());
        long received = Eth1Received(machine) - receivedBefore;
        log.WriteLine($"{kind.Name}: eth1 received {received} of {FrameCount} frames");
        Assert.True(received >= FrameCount / 2, $"only {received} of {FrameCount} frames reached eth1: the pacing lets the fuzzing be dropped");

        // Half-open connections from fuzzed SYNs, reassembly slots and ARP entries expire on their timers.
        long heapAfter = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            heapAfter = SlabKiB(machine);
            log.WriteLine($"{kind.Name}: Slab {heapAfter} kB at {watch.Elapsed.TotalSeconds:F0} s");
            if (heapAfter - heapBefore <= HeapBoundKiB || DateTime.UtcNow > deadline)
                break;
            Thread.Sleep(5000);
        }
        log.WriteLine($"{kind.Name}: Slab {heapAfter} kB after ({heapAfter - heapBefore:+0;-0} kB)");
        if (heapAfter - heapBefore > HeapBoundKiB)
            log.WriteLine(machine.RunShellCommand("cat /proc/net/tcp /proc/net/udp /proc/net/arp"));
        Assert.True(heapAfter - heapBefore <= HeapBoundKiB, $"the kernel heap grew by {heapAfter - heapBefore} kB (from {heapBefore} kB to {heapAfter} kB): a leak");

        // The stack still serves: an ARP answer on eth1, SSH on eth0, and 1 MiB through it intact.
        AssertArpAnswered(peer, guestEnd, guestMac);
        HostResult t = guest.Ssh("true");
        Assert.True(t.Succeeded(), $"ssh true failed after the fuzzing ({t.ExitCode}): {t.Stderr}");
        string local = Path.Combine(guest.Folder, "mebibyte.bin");
        byte[] data = new byte[1 << 20];
        new Random(Seed).NextBytes(data);
        File.WriteAllBytes(local, data);
        HostResult up = guest.Scp(local, "root@127.0.0.1:/tmp/mebibyte.bin");
        Assert.True(up.Succeeded(), $"scp failed ({up.ExitCode}): {up.Stderr}");
        HostResult sum = guest.Ssh("sha256sum /tmp/mebibyte.bin; rm /tmp/mebibyte.bin");
        Assert.True(sum.Succeeded(), $"sha256sum failed ({sum.ExitCode}): {sum.Stderr}");
        Assert.StartsWith(Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant(), sum.Stdout.Trim());
        Assert.DoesNotContain("panic", machine.Output);
    }

    /// <summary>An ARP request from the peer for eth1's address gets a reply from eth1's MAC.</summary>
    private static void AssertArpAnswered(Socket peer, IPEndPoint guestEnd, MacAddress guestMac)
    {
        byte[] request = Frames.Arp(ArpPacket.Request, PeerMac, PeerIp, MacAddress.Zero, GuestIp, MacAddress.Broadcast);
        var buffer = new byte[2048];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            peer.SendTo(request, guestEnd);
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(1);
            while (DateTime.UtcNow < until)
            {
                if (!peer.Poll(100_000, SelectMode.SelectRead))
                    continue;
                int n = peer.Receive(buffer);
                if (n >= 42 && Ethernet.Type(buffer) == Ethernet.TypeArp && BigEndian.U16(buffer, 20) == ArpPacket.Reply
                    && MacAddress.Read(buffer, 22).Equals(guestMac) && BigEndian.U32(buffer, 28) == GuestIp)
                    return;
            }
        }
        Assert.Fail("eth1 did not answer an ARP request for its address within 30 s");
    }

    /// <summary>
    /// Slab once it has not moved for 10 s (at most a minute). A few seconds after boot the heap grows once by
    /// 68 kB whatever the network does (seen on QEMU and on our machine with no frame sent at all, then flat for
    /// minutes): the baseline is taken after that, so that only what the frames leave behind is measured.
    /// </summary>
    private long SteadySlabKiB(QemuMachine machine)
    {
        var since = DateTime.UtcNow;
        var deadline = since + TimeSpan.FromSeconds(60);
        long value = SlabKiB(machine);
        while (DateTime.UtcNow - since < TimeSpan.FromSeconds(10) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(2000);
            long now = SlabKiB(machine);
            if (now != value)
            {
                log.WriteLine($"{kind.Name}: Slab moved from {value} kB to {now} kB before the fuzzing");
                value = now;
                since = DateTime.UtcNow;
            }
        }
        return value;
    }

    /// <summary>/proc/meminfo's Slab: on the managed kernel, the bytes its heap has in use.</summary>
    private static long SlabKiB(QemuMachine machine)
    {
        string text = machine.RunShellCommand("grep '^Slab:' /proc/meminfo");
        Match m = Regex.Match(text, @"Slab:\s+(\d+) kB");
        Assert.True(m.Success, $"no Slab line in /proc/meminfo: {text}");
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The frames eth1 took from its card, from /proc/net/dev: packets, and errors (runts are only those).</summary>
    private static long Eth1Received(QemuMachine machine)
    {
        string text = machine.RunShellCommand("grep 'eth1:' /proc/net/dev");
        Match m = Regex.Match(text, @"eth1:\s*\d+\s+(\d+)\s+(\d+)");
        Assert.True(m.Success, $"no eth1 line in /proc/net/dev: {text}");
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
    }
}

[Collection("Qemu")]
public sealed class LiveRobustnessTestsOnQemu(ITestOutputHelper log) : LiveRobustnessTests(BootMachine.Qemu, log);

[Collection("Emulator")]
public sealed class LiveRobustnessTestsOnEmulator(ITestOutputHelper log) : LiveRobustnessTests(BootMachine.Emulator, log);
