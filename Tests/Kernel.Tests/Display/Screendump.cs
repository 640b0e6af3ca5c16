using System.Text;

namespace Kernel.Tests.Display;

/// <summary>A binary PPM (P6, 8 bits a channel) as QEMU's QMP <c>screendump</c> writes it.</summary>
public sealed class Screendump
{
    private readonly byte[] _rgb;

    private Screendump(int width, int height, byte[] rgb)
    {
        Width = width;
        Height = height;
        _rgb = rgb;
    }

    public int Width { get; }
    public int Height { get; }

    public (byte R, byte G, byte B) Pixel(int x, int y)
    {
        int i = (y * Width + x) * 3;
        return (_rgb[i], _rgb[i + 1], _rgb[i + 2]);
    }

    public static Screendump Read(string path)
    {
        byte[] data = File.ReadAllBytes(path);
        int at = 0;
        string Token()
        {
            while (char.IsWhiteSpace((char)data[at]))
                at++;
            int start = at;
            while (!char.IsWhiteSpace((char)data[at]))
                at++;
            return Encoding.ASCII.GetString(data, start, at - start);
        }
        if (Token() != "P6")
            throw new InvalidDataException($"{path} is not a binary PPM");
        int width = int.Parse(Token()), height = int.Parse(Token());
        if (Token() != "255")
            throw new InvalidDataException($"{path} is not 8 bits a channel");
        at++;
        if (data.Length - at != width * height * 3)
            throw new InvalidDataException($"{path} holds {data.Length - at} bytes of pixels, not {width * height * 3}");
        return new Screendump(width, height, data[at..]);
    }
}
