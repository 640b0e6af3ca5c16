using System.Buffers.Binary;
using System.Text;

namespace Kernel.Tests.Display;

/// <summary>
/// A DOOM WAD file (IWAD or PWAD): a header ("IWAD", the lump count, the directory's offset) and a
/// directory of 16-byte entries (offset, size, an 8-character name padded with NULs). Lumps are found by
/// name, the last of a name winning, as DOOM's W_CheckNumForName does.
/// </summary>
public sealed class Wad
{
    private readonly byte[] _data;
    private readonly Dictionary<string, (int Offset, int Size)> _lumps = new(StringComparer.OrdinalIgnoreCase);

    private Wad(byte[] data)
    {
        _data = data;
        string magic = Encoding.ASCII.GetString(data, 0, 4);
        if (magic != "IWAD" && magic != "PWAD")
            throw new InvalidDataException($"not a WAD: it starts with \"{magic}\"");
        int count = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(4));
        int directory = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(8));
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> entry = data.AsSpan(directory + i * 16, 16);
            string name = Encoding.ASCII.GetString(entry[8..16]).TrimEnd('\0');
            _lumps[name] = (BinaryPrimitives.ReadInt32LittleEndian(entry), BinaryPrimitives.ReadInt32LittleEndian(entry[4..]));
        }
    }

    public static Wad Read(string path) => new(File.ReadAllBytes(path));

    public ReadOnlySpan<byte> Lump(string name) =>
        _lumps.TryGetValue(name, out var lump) ? _data.AsSpan(lump.Offset, lump.Size) : throw new KeyNotFoundException($"the WAD has no lump {name}");
}
