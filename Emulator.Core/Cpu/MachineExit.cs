namespace Emulator.Core.Cpu;

public enum MachineExit
{
    PowerOff,
    Reset,
    Quit,
}
