using System;

namespace Kernel.Logic.Fs.Ext2
{
    /// <summary>
    /// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as ext4's metadata_csum uses it: the
    /// raw register, without the final inversion (Linux's crc32c_le; the standard CRC-32C of data is
    /// <c>~Update(~0u, data)</c>).
    /// </summary>
    public static class Crc32c
    {
        public static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            for (int i = 0; i < data.Length; i++)
            {
                crc ^= data[i];
                for (int k = 0; k < 8; k++)
                    crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
            }
            return crc;
        }

        public static uint UpdateU32(uint crc, uint value)
        {
            Span<byte> b = stackalloc byte[4];
            LittleEndian.Put32(b, 0, value);
            return Update(crc, b);
        }

        public static uint UpdateZeros(uint crc, int count)
        {
            Span<byte> z = stackalloc byte[1];
            z[0] = 0;
            for (int i = 0; i < count; i++)
                crc = Update(crc, z);
            return crc;
        }
    }
}
