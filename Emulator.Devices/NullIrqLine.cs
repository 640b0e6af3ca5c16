namespace Emulator.Devices;

/// <summary>An interrupt line that does nothing; for devices whose interrupt is not wired.</summary>
public sealed class NullIrqLine : IIrqLine
{
    public static readonly NullIrqLine Instance = new();

    public void Set(bool level)
    {
    }
}
