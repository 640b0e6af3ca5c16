using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit
    /// big-endian words. Sums are kept unfolded in a uint so that parts (a pseudo-header, a header, a
    /// payload) can be added before <see cref="Finish"/>.
    /// </summary>
    public static class InternetChecksum
    {
        /// <summary>Adds <paramref name="data"/> to <paramref name="sum"/>; an odd last byte is padded with zero. Parts other than the last must have even lengths.</summary>
        public static uint Add(uint sum, ReadOnlySpan<byte> data)
        {
            ulong s = sum;
            int i = 0;
            for (; i + 1 < data.Length; i += 2)
                s += (uint)(data[i] << 8 | data[i + 1]);
            if (i < data.Length)
                s += (uint)(data[i] << 8);
            while (s >> 16 != 0)
                s = (s & 0xFFFF) + (s >> 16);
            return (uint)s;
        }

        /// <summary>The TCP/UDP pseudo-header's sum: source, destination, protocol and the transport length.</summary>
        public static uint PseudoHeader(uint source, uint destination, byte protocol, int length)
        {
            ulong s = (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + protocol + (uint)length;
            while (s >> 16 != 0)
                s = (s & 0xFFFF) + (s >> 16);
            return (uint)s;
        }

        /// <summary>Folds and complements a sum into the 16-bit value written in a header.</summary>
        public static ushort Finish(uint sum)
        {
            while (sum >> 16 != 0)
                sum = (sum & 0xFFFF) + (sum >> 16);
            return (ushort)~sum;
        }

        /// <summary>Whether data that includes its checksum field sums to all ones (a valid checksum).</summary>
        public static bool Verify(uint sum) => Finish(sum) == 0;
    }
}
