using System.Buffers.Binary;
using System.Text;

namespace Kernel.Tools.Symbolize;

/// <summary>The function symbols of a 64-bit little-endian ELF file, sorted by address.</summary>
public sealed class ElfSymbolTable
{
    private const uint SectionSymbolTable = 2;
    private const int SymbolFunction = 2;
    private const int SymbolNoType = 0;

    private readonly ulong[] _addresses;
    private readonly ulong[] _sizes;
    private readonly string[] _names;
    private readonly List<(ulong Start, ulong End)> _code;

    private ElfSymbolTable(List<(ulong Address, ulong Size, string Name)> symbols, List<(ulong, ulong)> code)
    {
        _code = code;
        symbols.Sort((a, b) => a.Address.CompareTo(b.Address));
        _addresses = symbols.Select(s => s.Address).ToArray();
        _sizes = symbols.Select(s => s.Size).ToArray();
        _names = symbols.Select(s => s.Name).ToArray();
    }

    public int Count => _names.Length;

    public static ElfSymbolTable Load(string path) => Parse(File.ReadAllBytes(path));

    public static ElfSymbolTable Parse(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        ulong sectionOffset = BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        int sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        var symbols = new List<(ulong, ulong, string)>();
        var code = new List<(ulong, ulong)>();
        for (int i = 0; i < sectionCount; i++)
        {
            ReadOnlySpan<byte> header = elf.Slice(checked((int)sectionOffset + i * sectionSize), sectionSize);
            if (IsExecutable(elf, sectionOffset, sectionSize, i))
            {
                ulong start = BinaryPrimitives.ReadUInt64LittleEndian(header[0x10..]);
                code.Add((start, start + BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..])));
            }
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != SectionSymbolTable)
                continue;
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
            ulong size = BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            ulong entrySize = BinaryPrimitives.ReadUInt64LittleEndian(header[0x38..]);
            ReadOnlySpan<byte> strings = SectionData(elf, sectionOffset, sectionSize, link);
            for (ulong e = 0; e + entrySize <= size; e += entrySize)
            {
                ReadOnlySpan<byte> symbol = elf.Slice(checked((int)(offset + e)), (int)entrySize);
                int type = symbol[4] & 0xF;
                ushort sectionIndex = BinaryPrimitives.ReadUInt16LittleEndian(symbol[6..]);
                if ((type != SymbolFunction && type != SymbolNoType) || sectionIndex == 0 || sectionIndex >= 0xFF00)
                    continue;
                uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(symbol);
                ulong value = BinaryPrimitives.ReadUInt64LittleEndian(symbol[8..]);
                ulong symbolSize = BinaryPrimitives.ReadUInt64LittleEndian(symbol[16..]);
                string name = ReadString(strings, (int)nameOffset);
                if (name.Length == 0 || name.StartsWith("$", StringComparison.Ordinal) || name.StartsWith("_lsda", StringComparison.Ordinal))
                    continue;
                if (!IsExecutable(elf, sectionOffset, sectionSize, sectionIndex))
                    continue;
                symbols.Add((value, symbolSize, name));
            }
        }
        return new ElfSymbolTable(symbols, code);
    }

    private static bool IsExecutable(ReadOnlySpan<byte> elf, ulong sectionOffset, int sectionSize, int index)
    {
        ReadOnlySpan<byte> header = elf.Slice(checked((int)sectionOffset + index * sectionSize), sectionSize);
        ulong flags = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        return (flags & 4) != 0; // SHF_EXECINSTR
    }

    private static ReadOnlySpan<byte> SectionData(ReadOnlySpan<byte> elf, ulong sectionOffset, int sectionSize, int index)
    {
        ReadOnlySpan<byte> header = elf.Slice(checked((int)sectionOffset + index * sectionSize), sectionSize);
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);
        return elf.Slice((int)offset, (int)size);
    }

    private static string ReadString(ReadOnlySpan<byte> strings, int offset)
    {
        int end = strings[offset..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(strings.Slice(offset, end < 0 ? strings.Length - offset : end));
    }

    /// <summary>The symbol containing <paramref name="address"/> (the nearest one at or below it) and the offset into it.</summary>
    public bool TryLookup(ulong address, out string name, out ulong offset)
    {
        name = "";
        offset = 0;
        int lo = 0, hi = _addresses.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (_addresses[mid] <= address) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        if (found < 0 || !_code.Any(c => address >= c.Start && address < c.End))
            return false;
        // Prefer the managed (mangled) name over an export alias at the same address.
        int best = found;
        for (int i = found; i >= 0 && _addresses[i] == _addresses[found]; i--)
            if (_names[i].Contains("__", StringComparison.Ordinal)) best = i;
        name = _names[best];
        offset = address - _addresses[best];
        return true;
    }

    /// <summary>
    /// Turns an ILC symbol such as Kernel_Kernel_Diagnostics_CrashTests__ReadThroughNull into
    /// "Kernel.Diagnostics.CrashTests.ReadThroughNull" when the assembly prefix is known.
    /// </summary>
    public static string ToMethodName(string symbol)
    {
        int separator = symbol.IndexOf("__", StringComparison.Ordinal);
        if (separator <= 0)
            return symbol;
        string type = symbol[..separator];
        string method = symbol[(separator + 2)..];
        foreach (string assembly in new[] { "Kernel_CoreLib_", "Kernel_" })
        {
            if (type.StartsWith(assembly, StringComparison.Ordinal))
            {
                type = type[assembly.Length..];
                break;
            }
        }
        return type.Replace('_', '.') + "." + method;
    }
}
