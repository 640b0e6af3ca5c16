using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Emulator.Core.Board;
using Emulator.Core.Boot;
using Emulator.Devices.Net;

namespace Emulator;

/// <summary>
/// What boots when the user names no kernel: the managed kernel (built with the emulator) or, with
/// -guest linux, Debian's arm64 Linux with the set-up's initramfs; either way with its root on the
/// default disk and a virtio-rng. With -guest debian, the managed kernel with its root on the Debian
/// image instead. scripts/setup.sh builds the pristine disk images from disk-images/ into the cache
/// folder (outside the repository); the first boot copies one to its working image, which keeps what
/// the guest writes from one run to the next.
/// </summary>
public static class DefaultGuest
{
    public const string DefaultAppend = "console=ttyAMA0 root=/dev/vda rw";

    /// <summary>The host port forwarded to the guest's SSH port when the user gives no network options.</summary>
    public const ushort SshPort = 2222;

    public static string CacheFolder =>
        Environment.GetEnvironmentVariable("VIRT_EMULATOR_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
                "virt-emulator");

    /// <summary>Debian's Linux Image and its initramfs.</summary>
    public static string LinuxKernel => Path.Combine(CacheFolder, "guest", "Image");

    public static string Initramfs => Path.Combine(CacheFolder, "guest", "initramfs.cpio.gz");

    /// <summary>The managed kernel's Image, built by Kernel/Kernel.csproj with this program.</summary>
    public static string ManagedKernel =>
        typeof(DefaultGuest).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ManagedKernelImage")?.Value ?? "Kernel/bin/Image";

    /// <summary>The disk as the set-up built it; never written.</summary>
    public static string PristineDisk => Path.Combine(CacheFolder, "disk", "rootfs.ext2");

    /// <summary>The disk the default guest runs on (a copy of the pristine one).</summary>
    public static string WorkingDisk => Path.Combine(CacheFolder, "disk", "work.ext2");

    /// <summary>The Debian image as the set-up built it (disk-images/build-debian.sh); never written.</summary>
    public static string PristineDebianDisk => Path.Combine(CacheFolder, "disk", "debian.ext2");

    /// <summary>The disk -guest debian runs on (a copy of the pristine Debian image).</summary>
    public static string WorkingDebianDisk => Path.Combine(CacheFolder, "disk", "debian-work.ext2");

    public static MachineConfig Complete(Options options, TextWriter notes)
    {
        if (options.Kernel != null)
        {
            return new MachineConfig
            {
                Cpu = options.Cpu,
                RamSize = options.RamSize,
                KernelPath = options.Kernel,
                InitrdPath = options.Initrd,
                Append = options.Append,
                DtbPath = options.Dtb,
                VirtioDevices = options.VirtioDevices,
                VirtioLegacy = options.VirtioLegacy,
                Ramfb = options.Ramfb,
            };
        }

        bool linux = options.Guest == DefaultGuestKind.Linux;
        string kernel = linux ? LinuxKernel : ManagedKernel;
        if (!File.Exists(kernel) || (linux && !File.Exists(Initramfs)))
        {
            throw new BootException(linux
                ? $"no -kernel given and the default Linux guest is not set up ({kernel}); run: bash scripts/setup.sh"
                : $"no -kernel given and the managed kernel is not built ({kernel}); run: dotnet build Kernel/Kernel.csproj");
        }

        bool debian = options.Guest == DefaultGuestKind.Debian;
        (string pristine, string working) = debian ? (PristineDebianDisk, WorkingDebianDisk) : (PristineDisk, WorkingDisk);
        PrepareWorkingDisk(pristine, working, notes);
        // The default disk is added last so that it takes the lowest transport and is probed first:
        // it is vda for Linux and for the managed kernel; the user's own -drive disks come after it.
        VirtioDeviceSpec[] network = options.NetworkGiven ? [] : [DefaultNetwork(notes)];
        VirtioDeviceSpec[] devices = [.. options.VirtioDevices, .. network, new VirtioRngSpec(), new VirtioBlockSpec(working, Serial: "root")];
        return new MachineConfig
        {
            Cpu = options.Cpu,
            RamSize = options.RamSize,
            KernelPath = kernel,
            InitrdPath = linux ? options.Initrd ?? Initramfs : options.Initrd,
            Append = options.Append ?? DefaultAppend,
            DtbPath = options.Dtb,
            VirtioDevices = devices,
            VirtioLegacy = options.VirtioLegacy,
            Ramfb = options.Ramfb,
        };
    }

    /// <summary>
    /// The default guest's network when the user chose none: <c>-netdev user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22
    /// -device virtio-net-device,netdev=net0</c>, and one line saying how to log in; with port 2222 taken, one line
    /// saying so, and the network without the forward.
    /// </summary>
    private static VirtioNetSpec DefaultNetwork(TextWriter notes)
    {
        var network = new UserNetworkConfig();
        if (PortIsFree(SshPort))
        {
            network = network with { Forwards = [new HostForward(false, 0x7F00_0001, SshPort, 0, 22)] };
            notes.WriteLine($"note: log in to the guest with: ssh -p {SshPort} root@localhost (host port {SshPort} forwards to the guest's port 22)");
        }
        else
        {
            notes.WriteLine($"note: port {SshPort} on 127.0.0.1 is in use, so the guest's SSH port is not forwarded (the guest still has a network)");
        }

        return new VirtioNetSpec(MacAddress.QemuDefault(0), network);
    }

    /// <summary>Whether a listening socket could take <paramref name="port"/> on 127.0.0.1 now (as libslirp's would).</summary>
    private static bool PortIsFree(ushort port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Creates the working disk from the pristine one on first use (a sparse copy).</summary>
    private static void PrepareWorkingDisk(string pristine, string working, TextWriter notes)
    {
        if (!File.Exists(pristine))
        {
            throw new BootException($"the default disk is not built ({pristine}); run: bash scripts/setup.sh");
        }

        if (File.Exists(working))
        {
            if (File.GetLastWriteTimeUtc(pristine) > File.GetLastWriteTimeUtc(working))
            {
                notes.WriteLine($"note: the disk recipe changed since {working} was made; it is kept (delete it to start again from the new disk)");
            }

            return;
        }

        string partial = working + ".partial";
        SparseCopy(pristine, partial);
        File.Move(partial, working);
        notes.WriteLine($"note: created the working disk {working} from {pristine}");
    }

    /// <summary>Copies a disk image leaving runs of zeros as holes, as `cp --sparse=always` does.</summary>
    public static void SparseCopy(string source, string destination)
    {
        const int Chunk = 64 * 1024;
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, Chunk);
        using var output = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.None, Chunk);
        output.SetLength(input.Length);
        var buffer = new byte[Chunk];
        long offset = 0;
        int read;
        while ((read = input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
        {
            if (buffer.AsSpan(0, read).ContainsAnyExcept((byte)0))
            {
                output.Position = offset;
                output.Write(buffer, 0, read);
            }

            offset += read;
        }

        output.Flush(flushToDisk: true);
    }
}
