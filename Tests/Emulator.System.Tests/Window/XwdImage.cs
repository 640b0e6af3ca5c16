using System.Buffers.Binary;

namespace Emulator.System.Tests.Window;

/// <summary>
/// A picture in X's window dump format as xwd writes it (X11's XWDFile.h): a header of 25 big-endian 32-bit fields
/// and the window's name, a colour map, then the pixels row by row. Only the TrueColor 24-bit-depth dumps of a
/// 32-bit-per-pixel visual are read, which is what Xvfb -screen WxHx24 serves.
/// </summary>
public sealed class XwdImage
{
    private readonly byte[] _data;
    private readonly int _offset;
    private readonly int _bytesPerLine;
    private readonly bool _lsbFirst;

    private XwdImage(byte[] data, int offset, int width, int height, int bytesPerLine, bool lsbFirst)
    {
        _data = data;
        _offset = offset;
        Width = width;
        Height = height;
        _bytesPerLine = bytesPerLine;
        _lsbFirst = lsbFirst;
    }

    public int Width { get; }

    public int Height { get; }

    public static XwdImage Parse(byte[] data)
    {
        uint Field(int index) => BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(index * 4));
        Assert.True(data.Length >= 100 && Field(1) == 7, "not an X window dump (version 7)");
        var headerSize = (int)Field(0);
        var depth = Field(3);
        var width = (int)Field(4);
        var height = (int)Field(5);
        var byteOrder = Field(7);
        var bytesPerLine = (int)Field(12);
        var colours = (int)Field(19);
        Assert.True(depth == 24 && bytesPerLine >= width * 4 && Field(14) == 0xFF0000 && Field(16) == 0xFF,
            $"an X window dump of depth {depth}, {bytesPerLine} bytes a line for {width} pixels: only 32-bit pixels 0x00RRGGBB are read");
        var offset = headerSize + (colours * 12); // each XWDColor is 12 bytes
        Assert.True(data.Length >= offset + (bytesPerLine * height), "the X window dump is truncated");
        return new XwdImage(data, offset, width, height, bytesPerLine, byteOrder == 0);
    }

    public (byte R, byte G, byte B) Pixel(int x, int y)
    {
        var at = _offset + (y * _bytesPerLine) + (x * 4);
        var value = _lsbFirst ? BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(at));
        return ((byte)(value >> 16), (byte)(value >> 8), (byte)value);
    }
}
