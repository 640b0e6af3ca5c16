using Emulator.Core.Qmp;
using Emulator.Devices.Display;

namespace Emulator.Core.Tests.Qmp;

internal sealed class FakeQmpMachine : IQmpMachine
{
    public bool IsRunning { get; set; } = true;

    public IDisplaySource? Display { get; set; }

    public DisplayFrame? CaptureScreen() => Display?.Capture();

    public int Quits { get; private set; }

    public int PowerDowns { get; private set; }

    /// <summary>Runs inside <see cref="Quit"/>, to see what the client had been sent by then.</summary>
    public Action? OnQuit { get; set; }

    public void Quit()
    {
        Quits++;
        OnQuit?.Invoke();
    }

    public void PowerDown() => PowerDowns++;
}
