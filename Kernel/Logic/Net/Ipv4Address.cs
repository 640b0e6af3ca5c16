using System;

namespace Kernel.Logic.Net
{
    /// <summary>IPv4 addresses (uints in host order): classes, prefixes, dotted-quad text both ways.</summary>
    public static class Ipv4Address
    {
        public const uint Any = 0, Broadcast = 0xFFFF_FFFF, Loopback = 0x7F00_0001;

        public static uint Make(byte a, byte b, byte c, byte d) => (uint)(a << 24 | b << 16 | c << 8 | d);

        public static int PrefixLength(uint netmask)
        {
            int n = 0;
            while (n < 32 && (netmask & (0x8000_0000u >> n)) != 0)
                n++;
            return n;
        }

        public static uint MaskOf(int prefixLength) => prefixLength <= 0 ? 0 : prefixLength >= 32 ? 0xFFFF_FFFF : ~(0xFFFF_FFFFu >> prefixLength);

        /// <summary>Whether a netmask is contiguous ones then zeros.</summary>
        public static bool IsValidMask(uint netmask) => netmask == MaskOf(PrefixLength(netmask));

        public static bool IsMulticast(uint address) => (address >> 28) == 0xE;

        /// <summary>The old class's mask (Linux's ipconfig uses it when ip= gives none).</summary>
        public static uint ClassMask(uint address) =>
            (address >> 31) == 0 ? 0xFF00_0000 : (address >> 30) == 2 ? 0xFFFF_0000 : 0xFFFF_FF00;

        /// <summary>Parses "a.b.c.d" (each part 0-255 in decimal); false on anything else.</summary>
        public static bool TryParse(ReadOnlySpan<byte> text, out uint address)
        {
            address = 0;
            int part = 0, digits = 0;
            uint value = 0;
            for (int i = 0; i <= text.Length; i++)
            {
                if (i == text.Length || text[i] == (byte)'.')
                {
                    if (digits == 0 || part > 3)
                        return false;
                    address = address << 8 | value;
                    part++;
                    value = 0;
                    digits = 0;
                    continue;
                }
                uint d = (uint)(text[i] - (byte)'0');
                if (d > 9 || digits == 3)
                    return false;
                value = value * 10 + d;
                digits++;
                if (value > 255)
                    return false;
            }
            return part == 4;
        }

        /// <summary>Writes "a.b.c.d"; returns the length (at most 15).</summary>
        public static int Format(uint address, Span<byte> text)
        {
            var t = new TextBuilder(text);
            for (int i = 0; i < 4; i++)
            {
                if (i > 0)
                    t.Append((byte)'.');
                t.Decimal(address >> (24 - 8 * i) & 0xFF);
            }
            return t.Length;
        }
    }
}
