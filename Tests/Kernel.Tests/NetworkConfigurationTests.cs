using System.Text.RegularExpressions;

namespace Kernel.Tests;

/// <summary>
/// Network configuration from user space, as a person does it with busybox: `ip` (netlink), `route -n`, `ifconfig`
/// and `udhcpc` on our kernel (booted with ip=off, so the kernel's own DHCP stays out) print what they print on
/// Debian's Linux under QEMU with the same options, the same busybox and the same commands, step by step. What
/// Linux has and we do not is taken out of both before comparing: IPv6 addresses, and the counters.
/// </summary>
public abstract class NetworkConfigurationTests(BusyboxGuestRoot root, BootMachine machine) : IClassFixture<BusyboxGuestRoot>
{
    private static readonly string[] Network = ["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"];

    private QemuMachine BootOurs()
    {
        return new QemuMachine(machine, "ip=off", "512M", [.. new[] { "-initrd", root.Initramfs }.Concat(Network)])
            .StartedWith(vm => vm.WaitFor(@"^system test shell ready$", TimeSpan.FromSeconds(60)));
    }

    /// <summary>Debian's Linux with the set-up's initramfs (its virtio_net module), on QEMU: the reference.</summary>
    private static QemuMachine BootLinux()
    {
        string guest = Path.Combine(BusyboxGuestRoot.CacheFolder, "guest");
        return QemuMachine.WithKernel(BootMachine.Qemu, Path.Combine(guest, "Image"), "console=ttyAMA0", "512M",
            [.. new[] { "-initrd", Path.Combine(guest, "initramfs.cpio.gz") }.Concat(Network)])
            .StartedWith(vm =>
            {
                vm.WaitFor(@"busybox initramfs ready", TimeSpan.FromSeconds(60));
                vm.RunShellCommand("dmesg -n 1");
            });
    }

    /// <summary>Takes out what only Linux has (IPv6) and what differs from run to run (counters, busybox's qlen, which it reads through an AF_INET socket).</summary>
    private static string Normalise(string output)
    {
        var lines = new List<string>();
        string[] all = output.Replace("\r", "").Split('\n');
        for (int i = 0; i < all.Length; i++)
        {
            if (Regex.IsMatch(all[i], @"^\s*inet6 "))
            {
                if (i + 1 < all.Length && all[i + 1].TrimStart().StartsWith("valid_lft", StringComparison.Ordinal))
                    i++;
                continue;
            }
            if (Regex.IsMatch(all[i], @"^\s*inet6 addr:"))
                continue;
            string line = Regex.Replace(all[i], @"qlen \d+", "").TrimEnd();
            line = Regex.Replace(line, @"(packets|errors|dropped|overruns|frame|carrier|collisions|bytes):\d+( \([^)]*\))?", "$1:#");
            line = Regex.Replace(line, @"time=[\d.]+ ms", "time=# ms");
            line = Regex.Replace(line, @"min/avg/max = [\d./]+", "min/avg/max = #");
            lines.Add(line);
        }
        return string.Join('\n', lines);
    }

    private static void Compare(QemuMachine ours, QemuMachine linux, IEnumerable<string> steps)
    {
        foreach (string step in steps)
        {
            string expected = Normalise(linux.RunShellCommand(step + " 2>&1; echo rc=$?"));
            string actual = Normalise(ours.RunShellCommand(step + " 2>&1; echo rc=$?"));
            Assert.True(expected == actual, $"`{step}`\n--- Linux:\n{expected}\n--- ours:\n{actual}");
        }
    }

    [Fact]
    public void Ip_link_addr_and_route_print_what_they_print_on_Linux()
    {
        using QemuMachine linux = BootLinux();
        using QemuMachine ours = BootOurs();
        Compare(ours, linux,
        [
            "ip link set lo up", // Linux's lo starts down (an init script brings it up); ours starts up
            "ip link",
            "ip addr",
            "ip route",
            // Linux reports the carrier up to a second after the link comes up (its linkwatch): until then "NO-CARRIER".
            "ip link set eth0 up && sleep 2 && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2",
            "ip addr",
            "ip route",
            "route -n",
            "cat /proc/net/route",
            "ip route get 10.0.2.2",
            "ip route add 192.168.5.0/24 via 10.0.2.3 metric 7 && ip route && route -n",
            "ip route add 192.168.5.0/24 via 10.0.2.3 metric 7",
            "ip route del 192.168.5.0/24 via 10.0.2.3 metric 7 && ip route",
            "ip route del 192.168.5.0/24",
            "ip route add 172.16.0.0/12 via 192.168.9.9",
            "ip link set lo down && ip link show lo && ip link set lo up && ip addr show lo",
            "ip addr add 10.0.2.15/24 dev eth0",
            "ip addr del 10.0.2.15/24 dev eth0 && ip route && ip addr show eth0",
            "ip addr del 10.0.2.15/24 dev eth0",
            "ip link set eth0 mtu 1400 && ip link show eth0",
            "ip link set eth0 mtu 100000",
            "ip route add 10.9.0.0/16 dev eth0 && ip route",
            "ip link set eth0 down && ip link show eth0 && ip route",
            "ip link set eth9 up",
        ]);
    }

    /// <summary>
    /// udhcpc gets the lease over AF_PACKET and its script configures eth0 with ifconfig and route; then the
    /// configuration tools and a ping to the gateway behave as on Linux.
    /// </summary>
    [Fact]
    public void Udhcpc_ifconfig_and_route_configure_the_network_as_on_Linux()
    {
        using QemuMachine linux = BootLinux();
        using QemuMachine ours = BootOurs();
        const string script = "printf '#!/bin/sh\\ncase \"$1\" in\\n bound|renew) ifconfig $interface $ip netmask $subnet up; " +
            "route add default gw $router dev $interface ;;\\n deconfig) ifconfig $interface 0.0.0.0 up ;;\\nesac\\n' > /tmp/dhcp.sh && chmod +x /tmp/dhcp.sh";
        Compare(ours, linux,
        [
            "ip link set lo up",
            script,
            "ifconfig",
            "ifconfig -a",
            "udhcpc -i eth0 -s /tmp/dhcp.sh -n -q -t 5",
            "ifconfig",
            "ifconfig eth0",
            "route -n",
            "ip addr",
            "ip route",
            "ping -c 2 10.0.2.2",
            "route add -net 192.168.7.0 netmask 255.255.255.0 gw 10.0.2.3 metric 3 && route -n",
            "route add -net 192.168.7.0 netmask 255.255.255.0 gw 10.0.2.3 metric 3",
            "route del -net 192.168.7.0 netmask 255.255.255.0 gw 10.0.2.3 metric 3 && route -n",
            "route del -net 192.168.7.0 netmask 255.255.255.0",
            "ifconfig lo down && ifconfig lo && ifconfig lo up && ifconfig lo",
            "ifconfig eth0 10.0.2.16 netmask 255.255.0.0 && ifconfig eth0 && route -n",
            "ifconfig eth0 0.0.0.0 && ifconfig eth0 && route -n",
            "ifconfig eth7 up",
            "su nobody -s /bin/sh -c 'ifconfig eth0 10.0.2.20'",
        ]);
        // udhcpc's configuration reaches the gateway: the kernel answers ARP and ping for 10.0.2.15 (checked above with
        // ping from the guest); the lease line is udhcpc's own.
        Assert.Contains("lease of 10.0.2.15 obtained from 10.0.2.2", ours.Output);
    }
}

[Collection("Qemu")]
public class NetworkConfigurationTestsOnQemu(BusyboxGuestRoot root) : NetworkConfigurationTests(root, BootMachine.Qemu);

[Collection("Emulator")]
public class NetworkConfigurationTestsOnEmulator(BusyboxGuestRoot root) : NetworkConfigurationTests(root, BootMachine.Emulator);
