using System.Net;
using System.Net.Sockets;

namespace Emulator.System.Tests;

/// <summary>
/// One boot of Debian's Linux with the set-up's busybox initramfs (its virtio_net module) and a NIC on user-mode
/// networking, <c>-netdev user,id=n0,hostfwd=tcp:127.0.0.1:PORT-:5555 -device virtio-net-device,netdev=n0</c>,
/// on our machine or on QEMU with the same options (the reference), shared by a class of network checks.
/// </summary>
public abstract class LinuxNetwork : IDisposable
{
    /// <summary>The guest port the host port forwards to.</summary>
    public const int GuestPort = 5555;

    protected LinuxNetwork(bool qemu, bool legacy)
    {
        TestEnvironment.RequireDefaultGuest();
        ForwardedPort = FreePort();
        List<string> arguments =
        [
            "-kernel", TestEnvironment.DefaultKernel, "-initrd", TestEnvironment.DefaultInitramfs, "-append", "console=ttyAMA0",
            "-netdev", $"user,id=n0,hostfwd=tcp:127.0.0.1:{ForwardedPort}-:{GuestPort}", "-device", "virtio-net-device,netdev=n0",
        ];
        if (!legacy)
        {
            arguments.AddRange(["-global", "virtio-mmio.force-legacy=false"]);
        }

        Console = qemu ? GuestConsole.StartQemu([.. arguments]) : GuestConsole.Start([.. arguments]);
        Console.FailOn = LinuxGuestCollection.KernelFailure;
        try
        {
            Console.WaitFor(GuestConsole.ShellPrompt, LinuxGuestCollection.BootTimeout);
            Console.Run("dmesg -n 4", TimeSpan.FromSeconds(30));

            // Bit 32 of the negotiated features, VIRTIO_F_VERSION_1, tells which header size the driver uses (10 or 12 bytes).
            var version1 = Console.Run("cut -c33 /sys/class/net/eth0/device/features", TimeSpan.FromSeconds(30));
            Assert.True(version1 == (legacy ? "0" : "1"), $"the NIC's VERSION_1 feature bit should be {(legacy ? 0 : 1)}, got: {version1}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public GuestConsole Console { get; }

    /// <summary>The host port (on 127.0.0.1) forwarded to the guest's <see cref="GuestPort"/>.</summary>
    public int ForwardedPort { get; }

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Console?.Dispose();
        GC.SuppressFinalize(this);
    }
}
