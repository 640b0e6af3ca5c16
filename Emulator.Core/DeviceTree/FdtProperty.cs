using System.Buffers.Binary;
using System.Text;

namespace Emulator.Core.DeviceTree;

/// <summary>
/// One property: a name and an immutable byte value. Values are stored exactly as they appear in
/// the blob (big-endian cells, NUL-terminated strings; §2.2.4.2), and the typed getters decode
/// them, throwing <see cref="InvalidDataException"/> naming the property when the value has the
/// wrong shape.
/// </summary>
public sealed class FdtProperty
{
    private readonly byte[] _value;

    /// <exception cref="ArgumentException">The name is not a valid property name (§2.2.4).</exception>
    public FdtProperty(string name, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!FdtFormat.IsValidPropertyName(name))
        {
            throw new ArgumentException($"invalid device tree property name {FdtFormat.Quote(name)}", nameof(name));
        }
        Name = name;
        _value = value.ToArray();
    }

    private FdtProperty(byte[] value, string validatedName)
    {
        Name = validatedName;
        _value = value;
    }

    /// <summary>Takes ownership of <paramref name="value"/> without copying; the caller has validated the name.</summary>
    internal static FdtProperty FromValidated(string name, byte[] value) => new(value, name);

    public string Name { get; }

    public ReadOnlySpan<byte> Value => _value;

    public int Length => _value.Length;

    /// <summary>The value as a single 32-bit cell.</summary>
    public uint AsU32()
    {
        if (_value.Length != 4)
        {
            throw WrongShape("one 32-bit cell");
        }
        return BinaryPrimitives.ReadUInt32BigEndian(_value);
    }

    /// <summary>The value as big-endian 32-bit cells (<c>&lt;prop-encoded-array&gt;</c>); empty for an empty value.</summary>
    public uint[] AsU32Array()
    {
        if (_value.Length % 4 != 0)
        {
            throw WrongShape("a whole number of 32-bit cells");
        }
        var cells = new uint[_value.Length / 4];
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i] = BinaryPrimitives.ReadUInt32BigEndian(_value.AsSpan(i * 4));
        }
        return cells;
    }

    /// <summary>The value as a single 64-bit number (two cells, most significant first).</summary>
    public ulong AsU64()
    {
        if (_value.Length != 8)
        {
            throw WrongShape("one 64-bit value");
        }
        return BinaryPrimitives.ReadUInt64BigEndian(_value);
    }

    /// <summary>The value as 64-bit numbers, each two cells with the most significant first.</summary>
    public ulong[] AsU64Array()
    {
        if (_value.Length % 8 != 0)
        {
            throw WrongShape("a whole number of 64-bit values");
        }
        var values = new ulong[_value.Length / 8];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadUInt64BigEndian(_value.AsSpan(i * 8));
        }
        return values;
    }

    /// <summary>The value as one NUL-terminated string (<c>&lt;string&gt;</c>).</summary>
    public string AsString()
    {
        if (_value.Length == 0 || _value[^1] != 0 || Array.IndexOf(_value, (byte)0) != _value.Length - 1)
        {
            throw WrongShape("one NUL-terminated string");
        }
        return Encoding.UTF8.GetString(_value, 0, _value.Length - 1);
    }

    /// <summary>The value as consecutive NUL-terminated strings (<c>&lt;stringlist&gt;</c>).</summary>
    public string[] AsStringList()
    {
        if (_value.Length == 0 || _value[^1] != 0)
        {
            throw WrongShape("a list of NUL-terminated strings");
        }
        var strings = new List<string>();
        int start = 0;
        while (start < _value.Length)
        {
            int end = Array.IndexOf(_value, (byte)0, start);
            strings.Add(Encoding.UTF8.GetString(_value, start, end - start));
            start = end + 1;
        }
        return [.. strings];
    }

    public override string ToString() => $"{Name} ({_value.Length} bytes)";

    private InvalidDataException WrongShape(string expected) =>
        new($"device tree: property {FdtFormat.Quote(Name)} is {_value.Length} bytes, not {expected}");
}
