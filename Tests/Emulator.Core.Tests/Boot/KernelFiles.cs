using System.Buffers.Binary;
using System.IO.Compression;

namespace Emulator.Core.Tests.Boot;

/// <summary>Synthetic kernel files: arm64 Images (optionally PE/EFI-headed), gzip, ELF64.</summary>
internal static class KernelFiles
{
    public const ushort MachineAArch64 = 183;
    public const ushort MachineX86_64 = 62;

    /// <summary>
    /// An arm64 Image (Documentation/arch/arm64/booting.rst): the 64-byte header then a recognisable
    /// payload (byte i = i * 7 + 1), <paramref name="length"/> bytes in all.
    /// </summary>
    public static byte[] Image(ulong textOffset, ulong imageSize, int length = 0x2000)
    {
        var file = new byte[length];
        for (var i = 64; i < length; i++)
        {
            file[i] = (byte)((i * 7) + 1);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(file, 0x14000010); // code0: b +0x40, past the header
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(0x08), textOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(0x10), imageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(0x18), 0xA); // flags: LE, 4K pages, anywhere
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(0x38), 0x644d5241); // "ARM\x64"
        return file;
    }

    /// <summary>
    /// An Image with an EFI stub header, as Debian's kernels have: "MZ" at 0, the PE header offset at
    /// 0x3c, and a section table whose last section ends at <paramref name="sectionEnd"/> in the file.
    /// </summary>
    public static byte[] PeImage(int length, uint sectionEnd, ulong imageSize = 0x10_0000)
    {
        var file = Image(0, imageSize, length);
        file[0] = (byte)'M';
        file[1] = (byte)'Z';
        const int pe = 0x40;
        const ushort optionalHeaderSize = 0xA0;
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(0x3c), pe);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(pe), 0x00004550); // "PE\0\0"
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(pe + 4), 0xAA64); // IMAGE_FILE_MACHINE_ARM64
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(pe + 6), 2); // two sections
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(pe + 20), optionalHeaderSize);
        file.AsSpan(pe + 24, optionalHeaderSize).Clear();
        var table = pe + 24 + optionalHeaderSize;
        file.AsSpan(table, 80).Clear();
        WriteSection(file.AsSpan(table), ".text", rawOffset: 0x1000, rawSize: (sectionEnd - 0x1000) / 2);
        WriteSection(file.AsSpan(table + 40), ".data", rawOffset: 0x1000 + ((sectionEnd - 0x1000) / 2),
            rawSize: sectionEnd - 0x1000 - ((sectionEnd - 0x1000) / 2));
        return file;
    }

    private static void WriteSection(Span<byte> entry, string name, uint rawOffset, uint rawSize)
    {
        System.Text.Encoding.ASCII.GetBytes(name).CopyTo(entry);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], rawSize); // VirtualSize
        BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], rawOffset); // VirtualAddress
        BinaryPrimitives.WriteUInt32LittleEndian(entry[16..], rawSize); // SizeOfRawData
        BinaryPrimitives.WriteUInt32LittleEndian(entry[20..], rawOffset); // PointerToRawData
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>An ELF executable: the 64-byte header, the program headers, then each segment's data.</summary>
    public static byte[] Elf(ulong entry, IReadOnlyList<ElfSegment> segments, ushort machine = MachineAArch64, byte elfClass = 2, byte dataEncoding = 1)
    {
        const int headerSize = 64;
        const int programHeaderSize = 56;
        var dataStart = headerSize + (programHeaderSize * segments.Count);
        var file = new byte[dataStart + segments.Sum(s => s.Data.Length)];
        file[0] = 0x7f;
        file[1] = (byte)'E';
        file[2] = (byte)'L';
        file[3] = (byte)'F';
        file[4] = elfClass;
        file[5] = dataEncoding;
        file[6] = 1; // EV_CURRENT
        var span = file.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2); // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], machine);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], entry);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], headerSize); // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(span[52..], headerSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[54..], programHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[56..], (ushort)segments.Count);
        var offset = dataStart;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            var ph = span[(headerSize + (programHeaderSize * i))..];
            BinaryPrimitives.WriteUInt32LittleEndian(ph, segment.Type);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5); // R X
            BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], segment.FileOffset ?? (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], segment.VirtualAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], segment.PhysicalAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], segment.FileSize ?? (ulong)segment.Data.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], segment.MemorySize);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
            segment.Data.CopyTo(span[offset..]);
            offset += segment.Data.Length;
        }

        return file;
    }

    /// <summary>A byte pattern that tells one blob from another.</summary>
    public static byte[] Pattern(int length, byte seed)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = (byte)((i * 13) + seed);
        }

        return data;
    }
}
