using System.Text.RegularExpressions;

namespace Kernel.Tests.Ssh;

/// <summary>
/// One machine booted as <c>dotnet run</c> boots it (the managed kernel, or with <c>-guest linux</c> Debian's
/// Linux with the set-up's initramfs; its root a copy of the set-up's disk, a virtio-rng and virtio-net with
/// user-mode networking) with a free host port forwarded to the guest's port 22, where the disk's dropbear
/// listens; and the host's OpenSSH client pointed at it. The client trusts only the host keys the set-up made
/// for the image (a strict known_hosts) and logs in with the project's key.
/// </summary>
public abstract class SshGuest : IDisposable
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);
    private readonly string _folder;

    /// <param name="extraDevices">
    /// More devices (another NIC, say), given before the standard ones: QEMU puts the first -device on the highest
    /// virtio-mmio transport, and the kernel numbers its cards from the lowest, so a NIC here is eth1, after eth0.
    /// </param>
    protected SshGuest(BootMachine kind, bool linux = false, IReadOnlyList<string>? extraDevices = null)
    {
        Kind = kind;
        _folder = Path.Combine(Path.GetTempPath(), $"ssh-guest-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
        string disk = DiskRootTests.PristineDisk;
        if (!File.Exists(disk))
            throw new InvalidOperationException($"the root disk image is missing at {disk}: run bash scripts/setup.sh");
        if (!File.Exists(ProjectKey))
            throw new InvalidOperationException($"the project's SSH key is missing at {ProjectKey}: run bash scripts/setup.sh");
        string image = Path.Combine(_folder, "root.ext2");
        Check(HostCommand.Run("cp", ["--sparse=always", disk, image], null, TimeSpan.FromMinutes(1)), "cp");
        KnownHosts = Path.Combine(_folder, "known_hosts");
        Port = HostPorts.Free();
        File.WriteAllLines(KnownHosts, HostKeys().Select(k => $"[127.0.0.1]:{Port} {k}"));

        string[] devices =
        [
            .. extraDevices ?? [],
            "-netdev", $"user,id=n0,hostfwd=tcp:127.0.0.1:{Port}-:22", "-device", "virtio-net-device,netdev=n0",
            "-device", "virtio-rng-device",
            "-drive", $"file={image},format=raw,if=none,id=root", "-device", "virtio-blk-device,drive=root,serial=root",
        ];
        const string Append = "console=ttyAMA0 root=/dev/vda rw";
        string guest = Path.Combine(CacheFolder, "guest");
        Machine = linux
            ? QemuMachine.WithKernel(kind, Path.Combine(guest, "Image"), Append, "512M", ["-initrd", Path.Combine(guest, "initramfs.cpio.gz"), .. devices])
            : new QemuMachine(kind, Append, "512M", devices);
        try
        {
            Machine.WaitFor(@"^Its recipe is disk-images/", BootTimeout);
            // rcS starts dropbear just before the shell: it may take a moment to listen.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            HostResult r;
            while (!(r = Ssh("true")).Succeeded())
            {
                if (DateTime.UtcNow > deadline)
                    throw new InvalidOperationException($"no SSH login on {kind.Name} within 60 s after boot: {r.Stderr}\n{Machine.Output}");
                Thread.Sleep(500);
            }
        }
        catch
        {
            // xunit does not dispose a fixture whose constructor failed: the machine must not outlive it.
            Dispose();
            throw;
        }
    }

    public BootMachine Kind { get; }

    public QemuMachine Machine { get; }

    /// <summary>The host port forwarded to the guest's port 22.</summary>
    public int Port { get; }

    /// <summary>A known_hosts file naming the image's host keys for this port, and nothing else.</summary>
    public string KnownHosts { get; }

    public static string CacheFolder => BusyboxGuestRoot.CacheFolder;

    /// <summary>The key the set-up made for the project (root's authorized_keys holds its public half).</summary>
    public static string ProjectKey => Path.Combine(CacheFolder, "ssh", "id_ed25519");

    /// <summary>The image's host keys as OpenSSH writes public keys, from the set-up's dropbear keys (dropbearkey -y).</summary>
    private static IEnumerable<string> HostKeys()
    {
        string multi = Path.Combine(CacheFolder, "dropbear", "dropbearmulti");
        foreach (string type in new[] { "ed25519", "ecdsa", "rsa" })
        {
            string key = Path.Combine(CacheFolder, "ssh", "host", $"dropbear_{type}_host_key");
            HostResult r = Check(HostCommand.Run("qemu-aarch64-static", [multi, "dropbearkey", "-y", "-f", key], null, TimeSpan.FromMinutes(1)), "dropbearkey -y");
            Match m = Regex.Match(r.Stdout, @"(?m)^((?:ssh-|ecdsa-)\S+ \S+)");
            if (!m.Success)
                throw new InvalidOperationException($"dropbearkey -y printed no public key for {key}:\n{r.Stdout}");
            yield return m.Groups[1].Value;
        }
    }

    /// <summary>The options every client here uses: this guest's port and host keys, no agent, no prompts.</summary>
    public string[] ClientOptions(string? identity = null) =>
    [
        "-o", $"UserKnownHostsFile={KnownHosts}", "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "ConnectTimeout=30",
        "-o", "LogLevel=ERROR", "-i", identity ?? ProjectKey,
    ];

    /// <summary>ssh root@127.0.0.1 -p PORT COMMAND with the project's key (or <paramref name="identity"/>).</summary>
    internal HostResult Ssh(string command, string? identity = null, TimeSpan? timeout = null, params string[] extra) =>
        HostCommand.Run("ssh", [.. ClientOptions(identity), .. extra, "-p", Port.ToString(), "root@127.0.0.1", command], null, timeout ?? TimeSpan.FromSeconds(120));

    /// <summary>A password login (OpenSSH reads the password from SSH_ASKPASS), keys not offered.</summary>
    internal HostResult SshWithPassword(string password, string command)
    {
        string askpass = Path.Combine(_folder, $"askpass-{Guid.NewGuid():N}");
        File.WriteAllText(askpass, $"#!/bin/sh\nprintf '%s\\n' '{password}'\n");
        HostCommand.Run("chmod", ["500", askpass], null, TimeSpan.FromSeconds(10));
        var environment = new Dictionary<string, string> { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force", ["DISPLAY"] = "none" };
        return HostCommand.Run("ssh",
            ["-o", $"UserKnownHostsFile={KnownHosts}", "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null",
             "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=1",
             "-o", "IdentityAgent=none", "-o", "LogLevel=ERROR", "-p", Port.ToString(), "root@127.0.0.1", command],
            environment, TimeSpan.FromSeconds(120));
    }

    /// <summary>scp -O (the scp protocol: the guest has no sftp-server) with the project's key.</summary>
    internal HostResult Scp(string from, string to) =>
        HostCommand.Run("scp", ["-O", .. ClientOptions(), "-P", Port.ToString(), from, to], null, TimeSpan.FromMinutes(5));

    /// <summary>The ssh command line (for tmux), quoted for a shell.</summary>
    public string SshCommandLine(params string[] extra) =>
        string.Join(' ', new[] { "ssh" }.Concat(ClientOptions()).Concat(extra).Concat(["-p", Port.ToString(), "root@127.0.0.1"]).Select(a => $"'{a}'"));

    public string Folder => _folder;

    private static HostResult Check(HostResult r, string what) =>
        r.Succeeded() ? r : throw new InvalidOperationException($"{what} failed ({r.ExitCode}): {r.Stderr}{r.Stdout}");


    public void Dispose()
    {
        Machine.Dispose();
        Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }
}

public sealed class SshGuestOnQemu() : SshGuest(BootMachine.Qemu);

public sealed class SshGuestOnEmulator() : SshGuest(BootMachine.Emulator);

/// <summary>Debian's Linux on QEMU with the same disk: the reference every SSH check must also pass on.</summary>
public sealed class LinuxSshGuestOnQemu() : SshGuest(BootMachine.Qemu, linux: true);

public sealed class LinuxSshGuestOnEmulator() : SshGuest(BootMachine.Emulator, linux: true);

internal static class HostResultExtensions
{
    public static bool Succeeded(this HostResult r) => r.ExitCode == 0 && !r.TimedOut;
}
