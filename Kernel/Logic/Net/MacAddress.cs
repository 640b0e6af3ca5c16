using System;

namespace Kernel.Logic.Net
{
    /// <summary>A 48-bit Ethernet address, kept in the low bits of a ulong in transmission order (the first byte highest).</summary>
    public readonly struct MacAddress
    {
        public readonly ulong Value;

        public MacAddress(ulong value) => Value = value & 0xFFFF_FFFF_FFFF;

        public static MacAddress Broadcast => new MacAddress(0xFFFF_FFFF_FFFF);
        public static MacAddress Zero => default;

        public bool IsBroadcast => Value == 0xFFFF_FFFF_FFFF;
        /// <summary>The group bit (the first byte's lowest bit): broadcast and multicast.</summary>
        public bool IsGroup => (Value >> 40 & 1) != 0;
        public bool IsZero => Value == 0;

        public static MacAddress Read(ReadOnlySpan<byte> s, int offset)
        {
            ulong v = 0;
            for (int i = 0; i < 6; i++)
                v = v << 8 | s[offset + i];
            return new MacAddress(v);
        }

        public void Write(Span<byte> s, int offset)
        {
            for (int i = 0; i < 6; i++)
                s[offset + i] = (byte)(Value >> (40 - 8 * i));
        }

        public byte this[int index] => (byte)(Value >> (40 - 8 * index));

        public bool Equals(MacAddress other) => Value == other.Value;
    }
}
