using Emulator.Devices;

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

/// <summary>A block of guest RAM at a base address; anything outside it is unmapped.</summary>
internal sealed class FakeGuestMemory(ulong baseAddress, int size) : IGuestMemory
{
    public byte[] Bytes { get; } = new byte[size];

    public bool TryRead(ulong address, Span<byte> destination)
    {
        if (!Contains(address, destination.Length))
        {
            return false;
        }

        Bytes.AsSpan((int)(address - baseAddress), destination.Length).CopyTo(destination);
        return true;
    }

    public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        if (!Contains(address, source.Length))
        {
            return false;
        }

        source.CopyTo(Bytes.AsSpan((int)(address - baseAddress)));
        return true;
    }

    public Span<byte> At(ulong address, int length) => Bytes.AsSpan((int)(address - baseAddress), length);

    private bool Contains(ulong address, int length) =>
        address >= baseAddress && address - baseAddress <= (ulong)Bytes.Length && (ulong)length <= (ulong)Bytes.Length - (address - baseAddress);
}

/// <summary>
/// Tests that watch <see cref="DeviceLog"/> (a process-wide sink) run in this collection, alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeviceLogCollection
{
    public const string Name = "DeviceLog";
}

/// <summary>Points <see cref="DeviceLog.Sink"/> at a list for the lifetime of the object.</summary>
internal sealed class CapturedDeviceLog : IDisposable
{
    private readonly Action<string> previous;

    public CapturedDeviceLog()
    {
        previous = DeviceLog.Sink;
        DeviceLog.Sink = Messages.Add;
    }

    public List<string> Messages { get; } = [];

    public void Dispose() => DeviceLog.Sink = previous;
}
