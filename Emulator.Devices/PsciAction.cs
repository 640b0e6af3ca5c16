namespace Emulator.Devices;

/// <summary>What the machine must do after a PSCI call returns.</summary>
public enum PsciAction
{
    None,
    PowerOff,
    Reset,
}
