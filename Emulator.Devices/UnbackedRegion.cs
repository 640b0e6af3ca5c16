namespace Emulator.Devices;

/// <summary>
/// A window where the board has nothing the emulator models (for example GPIO or the GICv3 redistributor
/// range). Reads return all ones, as an absent device on a bus that floats high; writes are dropped.
/// The first access is reported once so a guest probing it is visible.
/// </summary>
public sealed class UnbackedRegion : IMmioDevice
{
    private readonly string _name;
    private readonly ulong _baseAddress;
    private bool _reported;

    public UnbackedRegion(string name, ulong baseAddress)
    {
        ArgumentNullException.ThrowIfNull(name);
        _name = name;
        _baseAddress = baseAddress;
    }

    public ulong Read(ulong offset, int size)
    {
        Report(offset, "read");
        return size >= 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1;
    }

    public void Write(ulong offset, int size, ulong value) => Report(offset, "write");

    private void Report(ulong offset, string access)
    {
        if (_reported)
        {
            return;
        }

        _reported = true;
        DeviceLog.Once($"unbacked region '{_name}' at 0x{_baseAddress:X}: first access is a {access} at 0x{_baseAddress + offset:X} (reads all ones, writes ignored)",
            kind: $"unbacked region '{_name}'");
    }
}
