using Emulator.Core.Board;
using Emulator.Core.Cpu;
using Emulator.Core.Qmp;
using Emulator.Devices.Display;
using Emulator.Devices.Virtio;

namespace Emulator;

/// <summary>
/// QMP's view of the emulator: whichever machine runs now (a guest reset makes a new one). Called on QMP
/// threads; the machine's own methods hand the work to the CPU's thread. Detaching a machine waits for a
/// command still using it, so nothing reads the guest RAM of a machine being disposed.
/// </summary>
internal sealed class MachineControl : IQmpMachine
{
    private readonly Lock _gate = new();
    private VirtMachine? _machine;
    private volatile bool _quit;

    /// <summary>Whether QMP's quit asked the emulator to end (then a reset does not start a new machine).</summary>
    public bool QuitRequested => _quit;

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _machine is not null;
            }
        }
    }

    /// <summary>Hands QMP the machine that runs now, or null between machines and at the end.</summary>
    public void Attach(VirtMachine? machine)
    {
        lock (_gate)
        {
            _machine = machine;
            if (_quit)
            {
                machine?.RequestExit(MachineExit.Quit);
            }
        }
    }

    /// <summary>The running machine's virtio input devices (none between machines).</summary>
    public IReadOnlyList<VirtioInput> InputDevices
    {
        get
        {
            lock (_gate)
            {
                return _machine?.InputDevices ?? [];
            }
        }
    }

    public DisplayFrame? CaptureScreen()
    {
        lock (_gate)
        {
            return _machine?.Display?.Capture();
        }
    }

    public void Quit()
    {
        lock (_gate)
        {
            _quit = true;
            _machine?.RequestExit(MachineExit.Quit);
        }
    }

    public void PowerDown()
    {
        lock (_gate)
        {
            _machine?.PressPowerButton();
        }
    }
}
