using Emulator.Core.Board;
using Emulator.Core.Cpu;
using Emulator.Core.Qmp;
using Emulator.Devices.Display;

namespace Emulator;

/// <summary>
/// QMP's view of the emulator: whichever machine runs now (a guest reset makes a new one). Called on QMP
/// threads; the machine's own methods hand the work to the CPU's thread.
/// </summary>
internal sealed class MachineControl : IQmpMachine
{
    private volatile VirtMachine? _machine;
    private volatile bool _quit;

    /// <summary>Whether QMP's quit asked the emulator to end (then a reset does not start a new machine).</summary>
    public bool QuitRequested => _quit;

    public bool IsRunning => _machine is not null;

    public IDisplaySource? Display => _machine?.Display;

    public void Attach(VirtMachine? machine)
    {
        _machine = machine;
        if (_quit)
        {
            machine?.RequestExit(MachineExit.Quit);
        }
    }

    public void Quit()
    {
        _quit = true;
        _machine?.RequestExit(MachineExit.Quit);
    }

    public void PowerDown() => _machine?.PressPowerButton();
}
