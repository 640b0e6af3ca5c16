using Emulator.Devices.Display;

namespace Emulator.Core.Tests.Qmp;

internal sealed class FixedDisplay(DisplayFrame? frame) : IDisplaySource
{
    public DisplayFrame? Capture() => frame;
}
