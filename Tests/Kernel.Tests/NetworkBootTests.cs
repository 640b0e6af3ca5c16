using System.Text.RegularExpressions;

namespace Kernel.Tests;

/// <summary>
/// The kernel's network stack on QEMU's virtio-net with user-mode networking (slirp: DHCP server and
/// gateway at 10.0.2.2): the lease, a ping to the gateway (the netping self-test), /proc/net/dev.
/// QEMU only until our emulator has -netdev.
/// </summary>
[Collection("Qemu")]
public class NetworkBootTests(BusyboxGuestRoot root) : IClassFixture<BusyboxGuestRoot>
{
    private static long Field(string procNetDev, string iface, int index)
    {
        Match m = Regex.Match(procNetDev, $@"^\s*{iface}:(?<f>.*)$", RegexOptions.Multiline);
        Assert.True(m.Success, procNetDev);
        return long.Parse(m.Groups["f"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[index]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void With_virtio_net_the_kernel_gets_a_DHCP_lease_pings_the_gateway_and_counts_packets(bool modern)
    {
        var options = new List<string> { "-initrd", root.Initramfs, "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0" };
        if (modern)
            options.AddRange(new[] { "-global", "virtio-mmio.force-legacy=false" });
        using var vm = new QemuMachine(BootMachine.Qemu, "netping", "512M", options.ToArray());
        vm.WaitFor($@"^virtio-net: at 0x[0-9a-f]+ irq \d+, virtio-mmio v{(modern ? 2 : 1)}, mac 52:54:00:12:34:56, link up", TimeSpan.FromSeconds(30));
        vm.WaitFor(@"eth0: 10\.0\.2\.15/24 via DHCP from 10\.0\.2\.2$", TimeSpan.FromSeconds(30));
        vm.WaitFor(@"netping: reply from 10\.0\.2\.2 seq 1 after \d+ ms$", TimeSpan.FromSeconds(30));
        vm.WaitFor(@"^system test shell ready$", TimeSpan.FromSeconds(60));
        string dev = vm.RunShellCommand("cat /proc/net/dev");
        Assert.StartsWith("Inter-|   Receive", dev.TrimStart());
        // In: the OFFER, the ACK, the ARP reply, the echo reply. Out: DISCOVER, REQUEST, the ARP request, the echo request.
        Assert.InRange(Field(dev, "eth0", 1), 4, 1000);
        Assert.InRange(Field(dev, "eth0", 0), 4 * 42, 100_000);
        Assert.InRange(Field(dev, "eth0", 9), 4, 1000);
        Assert.Equal(0, Field(dev, "eth0", 2));
        // busybox route reads /proc/net/route; the gateway answered ARP for the ping.
        string routes = vm.RunShellCommand("route -n");
        Assert.Matches(@"(?m)^0\.0\.0\.0\s+10\.0\.2\.2\s+0\.0\.0\.0\s+UG\s+0\s+0\s+0\s+eth0\s*$", routes);
        Assert.Matches(@"(?m)^10\.0\.2\.0\s+0\.0\.0\.0\s+255\.255\.255\.0\s+U\s+0\s+0\s+0\s+eth0\s*$", routes);
        string arp = vm.RunShellCommand("cat /proc/net/arp");
        Assert.True(Regex.IsMatch(arp, @"(?m)^10\.0\.2\.2\s+0x1\s+0x2\s+52:55:0a:00:02:02\s+\*\s+eth0\s*$"), arp);
    }

    [Fact]
    public void Without_a_card_only_loopback_exists_and_no_lease_is_sought()
    {
        using var vm = new QemuMachine(BootMachine.Qemu, "", "512M", "-initrd", root.Initramfs);
        vm.WaitFor(@"^system test shell ready$", TimeSpan.FromSeconds(60));
        string dev = vm.RunShellCommand("cat /proc/net/dev");
        Assert.Matches(@"^\s*lo:", dev.Split('\n')[2]);
        Assert.DoesNotContain("eth0", dev);
        Assert.DoesNotContain("eth0:", vm.Output);
    }
}
