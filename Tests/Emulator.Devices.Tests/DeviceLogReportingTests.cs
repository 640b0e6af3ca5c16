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
}
