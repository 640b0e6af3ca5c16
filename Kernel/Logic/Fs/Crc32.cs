using System;

namespace Kernel.Logic.Fs
{
    /// <summary>CRC-32 as used by gzip (ISO 3309 / ITU-T V.42: reflected polynomial 0xEDB88320).</summary>
    public static class Crc32
    {
        private static readonly uint[] Table = BuildTable();

        private static uint[] BuildTable()
        {
            uint[] table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                table[n] = c;
            }
            return table;
        }

        /// <summary>Continues a CRC: pass 0 to start; the result of one call is the <paramref name="crc"/> of the next.</summary>
        public static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            uint[] table = Table;
            uint c = ~crc;
            for (int i = 0; i < data.Length; i++)
                c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
            return ~c;
        }

        public static uint Compute(ReadOnlySpan<byte> data) => Update(0, data);
    }
}
