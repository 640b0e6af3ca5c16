namespace Emulator.Devices;

/// <summary>An interrupt line from a device to the interrupt controller (level-sensitive).</summary>
public interface IIrqLine
{
    void Set(bool level);
}
