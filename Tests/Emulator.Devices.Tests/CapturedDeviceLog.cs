using Emulator.Devices;

namespace Emulator.Devices.Tests;

/// <summary>Points <see cref="DeviceLog.Sink"/> at a list for the lifetime of the object.</summary>
internal sealed class CapturedDeviceLog : IDisposable
{
    private readonly Action<string> previous;

    public CapturedDeviceLog()
    {
        previous = DeviceLog.Sink;
        DeviceLog.Sink = Messages.Add;
    }

    public List<string> Messages { get; } = [];

    public void Dispose() => DeviceLog.Sink = previous;
}
