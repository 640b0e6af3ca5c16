using Emulator.Devices.Display;

namespace Emulator.Core.Qmp;

/// <summary>
/// What QMP's built-in commands do to the machine. Every member is called on the QMP server's thread and must
/// be safe there: it may hand work to the CPU's thread but never waits for the guest.
/// </summary>
public interface IQmpMachine
{
    /// <summary>Whether the guest is running (query-status).</summary>
    bool IsRunning { get; }

    /// <summary>The picture screendump saves, or null when there is none (no display device, or not set up yet).</summary>
    DisplayFrame? CaptureScreen();

    /// <summary>Ends the emulator as QEMU's quit does: the process exits with status 0.</summary>
    void Quit();

    /// <summary>Presses the power button, as QEMU's system_powerdown (the guest decides what to do).</summary>
    void PowerDown();
}
