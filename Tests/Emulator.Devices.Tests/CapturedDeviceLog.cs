namespace Emulator.Devices.Tests;

/// <summary>Points <see cref="DeviceLog.Sink"/> at a list for the lifetime of the object, starting with no kind seen.</summary>
internal sealed class CapturedDeviceLog : IDisposable
{
    private readonly Action<string> _previous;

    public CapturedDeviceLog()
    {
        _previous = DeviceLog.Sink;
        DeviceLog.Reset();
        DeviceLog.Sink = Messages.Add;
    }

    public List<string> Messages { get; } = [];

    public void Dispose() => DeviceLog.Sink = _previous;
}
