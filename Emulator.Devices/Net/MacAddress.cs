using System.Globalization;

namespace Emulator.Devices.Net;

/// <summary>An Ethernet MAC address (48 bits, the first byte transmitted first in the high bits of <see cref="Value"/>).</summary>
public readonly record struct MacAddress(ulong Value)
{
    /// <summary>QEMU's default for the first NIC, 52:54:00:12:34:56; the n-th NIC gets the last byte plus n.</summary>
    public static MacAddress QemuDefault(int index) => new(0x5254_0012_3456UL + (ulong)index);

    /// <summary>Parses six two-digit hex bytes separated by colons; false for anything else.</summary>
    public static bool TryParse(string text, out MacAddress address)
    {
        address = default;
        var parts = text.Split(':');
        if (parts.Length != 6)
        {
            return false;
        }

        var value = 0UL;
        foreach (var part in parts)
        {
            if (part.Length != 2 || !byte.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                return false;
            }

            value = (value << 8) | b;
        }

        address = new MacAddress(value);
        return true;
    }

    /// <summary>A multicast address (the low bit of the first byte) cannot be a NIC's own.</summary>
    public bool IsMulticast => ((Value >> 40) & 1) != 0;

    /// <summary>The six bytes in transmission order.</summary>
    public void WriteTo(Span<byte> destination)
    {
        for (var i = 0; i < 6; i++)
        {
            destination[i] = (byte)(Value >> (40 - (8 * i)));
        }
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[6];
        WriteTo(bytes);
        return string.Join(':', bytes.ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }
}
