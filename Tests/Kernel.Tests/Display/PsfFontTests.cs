using Kernel.Logic.Display;

namespace Kernel.Tests.Display;

/// <summary>PSF fonts: the set-up's console font (Debian's, as the kernel compiles it in) and the format's rules.</summary>
public class PsfFontTests
{
    /// <summary>The font scripts/setup.sh unpacks next to the C# it generates from it.</summary>
    public static string ConsoleFontPath => Path.Combine(BootMachine.RepositoryRoot, ".deps", "font", "console.psf");

    [Fact]
    public void The_console_font_has_a_distinct_glyph_for_every_printable_latin1_character()
    {
        Assert.True(File.Exists(ConsoleFontPath), $"no console font at {ConsoleFontPath}: run bash scripts/setup.sh");
        PsfFont font = PsfFont.Parse(File.ReadAllBytes(ConsoleFontPath))!;
        Assert.NotNull(font);
        Assert.Equal((8, 16), (font.Width, font.Height));
        var seen = new Dictionary<string, char>();
        for (int c = 0x21; c < 0x7F; c++)
        {
            string glyph = Convert.ToHexString(font.Glyph((byte)c));
            Assert.False(seen.TryGetValue(glyph, out char other), $"'{(char)c}' looks like '{other}'");
            seen[glyph] = (char)c;
        }
        Assert.All(font.Glyph((byte)' ').ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_psf2_font_maps_code_points_through_its_table_and_misses_show_a_question_mark()
    {
        // Two glyphs, 4x2 pixels: glyph 0 is '?', glyph 1 is 'A' and 'a' (UTF-8 entries, 0xFF ends each).
        var file = new List<byte>();
        void U32(uint v) => file.AddRange(BitConverter.GetBytes(v));
        U32(0x864AB572); U32(0); U32(32); U32(1); U32(2); U32(2); U32(2); U32(4);
        file.AddRange([0x11, 0x22, 0x33, 0x44]);
        file.AddRange([(byte)'?', 0xFF, (byte)'A', (byte)'a', 0xFE, (byte)'A', (byte)'b', 0xFF]);
        PsfFont font = PsfFont.Parse(file.ToArray())!;
        Assert.Equal((4, 2), (font.Width, font.Height));
        Assert.Equal([0x33, 0x44], font.Glyph((byte)'A').ToArray());
        Assert.Equal([0x33, 0x44], font.Glyph((byte)'a').ToArray());
        Assert.Equal([0x11, 0x22], font.Glyph((byte)'b').ToArray()); // only in a sequence: not mapped
        Assert.Equal([0x11, 0x22], font.Glyph(0xE9).ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 0x36, 0x04, 0x00 })]
    [InlineData(new byte[] { 0x36, 0x04, 0x00, 0x10, 1, 2, 3 })] // 256 glyphs of 16 bytes promised, 3 given
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    public void Truncated_or_foreign_files_are_refused(byte[] file) => Assert.Null(PsfFont.Parse(file));
}
