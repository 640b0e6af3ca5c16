using System.Text;

namespace Emulator.Devices.Display;

/// <summary>Writes a frame as a binary PPM (Netpbm P6, maximum value 255), QEMU's default screendump format.</summary>
public static class PpmWriter
{
    public static void Write(Stream output, DisplayFrame frame)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(frame);
        Write(output, frame.Width, frame.Height, frame.Pixels);
    }

    /// <summary>Writes <paramref name="width"/> x <paramref name="height"/> 0x__RRGGBB pixels.</summary>
    public static void Write(Stream output, int width, int height, ReadOnlySpan<uint> pixels)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (pixels.Length < width * height)
        {
            throw new ArgumentException("fewer pixels than width x height", nameof(pixels));
        }

        output.Write(Encoding.ASCII.GetBytes($"P6\n{width} {height}\n255\n"));
        var row = new byte[width * 3];
        for (var y = 0; y < height; y++)
        {
            var source = pixels.Slice(y * width, width);
            for (var x = 0; x < width; x++)
            {
                var p = source[x];
                row[x * 3] = (byte)(p >> 16);
                row[(x * 3) + 1] = (byte)(p >> 8);
                row[(x * 3) + 2] = (byte)p;
            }

            output.Write(row);
        }
    }
}
