namespace Emulator.Devices;

/// <summary>
/// A device window on the physical bus. Offsets are relative to the window's base; sizes are 1, 2, 4 or 8
/// bytes. Implementations never throw for guest-controlled input: an access the device does not
/// implement reads as zero (or as the register's documented reset value), ignores the write, and is
/// reported through <see cref="DeviceLog"/>.
/// Devices are not thread-safe: the bus serialises every access and every host-side event under one
/// machine lock.
/// </summary>
public interface IMmioDevice
{
    ulong Read(ulong offset, int size);

    void Write(ulong offset, int size, ulong value);
}
