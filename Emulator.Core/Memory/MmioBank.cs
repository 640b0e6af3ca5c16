using Emulator.Devices;

namespace Emulator.Core.Memory;

/// <summary>
/// Several device windows smaller than a page that share pages (the 0x200-byte virtio-mmio transports):
/// Unicorn maps whole pages, so the bus maps the bank once and the bank passes each access on to the
/// window it falls in. Addresses between windows read as zero and ignore writes (logged once).
/// </summary>
public sealed class MmioBank : IMmioDevice
{
    private readonly (ulong Offset, ulong Size, IMmioDevice Device)[] _windows;

    public MmioBank(ulong bankBase, IEnumerable<(ulong Base, ulong Size, IMmioDevice Device)> windows)
    {
        BankBase = bankBase;
        _windows = [.. windows.Select(w => (w.Base - bankBase, w.Size, w.Device)).OrderBy(w => w.Item1)];
    }

    public ulong BankBase { get; }

    public ulong Read(ulong offset, int size)
    {
        foreach (var (start, length, device) in _windows)
        {
            if (offset - start < length)
            {
                return device.Read(offset - start, size);
            }
        }

        DeviceLog.Once($"read of 0x{BankBase + offset:x}, between device windows");
        return 0;
    }

    public void Write(ulong offset, int size, ulong value)
    {
        foreach (var (start, length, device) in _windows)
        {
            if (offset - start < length)
            {
                device.Write(offset - start, size, value);
                return;
            }
        }

        DeviceLog.Once($"write of 0x{BankBase + offset:x}, between device windows");
    }
}
