using System;

namespace Kernel.Logic.Display
{
    /// <summary>
    /// A console font in the PC Screen Font format (Linux's <c>setfont</c> files): version 1 (8 pixels wide,
    /// 256 or 512 glyphs) or 2 (any width), with its Unicode table mapping code points to glyphs. Gives the
    /// glyph for each Latin-1 character (0-255); characters the font lacks show its '?'.
    /// </summary>
    public sealed class PsfFont
    {
        private readonly byte[] _glyphs;
        private readonly ushort[] _latin1 = new ushort[256];

        public int Width { get; }
        public int Height { get; }
        /// <summary>Bytes of one glyph row (the width rounded up to bytes).</summary>
        public int RowBytes { get; }
        public int GlyphCount { get; }

        private PsfFont(byte[] glyphs, int count, int width, int height)
        {
            _glyphs = glyphs;
            GlyphCount = count;
            Width = width;
            Height = height;
            RowBytes = (width + 7) / 8;
        }

        /// <summary>The glyph's rows for Latin-1 character <paramref name="c"/>.</summary>
        public ReadOnlySpan<byte> Glyph(byte c)
        {
            int size = RowBytes * Height;
            return new ReadOnlySpan<byte>(_glyphs, _latin1[c] * size, size);
        }

        /// <summary>Parses <paramref name="file"/>; null when it is not a PSF font this class reads.</summary>
        public static PsfFont? Parse(ReadOnlySpan<byte> file)
        {
            int count, width, height, headerSize, glyphSize;
            bool hasTable;
            bool psf2 = false;
            if (file.Length >= 4 && file[0] == 0x36 && file[1] == 0x04)
            {
                int mode = file[2];
                count = (mode & 1) != 0 ? 512 : 256;
                hasTable = (mode & 6) != 0;
                width = 8;
                height = file[3];
                glyphSize = height;
                headerSize = 4;
            }
            else if (file.Length >= 32 && LittleEndian.U32(file, 0) == 0x864AB572)
            {
                psf2 = true;
                headerSize = (int)LittleEndian.U32(file, 8);
                hasTable = (LittleEndian.U32(file, 12) & 1) != 0;
                count = (int)LittleEndian.U32(file, 16);
                glyphSize = (int)LittleEndian.U32(file, 20);
                height = (int)LittleEndian.U32(file, 24);
                width = (int)LittleEndian.U32(file, 28);
            }
            else
            {
                return null;
            }
            if (width < 1 || width > 32 || height < 1 || height > 64 || count < 1 || count > 4096
                || glyphSize != (width + 7) / 8 * height || headerSize < 4 || (long)headerSize + (long)count * glyphSize > file.Length)
                return null;
            var glyphs = new byte[count * glyphSize];
            file.Slice(headerSize, glyphs.Length).CopyTo(glyphs);
            var font = new PsfFont(glyphs, count, width, height);
            const ushort unmapped = 0xFFFF;
            for (int c = 0; c < 256; c++)
                font._latin1[c] = hasTable || c >= count ? unmapped : (ushort)c;
            if (hasTable)
                font.ReadTable(file.Slice(headerSize + glyphs.Length), psf2);
            ushort question = font._latin1['?'] != unmapped ? font._latin1['?'] : (ushort)0;
            for (int c = 0; c < 256; c++)
                if (font._latin1[c] == unmapped)
                    font._latin1[c] = question;
            return font;
        }

        /// <summary>
        /// The Unicode table: per glyph, its code points (UCS-2 words in version 1, UTF-8 in version 2),
        /// then sequences (after 0xFFFE / 0xFE, skipped), ended by 0xFFFF / 0xFF.
        /// </summary>
        private void ReadTable(ReadOnlySpan<byte> table, bool psf2)
        {
            int at = 0;
            for (int glyph = 0; glyph < GlyphCount && at < table.Length; glyph++)
            {
                bool inSequence = false;
                while (at < table.Length)
                {
                    int codePoint;
                    if (!psf2)
                    {
                        if (at + 2 > table.Length)
                            return;
                        codePoint = LittleEndian.U16(table, at);
                        at += 2;
                        if (codePoint == 0xFFFF)
                            break;
                        if (codePoint == 0xFFFE)
                        {
                            inSequence = true;
                            continue;
                        }
                    }
                    else
                    {
                        byte b = table[at];
                        if (b == 0xFF)
                        {
                            at++;
                            break;
                        }
                        if (b == 0xFE)
                        {
                            at++;
                            inSequence = true;
                            continue;
                        }
                        codePoint = Utf8(table, ref at);
                    }
                    if (!inSequence && codePoint < 256)
                        _latin1[codePoint] = (ushort)glyph;
                }
            }
        }

        private static int Utf8(ReadOnlySpan<byte> s, ref int at)
        {
            byte b = s[at++];
            int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
            int value = extra == 0 ? b : b & (0x3F >> extra);
            for (int i = 0; i < extra && at < s.Length; i++)
                value = value << 6 | (s[at++] & 0x3F);
            return value;
        }
    }
}
