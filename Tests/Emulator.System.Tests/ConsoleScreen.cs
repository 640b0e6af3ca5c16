using System.Globalization;
using System.Text;

namespace Emulator.System.Tests;

/// <summary>
/// A screendump (binary PPM, as QMP's screendump writes it) of a framebuffer text console with an 8x16 font,
/// such as Linux's fbcon at 1024x768: its pixels and its character cells. A cell's picture is its ink, the
/// pixels that are not the black background, as a 128-bit mask; text is read back by matching masks with
/// glyphs learned from a row of known text (so no font file is needed: whatever font the console uses).
/// </summary>
public sealed class ConsoleScreen
{
    public const int CellWidth = 8;
    public const int CellHeight = 16;

    private readonly byte[] _rgb;

    private ConsoleScreen(int width, int height, byte[] rgb)
    {
        Width = width;
        Height = height;
        _rgb = rgb;
    }

    public int Width { get; }

    public int Height { get; }

    public int Columns => Width / CellWidth;

    public int Rows => Height / CellHeight;

    public static ConsoleScreen Read(string path)
    {
        var data = File.ReadAllBytes(path);
        var at = 0;
        string Token()
        {
            while (char.IsWhiteSpace((char)data[at]))
            {
                at++;
            }

            var start = at;
            while (!char.IsWhiteSpace((char)data[at]))
            {
                at++;
            }

            return Encoding.ASCII.GetString(data, start, at - start);
        }

        Assert.True(Token() == "P6", $"{path} is not a binary PPM");
        var width = int.Parse(Token(), CultureInfo.InvariantCulture);
        var height = int.Parse(Token(), CultureInfo.InvariantCulture);
        Assert.True(Token() == "255", $"{path} is not 8 bits a channel");
        at++;
        Assert.True(data.Length - at == width * height * 3, $"{path} holds {data.Length - at} bytes of pixels, not {width * height * 3}");
        return new ConsoleScreen(width, height, data[at..]);
    }

    /// <summary>The pixel at (x, y) as 0xRRGGBB.</summary>
    public uint Pixel(int x, int y)
    {
        var i = ((y * Width) + x) * 3;
        return ((uint)_rgb[i] << 16) | ((uint)_rgb[i + 1] << 8) | _rgb[i + 2];
    }

    /// <summary>The ink of the cell at (column, row): bit (y * 8 + x) set where the pixel is not black.</summary>
    public UInt128 Cell(int column, int row)
    {
        UInt128 mask = 0;
        for (var y = 0; y < CellHeight; y++)
        {
            for (var x = 0; x < CellWidth; x++)
            {
                if (Pixel((column * CellWidth) + x, (row * CellHeight) + y) != 0)
                {
                    mask |= UInt128.One << ((y * CellWidth) + x);
                }
            }
        }

        return mask;
    }

    /// <summary>How many cells of <paramref name="row"/> have any ink.</summary>
    public int InkedCells(int row) => Enumerable.Range(0, Columns).Count(column => Cell(column, row) != 0);

    /// <summary>
    /// The glyphs of <paramref name="text"/>, drawn from the first column of <paramref name="row"/>: each
    /// character's ink. The characters must all look different (a test that the cells are where they are read).
    /// </summary>
    public Dictionary<UInt128, char> LearnGlyphs(int row, string text)
    {
        var glyphs = new Dictionary<UInt128, char> { [0] = ' ' };
        for (var column = 0; column < text.Length; column++)
        {
            var cell = Cell(column, row);
            Assert.True(glyphs.TryAdd(cell, text[column]),
                $"'{text[column]}' (column {column} of row {row}) looks like '{glyphs.GetValueOrDefault(cell)}'; row {row} reads \"{ReadRow(row, glyphs)}\"");
        }

        return glyphs;
    }

    /// <summary>A row of text read with <paramref name="glyphs"/> ('?' for a cell no glyph matches), without trailing blanks.</summary>
    public string ReadRow(int row, IReadOnlyDictionary<UInt128, char> glyphs)
    {
        var text = new StringBuilder();
        for (var column = 0; column < Columns; column++)
        {
            text.Append(glyphs.TryGetValue(Cell(column, row), out var c) ? c : '?');
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>Every row, read with <paramref name="glyphs"/>, one line each.</summary>
    public string ReadText(IReadOnlyDictionary<UInt128, char> glyphs) =>
        string.Join('\n', Enumerable.Range(0, Rows).Select(row => ReadRow(row, glyphs)));

    /// <summary>How many different colours the picture has.</summary>
    public int Colours()
    {
        var colours = new HashSet<uint>();
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                colours.Add(Pixel(x, y));
            }
        }

        return colours.Count;
    }
}
