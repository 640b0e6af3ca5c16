using System;

namespace Kernel.Logic.Net
{
    /// <summary>Ethernet II frames (IEEE 802.3 with a type field): destination, source, type, payload; the FCS is the device's.</summary>
    public static class Ethernet
    {
        public const int HeaderLength = 14, MaxFrame = 1514, MinFrame = 60;
        public const ushort TypeIpv4 = 0x0800, TypeArp = 0x0806;

        public static MacAddress Destination(ReadOnlySpan<byte> frame) => MacAddress.Read(frame, 0);
        public static MacAddress Source(ReadOnlySpan<byte> frame) => MacAddress.Read(frame, 6);
        public static ushort Type(ReadOnlySpan<byte> frame) => BigEndian.U16(frame, 12);

        public static void WriteHeader(Span<byte> frame, MacAddress destination, MacAddress source, ushort type)
        {
            destination.Write(frame, 0);
            source.Write(frame, 6);
            BigEndian.Put16(frame, 12, type);
        }
    }
}
