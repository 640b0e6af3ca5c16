namespace Emulator.System.Tests;

/// <summary>
/// The disk checks on QEMU's default virtio-mmio layout (version 1), ending in a power cut: the emulator is
/// killed (SIGKILL) right after the guest's `sync` returns, and what was synced is in the image.
/// </summary>
[Collection(LinuxGuestCollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed class LinuxDiskTestsOnLegacyTransport(LinuxDiskTestsOnLegacyTransport.Machine machine)
    : LinuxDiskTests(machine), IClassFixture<LinuxDiskTestsOnLegacyTransport.Machine>
{
    public sealed class Machine() : LinuxDisks(legacy: true);

    [Fact]
    [Step(100)]
    public void DataSyncedBeforeThePowerIsCutIsInTheImage()
    {
        var device = "/dev/" + Disks.Devices["ext2"];
        Assert.Equal("mounted", Run($"mount -t ext2 {device} /mnt/ext2 && echo mounted"));
        // 1 MiB of numbered lines, then sync; the marker is printed only once sync has returned.
        Console.Mark();
        Console.Type("seq -w 1 131072 > /mnt/ext2/synced.txt; sync; echo SYNC\"\"ED");
        Console.WaitFor("SYNCED", CommandTimeout);
        Console.Kill();

        // The guest never unmounted the journal-less ext2, so e2fsck may find it marked in use: information only.
        var check = HostDisk.Check(Disks.Ext2Image);
        var expected = string.Concat(Enumerable.Range(1, 131072).Select(i => $"{i:D6}\n"));
        var synced = HostDisk.ReadFile(Disks.Ext2Image, "/synced.txt", Disks.Folder);
        Assert.True(synced != null, $"/synced.txt is not in the image after the power cut; e2fsck -fn says:\n{check}");
        Assert.True(synced.Length == expected.Length, $"/synced.txt has {synced.Length} bytes, not {expected.Length}; e2fsck -fn says:\n{check}");
        Assert.True(global::System.Text.Encoding.ASCII.GetString(synced) == expected, $"/synced.txt differs from what was written; e2fsck -fn says:\n{check}");
    }
}
