using System.Buffers.Binary;

namespace Kernel.Tests.Display;

/// <summary>
/// DOOM's 320x200 paletted frame as the host expects it, built from a WAD's pictures, and the screen a
/// program shows it on: the frame at the largest integer scale that fits, centred on black (what
/// Userspace/doom's platform layer draws). Pixels no picture covered are unknown and never compared.
/// </summary>
public sealed class DoomFrame
{
    public const int Width = 320;
    public const int Height = 200;

    private readonly int[] _pixels = Enumerable.Repeat(-1, Width * Height).ToArray();
    private readonly byte[] _palette;

    /// <summary>A frame with nothing drawn, coloured by the WAD's first palette (PLAYPAL's first 768 bytes).</summary>
    public DoomFrame(Wad wad) => _palette = wad.Lump("PLAYPAL")[..768].ToArray();

    /// <summary>
    /// Draws a picture in DOOM's patch format (width, height, left and top offsets, a column table, each
    /// column a list of posts: top row, length, a pad byte, the pixels, a pad byte; 0xff ends a column) at
    /// (x, y) less its offsets, as V_DrawPatch does.
    /// </summary>
    public DoomFrame Draw(ReadOnlySpan<byte> patch, int x, int y)
    {
        int width = BinaryPrimitives.ReadInt16LittleEndian(patch);
        x -= BinaryPrimitives.ReadInt16LittleEndian(patch[4..]);
        y -= BinaryPrimitives.ReadInt16LittleEndian(patch[6..]);
        for (int column = 0; column < width; column++)
        {
            int at = BinaryPrimitives.ReadInt32LittleEndian(patch[(8 + column * 4)..]);
            while (patch[at] != 0xff)
            {
                int top = patch[at], length = patch[at + 1];
                for (int i = 0; i < length; i++)
                {
                    int px = x + column, py = y + top + i;
                    if (px is >= 0 and < Width && py is >= 0 and < Height)
                        _pixels[py * Width + px] = patch[at + 3 + i];
                }
                at += length + 4;
            }
        }
        return this;
    }

    /// <summary>How many of the frame's drawn pixels differ on <paramref name="screen"/>, and the first that does.</summary>
    public (int Compared, int Wrong, string First) CompareWith(Screendump screen)
    {
        int scale = Math.Max(1, Math.Min(screen.Width / Width, screen.Height / Height));
        int left = (screen.Width - Width * scale) / 2, top = (screen.Height - Height * scale) / 2;
        int compared = 0, wrong = 0;
        string first = "";
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                int index = _pixels[y * Width + x];
                if (index < 0)
                    continue;
                (byte R, byte G, byte B) expected = (_palette[index * 3], _palette[index * 3 + 1], _palette[index * 3 + 2]);
                for (int dy = 0; dy < scale; dy++)
                    for (int dx = 0; dx < scale; dx++)
                    {
                        int sx = left + x * scale + dx, sy = top + y * scale + dy;
                        compared++;
                        if (screen.Pixel(sx, sy) != expected && wrong++ == 0)
                            first = $"screen ({sx}, {sy}) is {screen.Pixel(sx, sy)}, not {expected} (frame ({x}, {y}), colour {index})";
                    }
            }
        return (compared, wrong, first);
    }

    /// <summary>Whether everything outside the scaled frame is black, as the platform layer leaves it.</summary>
    public static bool BordersAreBlack(Screendump screen)
    {
        int scale = Math.Max(1, Math.Min(screen.Width / Width, screen.Height / Height));
        int left = (screen.Width - Width * scale) / 2, top = (screen.Height - Height * scale) / 2;
        for (int y = 0; y < screen.Height; y++)
            for (int x = 0; x < screen.Width; x++)
            {
                bool inside = x >= left && x < left + Width * scale && y >= top && y < top + Height * scale;
                if (!inside && screen.Pixel(x, y) != (0, 0, 0))
                    return false;
            }
        return true;
    }
}
