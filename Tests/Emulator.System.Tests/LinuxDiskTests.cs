namespace Emulator.System.Tests;

/// <summary>
/// Debian's Linux on our machine using virtio-blk disks and the virtio-rng as a person would: file systems
/// made on the host are mounted, written, read back and unmounted in the guest, and the host then finds
/// them clean (`e2fsck -fn`) with the guest's files in them (debugfs); a read-only drive stays unchanged;
/// /dev/hwrng gives random bytes. Run once per virtio-mmio register layout, each on one boot; the last
/// step of each layout ends the machine (see the derived classes).
/// </summary>
public abstract class LinuxDiskTests(LinuxDisks disks)
{
    protected static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    protected LinuxDisks Disks { get; } = disks;

    protected GuestConsole Console => Disks.Console;

    protected string Run(string command) => Console.Run(command, CommandTimeout);

    [Fact]
    [Step(1)]
    public void Ext2ImageIsWrittenReadBackAndChecksCleanOnTheHost() => WriteReadBackAndCheck("ext2", Disks.Ext2Image);

    [Fact]
    [Step(2)]
    public void Ext4ImageIsWrittenReadBackAndChecksCleanOnTheHost() => WriteReadBackAndCheck("ext4", Disks.Ext4Image);

    /// <summary>
    /// Mounts the disk with serial <paramref name="type"/>, writes 20 small files and 3 MiB of random bytes,
    /// syncs, drops the caches so that the reads come from the disk, reads everything back, unmounts; then
    /// checks the image on the host.
    /// </summary>
    private void WriteReadBackAndCheck(string type, string image)
    {
        var device = "/dev/" + Disks.Devices[type];
        Assert.Equal("mounted", Run($"M=/mnt/{type}; mount -t {type} {device} $M && echo mounted"));
        Run("mkdir $M/docs && i=0; while [ $i -lt 20 ]; do echo \"note $i on " + type + "\" > $M/docs/note$i; i=$((i+1)); done");
        var written = Run("head -c 3145728 /dev/urandom > $M/docs/random.bin && md5sum $M/docs/random.bin");
        Assert.Matches("^[0-9a-f]{32}  /mnt/" + type + "/docs/random.bin$", written);
        Assert.Equal("synced", Run("sync && echo 3 > /proc/sys/vm/drop_caches && echo synced"));

        Assert.Equal(written, Run("md5sum $M/docs/random.bin"));
        Assert.Equal($"note 7 on {type}\nnote 19 on {type}", Run("cat $M/docs/note7 $M/docs/note19"));
        Assert.Equal("20 3145728", Run("echo $(ls $M/docs/note* | wc -l) $(wc -c < $M/docs/random.bin)"));
        Assert.Equal("unmounted", Run("umount $M && echo unmounted"));

        HostDisk.AssertClean(image);
        Assert.Equal($"note 7 on {type}\n", HostDisk.Debugfs(image, "cat /docs/note7"));
        var random = HostDisk.ReadFile(image, "/docs/random.bin", Disks.Folder);
        Assert.NotNull(random);
        Assert.Equal(written[..32], HostDisk.Md5(random));
    }

    [Fact]
    [Step(3)]
    public void HwrngGivesRandomBytesThatDifferAcrossReads()
    {
        Assert.Contains("virtio_rng", Run("cat /sys/class/misc/hw_random/rng_current"));
        const string read = "dd if=/dev/hwrng bs=64 count=4 2>/dev/null | od -An -v -tx1 | tr -d ' \\n'; echo";
        var first = Run(read);
        var second = Run(read);

        Assert.Matches("^[0-9a-f]{512}$", first);
        Assert.Matches("^[0-9a-f]{512}$", second);
        Assert.NotEqual(first, second);
        Assert.NotEqual(new string('0', 512), first);
    }

    [Fact]
    [Step(4)]
    public void ReadOnlyDriveMountsReadOnlyRefusesWritesAndStaysUnchanged()
    {
        var name = Disks.Devices["ro"];
        var device = "/dev/" + name;
        Assert.Equal("1 1", Run($"echo $(cat /sys/block/{name}/ro) $(blockdev --getro {device})"));

        // The kernel refuses a read-write mount of a read-only disk; busybox's mount then mounts it read-only.
        Assert.EndsWith("rc=0", Run($"mount -t ext2 {device} /mnt/ro 2>&1; echo rc=$?"), StringComparison.Ordinal);
        Assert.Matches($"^{device} /mnt/ro ext2 ro[,\\s]", Run("grep ' /mnt/ro ' /proc/mounts"));
        Assert.Equal(LinuxDisks.ReadOnlyText, Run("cat /mnt/ro/readme.txt"));
        var touch = Run("touch /mnt/ro/new 2>&1; echo rc=$?");
        Assert.Contains("Read-only file system", touch);
        Assert.EndsWith("rc=1", touch, StringComparison.Ordinal);
        Assert.Equal("unmounted", Run("umount /mnt/ro && echo unmounted"));

        var dd = Run($"echo overwrite | dd of={device} conv=fsync 2>&1; echo rc=$?");
        Assert.Contains("Operation not permitted", dd);
        Assert.EndsWith("rc=1", dd, StringComparison.Ordinal);

        Assert.Equal(Disks.ReadOnlyHashBefore, HostDisk.Sha256(Disks.ReadOnlyImage));
    }
}
