namespace Emulator.Devices.Tests;

/// <summary>An interrupt line that remembers its level and every value it was driven with.</summary>
internal sealed class RecordingIrqLine : IIrqLine
{
    public bool Level { get; private set; }

    public List<bool> History { get; } = [];

    public void Set(bool level)
    {
        Level = level;
        History.Add(level);
    }
}
