using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Emulator.Devices.Display;

namespace Emulator.Devices.Tests.Display;

public sealed class PngWriterTests
{
    [Theory]
    [InlineData("", 0x0000_0000u)]
    [InlineData("123456789", 0xCBF4_3926u)] // the CRC-32 check value
    [InlineData("IEND", 0xAE42_6082u)] // every PNG file ends in this CRC
    public void Crc32MatchesKnownValues(string text, uint crc) =>
        Assert.Equal(crc, Crc32.Compute(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void AnImageDecodesBackToItsPixels()
    {
        const int Width = 37, Height = 23;
        var pixels = new uint[Width * Height];
        var random = new Random(7);
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = 0xFF00_0000 | (uint)random.Next(0x100_0000);
        }

        using var file = new MemoryStream();
        PngWriter.Write(file, Width, Height, pixels);

        var (width, height, decoded) = Decode(file.ToArray());
        Assert.Equal(Width, width);
        Assert.Equal(Height, height);
        Assert.Equal(pixels.Select(p => p & 0xFF_FFFF), decoded);
    }

    [Fact]
    public void PpmHasQemusHeaderThenRgbBytes()
    {
        using var file = new MemoryStream();
        PpmWriter.Write(file, 2, 1, [0xFF11_2233u, 0x0044_5566u]);
        Assert.Equal([.. "P6\n2 1\n255\n"u8, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66], file.ToArray());
    }

    /// <summary>A reader for exactly what the writer should produce: checks the signature, every chunk's CRC,
    /// IHDR (8-bit RGB, no interlace), and each row's filter type 0.</summary>
    private static (int Width, int Height, uint[] Pixels) Decode(byte[] png)
    {
        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        var position = 8;
        int width = 0, height = 0;
        var data = new MemoryStream();
        var types = new List<string>();
        while (position < png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position));
            var type = Encoding.ASCII.GetString(png, position + 4, 4);
            var body = png.AsSpan(position + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position + 8 + length));
            Assert.Equal(Crc32.Compute(png.AsSpan(position + 4, 4 + length)), crc);
            types.Add(type);
            if (type == "IHDR")
            {
                width = (int)BinaryPrimitives.ReadUInt32BigEndian(body);
                height = (int)BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                Assert.Equal([8, 2, 0, 0, 0], body[8..].ToArray());
            }
            else if (type == "IDAT")
            {
                data.Write(body);
            }

            position += 12 + length;
        }

        Assert.Equal(["IHDR", "IDAT", "IEND"], types);
        data.Position = 0;
        using var zlib = new ZLibStream(data, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        var bytes = raw.ToArray();
        Assert.Equal(height * (1 + (width * 3)), bytes.Length);
        var pixels = new uint[width * height];
        for (var y = 0; y < height; y++)
        {
            var row = bytes.AsSpan(y * (1 + (width * 3)));
            Assert.Equal(0, row[0]);
            for (var x = 0; x < width; x++)
            {
                pixels[(y * width) + x] = ((uint)row[1 + (x * 3)] << 16) | ((uint)row[2 + (x * 3)] << 8) | row[3 + (x * 3)];
            }
        }

        return (width, height, pixels);
    }
}
