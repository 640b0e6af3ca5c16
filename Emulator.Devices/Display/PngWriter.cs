using System.Buffers.Binary;
using System.IO.Compression;

namespace Emulator.Devices.Display;

/// <summary>
/// Writes a frame as a PNG file (W3C PNG specification, 3rd edition): 8-bit RGB (colour type 2), no
/// interlace, every row with filter type 0, the image data one zlib stream in one IDAT chunk, as QEMU's
/// screendump writes it.
/// </summary>
public static class PngWriter
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private const byte ColourTypeRgb = 2;

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
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (pixels.Length < width * height)
        {
            throw new ArgumentException("fewer pixels than width x height", nameof(pixels));
        }

        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)height);
        header[8] = 8; // bits per sample
        header[9] = ColourTypeRgb;
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method 0
        header[12] = 0; // no interlace
        WriteChunk(output, "IHDR"u8, header);

        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                var row = new byte[1 + (width * 3)]; // filter type 0, then R, G, B per pixel
                for (var y = 0; y < height; y++)
                {
                    var source = pixels.Slice(y * width, width);
                    for (var x = 0; x < width; x++)
                    {
                        var p = source[x];
                        row[1 + (x * 3)] = (byte)(p >> 16);
                        row[2 + (x * 3)] = (byte)(p >> 8);
                        row[3 + (x * 3)] = (byte)p;
                    }

                    zlib.Write(row);
                }
            }

            WriteChunk(output, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }

        WriteChunk(output, "IEND"u8, []);
    }

    /// <summary>A chunk: big-endian length, type, data, and the CRC-32 of type and data.</summary>
    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Update(Crc32.Compute(type), data));
        output.Write(word);
    }
}
