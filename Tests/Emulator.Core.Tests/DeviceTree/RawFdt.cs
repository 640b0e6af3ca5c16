using System.Buffers.Binary;
using System.Text;

namespace Emulator.Core.Tests.DeviceTree;

/// <summary>
/// Builds blobs token by token, including ones the writer would never produce, so each reader
/// check can be exercised on its own. The layout matches the writer's: header, an empty
/// reservation block, structure block, strings block.
/// </summary>
internal sealed class RawFdt
{
    private readonly List<byte> _structure = [];
    private readonly List<byte> _strings = [];

    public RawFdt Token(uint token)
    {
        Word(token);
        return this;
    }

    public RawFdt BeginNode(string name)
    {
        Word(1);
        Padded(Encoding.Latin1.GetBytes(name + "\0"));
        return this;
    }

    public RawFdt EndNode() => Token(2);

    public RawFdt Nop() => Token(4);

    public RawFdt End() => Token(9);

    public RawFdt Prop(string name, params byte[] value) => RawProp((uint)value.Length, AddString(name), value);

    public RawFdt RawProp(uint length, uint nameOffset, byte[] value)
    {
        Word(3);
        Word(length);
        Word(nameOffset);
        Padded(value);
        return this;
    }

    /// <summary>Appends raw bytes to the strings block and returns their offset.</summary>
    public uint AddStringBytes(byte[] bytes)
    {
        uint offset = (uint)_strings.Count;
        _strings.AddRange(bytes);
        return offset;
    }

    public uint AddString(string name) => AddStringBytes(Encoding.Latin1.GetBytes(name + "\0"));

    public byte[] ToBlob(uint version = 17, uint lastCompatibleVersion = 16)
    {
        const int headerSize = 40, reservationSize = 16;
        int structureOffset = headerSize + reservationSize;
        int stringsOffset = structureOffset + _structure.Count;
        var blob = new byte[stringsOffset + _strings.Count];
        uint[] header =
        [
            0xd00dfeed, (uint)blob.Length, (uint)structureOffset, (uint)stringsOffset, headerSize,
            version, lastCompatibleVersion, 0, (uint)_strings.Count, (uint)_structure.Count,
        ];
        for (int i = 0; i < header.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(i * 4), header[i]);
        }
        _structure.CopyTo(blob, structureOffset);
        _strings.CopyTo(blob, stringsOffset);
        return blob;
    }

    private void Word(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        _structure.AddRange(bytes);
    }

    private void Padded(byte[] bytes)
    {
        _structure.AddRange(bytes);
        while (_structure.Count % 4 != 0)
        {
            _structure.Add(0);
        }
    }
}
