namespace Emulator.Devices.Tests;

[Collection(DeviceLogCollection.Name)]
public sealed class DeviceLogReportingTests
{
    [Fact]
    public void UnimplementedRegisterAccessIsReportedThroughDeviceLog()
    {
        using var log = new CapturedDeviceLog();
        var uart = new Pl011(new RecordingIrqLine(), _ => { });
        uart.Read(0x0F0, 4);
        Assert.Contains(log.Messages, m => m.StartsWith("PL011:", StringComparison.Ordinal) && m.Contains("0x0F0", StringComparison.Ordinal));
    }

    [Fact]
    public void MistakesThatDifferOnlyInTheirNumbersAreReportedOnceAndCounted()
    {
        using var log = new CapturedDeviceLog();
        var uart = new Pl011(new RecordingIrqLine(), _ => { });
        for (var offset = 0x0F0UL; offset < 0x0F0 + 4 * 16; offset += 4)
        {
            uart.Read(offset, 4);
        }

        var message = Assert.Single(log.Messages);
        Assert.Contains("0x0F0", message, StringComparison.Ordinal);
        var summary = Assert.Single(DeviceLog.Summary());
        Assert.Contains("(16 times in all)", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void DifferentKindsOfMistakeAreEachReported()
    {
        using var log = new CapturedDeviceLog();
        var uart = new Pl011(new RecordingIrqLine(), _ => { });
        uart.Read(0x0F0, 4);
        uart.Write(0x0F0, 4, 0);

        Assert.Equal(2, log.Messages.Count);
        Assert.Empty(DeviceLog.Summary());
    }
}
