namespace Emulator.Devices.Tests;

/// <summary>
/// Tests that watch <see cref="DeviceLog"/> (a process-wide sink) run in this collection, alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeviceLogCollection
{
    public const string Name = "DeviceLog";
}
