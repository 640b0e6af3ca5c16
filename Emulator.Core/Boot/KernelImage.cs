using System.Buffers.Binary;
using System.IO.Compression;

namespace Emulator.Core.Boot;

/// <summary>
/// A kernel ready to place: the arm64 Linux Image format (Documentation/arch/arm64/booting.rst),
/// optionally gzip-compressed, or an ELF64 AArch64 executable.
/// </summary>
public sealed class KernelImage
{
    private KernelImage(IReadOnlyList<LoadSegment> segments, ulong entry, bool relativeToRam)
    {
        Segments = segments;
        Entry = entry;
        RelativeToRam = relativeToRam;
    }

    /// <summary>For an Image, addresses are offsets from the start of RAM; for an ELF, physical addresses.</summary>
    public bool RelativeToRam { get; }

    public IReadOnlyList<LoadSegment> Segments { get; }

    public ulong Entry { get; }

    /// <summary>Highest address (or offset) the kernel occupies, including its BSS.</summary>
    public ulong End => Segments.Max(s => s.Address + (ulong)s.Data.Length + s.ZeroFill);

    private const uint ImageMagic = 0x644d5241; // "ARM\x64"
    private const int ImageHeaderSize = 64;
    private const ulong MaxDecompressedSize = 1UL << 30;

    public static KernelImage Parse(string path, byte[] file)
    {
        if (file.Length >= 2 && file[0] == 0x1f && file[1] == 0x8b)
        {
            file = Gunzip(path, file);
        }

        if (file.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(file) == 0x7f454c46)
        {
            return ParseElf(path, file);
        }

        if (file.Length >= ImageHeaderSize && BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(0x38)) == ImageMagic)
        {
            return ParseImage(path, file);
        }

        if (file.Length < ImageHeaderSize)
        {
            throw new BootException($"kernel '{path}': truncated: {file.Length} bytes is less than the 64-byte arm64 Image header");
        }

        throw new BootException($"kernel '{path}': not an arm64 Linux Image (no 'ARM\\x64' magic at offset 0x38) nor an ELF file");
    }

    private static byte[] Gunzip(string path, byte[] file)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(file), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[1 << 20];
            int n;
            while ((n = input.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, n);
                if ((ulong)output.Length > MaxDecompressedSize)
                {
                    throw new BootException($"kernel '{path}': decompresses to more than 1 GiB");
                }
            }

            // zlib checks the CRC and size trailer of a stream it reaches the end of, but a stream cut
            // short just ends early without an error. The trailer's last field (RFC 1952: ISIZE, the
            // size mod 2^32) tells: in a cut stream those 4 bytes are compressed data. A kernel is one
            // gzip member, so its ISIZE covers the whole output.
            if (file.Length < 18 || BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(file.Length - 4)) != (uint)output.Length)
            {
                throw new BootException($"kernel '{path}': corrupt gzip data (truncated: the stream ends before its trailer)");
            }

            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new BootException($"kernel '{path}': corrupt gzip data ({e.Message})");
        }
    }

    private static KernelImage ParseImage(string path, byte[] file)
    {
        var textOffset = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(0x08));
        var imageSize = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(0x10));
        if (imageSize == 0)
        {
            // booting.rst: with no image_size the text offset is assumed to be 0x80000 (pre-3.17 kernels).
            textOffset = 0x80000;
        }

        CheckPeSections(path, file);
        if (imageSize != 0 && (ulong)file.Length > imageSize)
        {
            throw new BootException(
                $"kernel '{path}': malformed: the file ({file.Length} bytes) is larger than the image size its header declares ({imageSize})");
        }

        var zeroFill = imageSize > (ulong)file.Length ? imageSize - (ulong)file.Length : 0;
        return new KernelImage([new LoadSegment(textOffset, file, zeroFill)], textOffset, relativeToRam: true);
    }

    /// <summary>
    /// Linux Images that carry an EFI stub are also PE files whose section table says how long the file
    /// must be; that is how a truncated Image is told from a whole one.
    /// </summary>
    private static void CheckPeSections(string path, byte[] file)
    {
        if (file[0] != 'M' || file[1] != 'Z')
        {
            return;
        }

        var pe = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(0x3c));
        if (pe > (uint)file.Length - 24 || BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)pe)) != 0x00004550)
        {
            throw new BootException($"kernel '{path}': truncated or malformed: its PE header at 0x{pe:x} is missing");
        }

        var sections = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan((int)pe + 6));
        var optionalSize = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan((int)pe + 20));
        var table = (long)pe + 24 + optionalSize;
        long needed = table + (40L * sections);
        for (var i = 0; i < sections && table + (40L * (i + 1)) <= file.Length; i++)
        {
            var entry = file.AsSpan((int)(table + (40L * i)));
            var rawSize = BinaryPrimitives.ReadUInt32LittleEndian(entry[16..]);
            var rawOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry[20..]);
            needed = Math.Max(needed, (long)rawOffset + rawSize);
        }

        if (needed > file.Length)
        {
            throw new BootException(
                $"kernel '{path}': truncated: its headers describe {needed} bytes but the file has {file.Length}");
        }
    }

    private const ushort MachineAArch64 = 183;

    private static KernelImage ParseElf(string path, byte[] file)
    {
        string Bad(string what) => $"kernel '{path}': malformed ELF: {what}";
        if (file.Length < 64)
        {
            throw new BootException(Bad("truncated header"));
        }

        if (file[4] != 2 || file[5] != 1)
        {
            throw new BootException(Bad("not a little-endian 64-bit ELF"));
        }

        var span = file.AsSpan();
        if (BinaryPrimitives.ReadUInt16LittleEndian(span[18..]) != MachineAArch64)
        {
            throw new BootException(Bad("not an AArch64 executable"));
        }

        var entry = BinaryPrimitives.ReadUInt64LittleEndian(span[24..]);
        var phoff = BinaryPrimitives.ReadUInt64LittleEndian(span[32..]);
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[54..]);
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(span[56..]);
        if (phentsize < 56 || phoff > (ulong)file.Length || (ulong)phentsize * phnum > (ulong)file.Length - phoff)
        {
            throw new BootException(Bad("program headers outside the file"));
        }

        var segments = new List<LoadSegment>();
        ulong? physicalEntry = null;
        for (var i = 0; i < phnum; i++)
        {
            var ph = span[(int)(phoff + ((ulong)i * phentsize))..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != 1)
            {
                continue; // not PT_LOAD
            }

            var offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
            var vaddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]);
            var paddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[24..]);
            var filesz = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
            var memsz = BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]);
            if (offset > (ulong)file.Length || filesz > (ulong)file.Length - offset)
            {
                throw new BootException(Bad($"segment {i} lies outside the file (truncated?)"));
            }

            if (filesz > memsz)
            {
                throw new BootException(Bad($"segment {i} is larger in the file than in memory"));
            }

            segments.Add(new LoadSegment(paddr, new ReadOnlyMemory<byte>(file, (int)offset, (int)filesz), memsz - filesz));
            if (entry >= vaddr && entry - vaddr < memsz)
            {
                physicalEntry = paddr + (entry - vaddr);
            }
        }

        if (segments.Count == 0)
        {
            throw new BootException(Bad("no loadable segments"));
        }

        return new KernelImage(segments, physicalEntry ?? entry, relativeToRam: false);
    }
}
