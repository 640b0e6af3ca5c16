namespace Emulator.System.Tests;

/// <summary>
/// The disk checks on virtio-mmio version 2 (<c>-global virtio-mmio.force-legacy=false</c>), ending in a
/// clean power-off after which every image is still as the earlier steps left it.
/// </summary>
[Collection(LinuxGuestCollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed class LinuxDiskTestsOnModernTransport(LinuxDiskTestsOnModernTransport.Machine machine)
    : LinuxDiskTests(machine), IClassFixture<LinuxDiskTestsOnModernTransport.Machine>
{
    public sealed class Machine() : LinuxDisks(legacy: false);

    [Fact]
    [Step(100)]
    public void PoweroffEndsTheEmulatorAndLeavesEveryImageClean()
    {
        Console.Type("poweroff -f");

        Assert.Equal(0, Console.WaitForExit(TimeSpan.FromSeconds(60)));
        HostDisk.AssertClean(Disks.Ext2Image);
        HostDisk.AssertClean(Disks.Ext4Image);
        Assert.Equal(Disks.ReadOnlyHashBefore, HostDisk.Sha256(Disks.ReadOnlyImage));
    }
}
