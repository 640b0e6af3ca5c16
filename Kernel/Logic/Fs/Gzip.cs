using System;

namespace Kernel.Logic.Fs
{
    /// <summary>
    /// RFC 1952 gzip: member header (FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT), deflate body, CRC-32 and
    /// ISIZE trailer, all checked. Concatenated members decode back to back, as gzip(1) does.
    /// </summary>
    public static class Gzip
    {
        private const byte FlagHcrc = 0x02, FlagExtra = 0x04, FlagName = 0x08, FlagComment = 0x10, FlagReserved = 0xE0;
        private const int HeaderSize = 10, TrailerSize = 8;

        /// <summary>True when <paramref name="data"/> starts with the gzip magic and the deflate method.</summary>
        public static bool IsGzip(ReadOnlySpan<byte> data) => data.Length >= 3 && data[0] == 0x1F && data[1] == 0x8B && data[2] == 8;

        /// <summary>
        /// Uncompressed size from the ISIZE field of the last member (the last 4 bytes): exact for a
        /// single member under 4 GiB. -EINVAL if the data is not gzip or the size exceeds int range.
        /// </summary>
        public static int UncompressedSize(ReadOnlySpan<byte> gz)
        {
            if (!IsGzip(gz) || gz.Length < HeaderSize + TrailerSize + 2)
                return -Errno.EINVAL;
            uint size = ReadLe32(gz.Slice(gz.Length - 4));
            if (size > int.MaxValue)
                return -Errno.EINVAL;
            return (int)size;
        }

        /// <summary>
        /// Decompresses every member of <paramref name="gz"/> into <paramref name="output"/>.
        /// Zero bytes after the last member are accepted as padding; anything else there is an error.
        /// Returns 0 or -EINVAL (malformed, truncated, checksum mismatch, output too small).
        /// </summary>
        public static int Decompress(ReadOnlySpan<byte> gz, Span<byte> output, out int written)
        {
            written = 0;
            int pos = 0;
            bool any = false;
            while (pos < gz.Length)
            {
                ReadOnlySpan<byte> rest = gz.Slice(pos);
                if (any && IsAllZero(rest))
                    break;
                int rc = DecompressMember(rest, output.Slice(written), out int w, out int consumed);
                if (rc < 0)
                    return rc;
                written += w;
                pos += consumed;
                any = true;
            }
            return any ? 0 : -Errno.EINVAL;
        }

        /// <summary>
        /// Decompresses the single gzip member at the start of <paramref name="gz"/>;
        /// <paramref name="consumed"/> is the member's length (header to trailer).
        /// </summary>
        public static int DecompressMember(ReadOnlySpan<byte> gz, Span<byte> output, out int written, out int consumed)
        {
            written = 0;
            consumed = 0;
            int header = ParseHeader(gz);
            if (header < 0)
                return header;
            int rc = Inflate.Decompress(gz.Slice(header), output, out int w, out int used);
            if (rc < 0)
                return rc;
            int trailer = header + used;
            if (gz.Length - trailer < TrailerSize)
                return -Errno.EINVAL;
            uint crc = ReadLe32(gz.Slice(trailer));
            uint isize = ReadLe32(gz.Slice(trailer + 4));
            if (crc != Crc32.Compute(output.Slice(0, w)) || isize != (uint)w)
                return -Errno.EINVAL;
            written = w;
            consumed = trailer + TrailerSize;
            return 0;
        }

        /// <summary>
        /// Finds the extent of the gzip member at the start of <paramref name="gz"/> without keeping its
        /// output: <paramref name="size"/> is its uncompressed length (checked against ISIZE; the CRC is
        /// checked when it is decompressed), <paramref name="consumed"/> the member's length.
        /// </summary>
        public static int MeasureMember(ReadOnlySpan<byte> gz, out int size, out int consumed)
        {
            size = 0;
            consumed = 0;
            int header = ParseHeader(gz);
            if (header < 0)
                return header;
            int rc = Inflate.Measure(gz.Slice(header), out int w, out int used);
            if (rc < 0)
                return rc;
            int trailer = header + used;
            if (gz.Length - trailer < TrailerSize || ReadLe32(gz.Slice(trailer + 4)) != (uint)w)
                return -Errno.EINVAL;
            size = w;
            consumed = trailer + TrailerSize;
            return 0;
        }

        // Returns the header length or -EINVAL.
        private static int ParseHeader(ReadOnlySpan<byte> gz)
        {
            if (gz.Length < HeaderSize || !IsGzip(gz))
                return -Errno.EINVAL;
            byte flags = gz[3];
            if ((flags & FlagReserved) != 0)
                return -Errno.EINVAL;
            int pos = HeaderSize;
            if ((flags & FlagExtra) != 0)
            {
                if (gz.Length - pos < 2)
                    return -Errno.EINVAL;
                int xlen = gz[pos] | (gz[pos + 1] << 8);
                pos += 2;
                if (gz.Length - pos < xlen)
                    return -Errno.EINVAL;
                pos += xlen;
            }
            if ((flags & FlagName) != 0 && (pos = SkipZeroTerminated(gz, pos)) < 0)
                return -Errno.EINVAL;
            if ((flags & FlagComment) != 0 && (pos = SkipZeroTerminated(gz, pos)) < 0)
                return -Errno.EINVAL;
            if ((flags & FlagHcrc) != 0)
            {
                if (gz.Length - pos < 2)
                    return -Errno.EINVAL;
                uint expected = (uint)(gz[pos] | (gz[pos + 1] << 8));
                if ((Crc32.Compute(gz.Slice(0, pos)) & 0xFFFF) != expected)
                    return -Errno.EINVAL;
                pos += 2;
            }
            return pos;
        }

        private static int SkipZeroTerminated(ReadOnlySpan<byte> data, int pos)
        {
            while (pos < data.Length)
                if (data[pos++] == 0)
                    return pos;
            return -1;
        }

        private static bool IsAllZero(ReadOnlySpan<byte> data)
        {
            for (int i = 0; i < data.Length; i++)
                if (data[i] != 0)
                    return false;
            return true;
        }

        internal static uint ReadLe32(ReadOnlySpan<byte> p) => (uint)(p[0] | (p[1] << 8) | (p[2] << 16) | (p[3] << 24));
    }
}
