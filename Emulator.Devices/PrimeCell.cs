namespace Emulator.Devices;

/// <summary>
/// What the ARM PrimeCell peripherals (PL011, PL031) share: a 4 KiB window of word-aligned 32-bit
/// registers, ending in the peripheral and PrimeCell identification registers that Linux's AMBA bus reads
/// to match a driver (PrimeCell TRMs, "Peripheral identification registers").
/// </summary>
internal static class PrimeCell
{
    public const int PeriphId0 = 0xFE0;
    public const int PCellId0 = 0xFF0;
    public const int WindowSize = 0x1000;

    private static readonly byte[] PCellId = [0x0D, 0xF0, 0x05, 0xB1];

    /// <summary>Whether the access names a register; an unaligned or out-of-window one is logged once.</summary>
    public static bool IsRegister(string device, ulong offset, string access)
    {
        if ((offset & 3) == 0 && offset < WindowSize)
        {
            return true;
        }

        DeviceLog.Once($"{device}: unaligned or out-of-range {access} at 0x{offset:X} ignored");
        return false;
    }

    /// <summary>A byte or halfword read returns the register's low bits.</summary>
    public static ulong Narrow(uint value, int size) => size switch
    {
        1 => value & 0xFF,
        2 => value & 0xFFFF,
        _ => value,
    };

    /// <summary>The identification register at <paramref name="offset"/> (0xFE0..0xFFC).</summary>
    public static uint IdRegister(int offset, byte[] periphId) =>
        offset < PCellId0 ? periphId[(offset - PeriphId0) >> 2] : PCellId[(offset - PCellId0) >> 2];
}
