namespace Emulator.Devices.Tests;

[Collection(DeviceLogCollection.Name)]
public sealed class UnbackedRegionTests
{
    [Theory]
    [InlineData(1, 0xFFul)]
    [InlineData(2, 0xFFFFul)]
    [InlineData(4, 0xFFFF_FFFFul)]
    [InlineData(8, ulong.MaxValue)]
    public void ReadsReturnAllOnesForTheAccessSize(int size, ulong expected)
    {
        var region = new UnbackedRegion("pl061-reads", 0x0903_0000);
        Assert.Equal(expected, region.Read(0x10, size));
    }

    [Fact]
    public void WritesAreIgnored()
    {
        var region = new UnbackedRegion("pl061-writes", 0x0903_0000);
        region.Write(0, 4, 0);
        Assert.Equal(0xFFFF_FFFFul, region.Read(0, 4));
    }

    [Fact]
    public void FirstAccessIsLoggedOnceNamingTheRegionAndAddress()
    {
        using var log = new CapturedDeviceLog();
        var region = new UnbackedRegion("gicv3-redistributor-once", 0x080A_0000);
        region.Read(0x20, 4);
        region.Write(0x40, 4, 1);
        region.Read(0x60, 4);

        var message = Assert.Single(log.Messages);
        Assert.Contains("gicv3-redistributor-once", message);
        Assert.Contains("0x80A0020", message);
    }

    [Fact]
    public void EachRegionLogsItsOwnFirstAccess()
    {
        using var log = new CapturedDeviceLog();
        new UnbackedRegion("region-a-each", 0x1000).Read(0, 4);
        new UnbackedRegion("region-b-each", 0x2000).Write(0, 4, 0);
        Assert.Equal(2, log.Messages.Count);
    }
}
