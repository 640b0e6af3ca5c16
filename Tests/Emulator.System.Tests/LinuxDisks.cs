namespace Emulator.System.Tests;

/// <summary>
/// One boot of the default guest (Debian's Linux and busybox initramfs) with three virtio-blk disks and a
/// virtio-rng, shared by a class of disk checks: a fresh ext2 image (serial "ext2"), a fresh ext4 image
/// ("ext4") and a read-only ext2 image holding readme.txt ("ro"). Linux names the disks by transport slot,
/// so the tests find each by its serial in /sys/block.
/// </summary>
public abstract class LinuxDisks : IDisposable
{
    public const string ReadOnlyText = "a disk the guest may only read";

    private readonly TempFolder _folder = new();

    protected LinuxDisks(bool legacy)
    {
        TestEnvironment.RequireDefaultGuest();
        Legacy = legacy;
        Ext2Image = HostDisk.Make(_folder.File("ext2.img"), "ext2", 32);
        Ext4Image = HostDisk.Make(_folder.File("ext4.img"), "ext4", 64);
        var content = Directory.CreateDirectory(_folder.File("ro-content")).FullName;
        File.WriteAllText(Path.Combine(content, "readme.txt"), ReadOnlyText + "\n");
        ReadOnlyImage = HostDisk.Make(_folder.File("ro.img"), "ext2", 8, content);
        ReadOnlyHashBefore = HostDisk.Sha256(ReadOnlyImage);

        // Debian's Linux with the set-up's initramfs (its virtio and ext4 modules), its shell on the console.
        List<string> arguments = ["-kernel", TestEnvironment.DefaultKernel, "-initrd", TestEnvironment.DefaultInitramfs, "-append", "console=ttyAMA0"];
        if (!legacy)
        {
            arguments.AddRange(["-global", "virtio-mmio.force-legacy=false"]);
        }

        foreach (var (id, image, options) in new[] { ("ext2", Ext2Image, ""), ("ext4", Ext4Image, ""), ("ro", ReadOnlyImage, ",readonly=on") })
        {
            arguments.AddRange(["-drive", $"file={image},format=raw,if=none,id={id}{options}", "-device", $"virtio-blk-device,drive={id},serial={id}"]);
        }

        arguments.AddRange(["-device", "virtio-rng-device"]);
        Console = GuestConsole.Start([.. arguments]);
        Console.FailOn = LinuxGuestCollection.KernelFailure;
        try
        {
            Console.WaitFor(GuestConsole.ShellPrompt, LinuxGuestCollection.BootTimeout);
            // Kernel notices (a mount's "EXT4-fs ... mounted") would mix with the commands' output; errors still show.
            Console.Run("dmesg -n 4; mkdir -p /mnt/ext2 /mnt/ext4 /mnt/ro", TimeSpan.FromSeconds(30));
            var lines = Console.Run("for d in /sys/block/vd*; do echo ${d##*/} $(cat $d/serial); done", TimeSpan.FromSeconds(30));
            Devices = lines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' '))
                .Where(words => words.Length == 2)
                .ToDictionary(words => words[1], words => words[0]);
            Assert.True(Devices.Count == 3, $"Linux should list three disks with serials, got:\n{lines}");

            // Bit 32 of the negotiated features, VIRTIO_F_VERSION_1, tells which register layout the driver met.
            var version1 = Console.Run("cat /sys/block/vd*/device/features | cut -c33 | sort -u", TimeSpan.FromSeconds(30));
            Assert.True(version1 == (legacy ? "0" : "1"), $"the disks' VERSION_1 feature bit should be {(legacy ? 0 : 1)}, got: {version1}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public bool Legacy { get; }

    public GuestConsole Console { get; }

    /// <summary>The guest's device name (vda, ...) of each disk, by serial.</summary>
    public IReadOnlyDictionary<string, string> Devices { get; } = new Dictionary<string, string>();

    public string Ext2Image { get; }

    public string Ext4Image { get; }

    public string ReadOnlyImage { get; }

    public string ReadOnlyHashBefore { get; }

    public string Folder => _folder.Path;

    public void Dispose()
    {
        Console?.Dispose();
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }
}
