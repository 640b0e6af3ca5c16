using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Emulator.Core.Cpu;

/// <summary>
/// Reads and writes this process's own memory through /proc/self/mem: an address that is not mapped
/// gives an I/O error instead of a crash, which is what a search through memory needs.
/// </summary>
internal static class ProcessMemory
{
    private static readonly Lazy<FileStream> Mem = new(() =>
        new FileStream("/proc/self/mem", FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None));

    public static ulong ReadU64(ulong address)
    {
        Span<byte> buffer = stackalloc byte[8];
        return Read(address, buffer) ? BinaryPrimitives.ReadUInt64LittleEndian(buffer) : 0;
    }

    public static uint ReadU32(ulong address)
    {
        Span<byte> buffer = stackalloc byte[4];
        return Read(address, buffer) ? BinaryPrimitives.ReadUInt32LittleEndian(buffer) : uint.MaxValue;
    }

    public static byte[] ReadBytes(ulong address, int length)
    {
        var buffer = new byte[length];
        if (!Read(address, buffer))
        {
            throw new InvalidOperationException($"cannot read process memory at 0x{address:x}");
        }

        return buffer;
    }

    public static void WriteU32(ulong address, uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
        Write(address, buffer);
    }

    public static void WriteU16(ulong address, ushort value)
    {
        Span<byte> buffer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(buffer, value);
        Write(address, buffer);
    }

    private static void Write(ulong address, ReadOnlySpan<byte> buffer)
    {
        lock (Mem)
        {
            RandomAccess.Write(Mem.Value.SafeFileHandle, buffer, (long)address);
        }
    }

    private static bool Read(ulong address, Span<byte> buffer)
    {
        try
        {
            lock (Mem)
            {
                return RandomAccess.Read(Mem.Value.SafeFileHandle, buffer, (long)address) == buffer.Length;
            }
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Addresses where <paramref name="pattern"/> (8-byte aligned) occurs in the private writable
    /// anonymous mappings and the heap, searching first the mapping that holds <paramref name="near"/>.
    /// </summary>
    public static List<ulong> FindAll(ReadOnlySpan<ulong> pattern, nint near)
    {
        var regions = WritableRegions();
        var first = regions.FindIndex(r => (ulong)near >= r.Start && (ulong)near < r.End);
        if (first > 0)
        {
            (regions[0], regions[first]) = (regions[first], regions[0]);
        }

        var patternBytes = MemoryMarshal.AsBytes(pattern).ToArray();
        var results = new List<ulong>();
        var chunk = new byte[1 << 20];
        foreach (var (start, end) in regions)
        {
            for (var at = start; at < end; at += (ulong)(chunk.Length - patternBytes.Length))
            {
                var length = (int)Math.Min((ulong)chunk.Length, end - at);
                if (length < patternBytes.Length || !Read(at, chunk.AsSpan(0, length)))
                {
                    break;
                }

                var window = chunk.AsSpan(0, length);
                var offset = 0;
                while (offset <= length - patternBytes.Length)
                {
                    var hit = window[offset..].IndexOf(patternBytes);
                    if (hit < 0)
                    {
                        break;
                    }

                    var address = at + (ulong)(offset + hit);
                    if (address % 8 == 0 && !results.Contains(address))
                    {
                        results.Add(address);
                    }

                    offset += hit + 1;
                }
            }

            if (results.Count > 0 && first >= 0)
            {
                // The CPU state lives in the same allocator arena as the engine handle almost always;
                // a match there ends the search.
                break;
            }
        }

        return results;
    }

    private const ulong MaxRegion = 256UL << 20;

    private static List<(ulong Start, ulong End)> WritableRegions()
    {
        var regions = new List<(ulong Start, ulong End)>();
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5 || !fields[1].StartsWith("rw", StringComparison.Ordinal))
            {
                continue;
            }

            var path = fields.Length == 6 ? fields[5].Trim() : "";
            if (path.Length != 0 && path != "[heap]")
            {
                continue;
            }

            var range = fields[0].Split('-');
            var start = ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var end = ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (end - start <= MaxRegion)
            {
                regions.Add((start, end));
            }
        }

        return regions;
    }
}
