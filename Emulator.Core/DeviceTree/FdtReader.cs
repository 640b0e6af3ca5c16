using System.Buffers.Binary;
using System.Text;

namespace Emulator.Core.DeviceTree;

/// <summary>
/// Reads flattened devicetree blobs (§5), checking every length, offset, alignment and token
/// before using it. Whatever the input, the only exception is <see cref="InvalidDataException"/>
/// with a one-line message beginning "device tree:" that says what is wrong.
/// </summary>
public static class FdtReader
{
    /// <summary>Reads and checks the header: magic, version, total size, and that each block lies inside the blob.</summary>
    /// <exception cref="InvalidDataException">The header is malformed.</exception>
    public static FdtHeader ReadHeader(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4)
        {
            throw Invalid($"blob is {blob.Length} bytes, too short for the magic number");
        }
        uint magic = ReadU32(blob, FdtFormat.MagicOffset);
        if (magic != FdtFormat.Magic)
        {
            throw Invalid($"bad magic 0x{magic:x8} (expected 0x{FdtFormat.Magic:x8})");
        }
        if (blob.Length < FdtFormat.HeaderSize)
        {
            throw Invalid($"blob is {blob.Length} bytes, shorter than the {FdtFormat.HeaderSize}-byte header");
        }
        var header = new FdtHeader(
            TotalSize: ReadU32(blob, FdtFormat.TotalSizeOffset),
            StructureOffset: ReadU32(blob, FdtFormat.StructureOffsetOffset),
            StringsOffset: ReadU32(blob, FdtFormat.StringsOffsetOffset),
            ReservationMapOffset: ReadU32(blob, FdtFormat.ReservationMapOffsetOffset),
            Version: ReadU32(blob, FdtFormat.VersionOffset),
            LastCompatibleVersion: ReadU32(blob, FdtFormat.LastCompatibleVersionOffset),
            BootCpuId: ReadU32(blob, FdtFormat.BootCpuIdOffset),
            StringsSize: ReadU32(blob, FdtFormat.StringsSizeOffset),
            StructureSize: ReadU32(blob, FdtFormat.StructureSizeOffset));

        // Versions before 17 lack size_dt_struct; later versions must still be readable as 17.
        if (header.Version < FdtFormat.Version || header.LastCompatibleVersion > FdtFormat.Version)
        {
            throw Invalid($"unsupported version {header.Version} (last compatible {header.LastCompatibleVersion}); only blobs readable as version {FdtFormat.Version} are supported");
        }
        if (header.TotalSize < FdtFormat.HeaderSize)
        {
            throw Invalid($"totalsize {header.TotalSize} is smaller than the {FdtFormat.HeaderSize}-byte header");
        }
        if (header.TotalSize > (uint)blob.Length)
        {
            throw Invalid($"totalsize {header.TotalSize} exceeds the {blob.Length} bytes available (truncated blob?)");
        }

        if (header.ReservationMapOffset % FdtFormat.ReservationMapAlignment != 0)
        {
            throw Invalid($"memory reservation block offset 0x{header.ReservationMapOffset:x} is not 8-byte aligned");
        }
        CheckBlock("memory reservation block", header.ReservationMapOffset, FdtFormat.ReservationEntrySize, header.TotalSize);
        if (header.StructureOffset % FdtFormat.TokenAlignment != 0)
        {
            throw Invalid($"structure block offset 0x{header.StructureOffset:x} is not 4-byte aligned");
        }
        if (header.StructureSize % FdtFormat.TokenAlignment != 0)
        {
            throw Invalid($"structure block size {header.StructureSize} is not a multiple of 4");
        }
        CheckBlock("structure block", header.StructureOffset, header.StructureSize, header.TotalSize);
        CheckBlock("strings block", header.StringsOffset, header.StringsSize, header.TotalSize);
        if (Overlap(header.StructureOffset, header.StructureSize, header.StringsOffset, header.StringsSize))
        {
            throw Invalid($"structure block [0x{header.StructureOffset:x}, +{header.StructureSize}) overlaps strings block [0x{header.StringsOffset:x}, +{header.StringsSize})");
        }
        return header;
    }

    /// <summary>Reads the memory reservation block (§5.3), without the terminating all-zero entry.</summary>
    /// <exception cref="InvalidDataException">The header or the reservation block is malformed.</exception>
    public static IReadOnlyList<(ulong Address, ulong Size)> ReadReservations(ReadOnlySpan<byte> blob)
    {
        FdtHeader header = ReadHeader(blob);
        return ReadReservations(blob, header);
    }

    /// <summary>Reads and checks the whole blob and returns its root node.</summary>
    /// <exception cref="InvalidDataException">Anything in the blob is malformed.</exception>
    public static FdtNode Parse(ReadOnlySpan<byte> blob)
    {
        FdtHeader header = ReadHeader(blob);
        ReadReservations(blob, header);
        ReadOnlySpan<byte> structure = blob.Slice((int)header.StructureOffset, (int)header.StructureSize);
        ReadOnlySpan<byte> strings = blob.Slice((int)header.StringsOffset, (int)header.StringsSize);
        return ParseStructure(structure, strings);
    }

    private static List<(ulong Address, ulong Size)> ReadReservations(ReadOnlySpan<byte> blob, FdtHeader header)
    {
        var reservations = new List<(ulong Address, ulong Size)>();
        int offset = (int)header.ReservationMapOffset;
        while (true)
        {
            if (offset + FdtFormat.ReservationEntrySize > (int)header.TotalSize)
            {
                throw Invalid($"memory reservation block at 0x{header.ReservationMapOffset:x} runs past totalsize {header.TotalSize} without its terminating entry");
            }
            ulong address = BinaryPrimitives.ReadUInt64BigEndian(blob[offset..]);
            ulong size = BinaryPrimitives.ReadUInt64BigEndian(blob[(offset + 8)..]);
            offset += FdtFormat.ReservationEntrySize;
            if (address == 0 && size == 0)
            {
                break;
            }
            reservations.Add((address, size));
        }
        uint mapSize = (uint)offset - header.ReservationMapOffset;
        if (Overlap(header.ReservationMapOffset, mapSize, header.StructureOffset, header.StructureSize)
            || Overlap(header.ReservationMapOffset, mapSize, header.StringsOffset, header.StringsSize))
        {
            throw Invalid($"memory reservation block [0x{header.ReservationMapOffset:x}, +{mapSize}) overlaps the structure or strings block");
        }
        return reservations;
    }

    /// <summary>Walks the token stream of §5.4 with an explicit stack, so nesting cannot overflow the call stack.</summary>
    private static FdtNode ParseStructure(ReadOnlySpan<byte> structure, ReadOnlySpan<byte> strings)
    {
        FdtNode? root = null;
        var open = new Stack<FdtNode>();
        var hasChildren = new Stack<bool>(); // properties must precede child nodes (§5.4.2)
        int position = 0;
        while (true)
        {
            if (position + 4 > structure.Length)
            {
                throw Invalid($"structure block ends at offset 0x{structure.Length:x} without an FDT_END token");
            }
            int tokenOffset = position;
            uint token = ReadU32(structure, position);
            position += 4;
            switch (token)
            {
                case FdtFormat.BeginNode:
                    {
                        int nameEnd = structure[position..].IndexOf((byte)0);
                        if (nameEnd < 0)
                        {
                            throw Invalid($"node name at structure offset 0x{position:x} is not NUL-terminated");
                        }
                        // Latin-1 maps each byte to one char, so the name check below sees every byte.
                        string name = Encoding.Latin1.GetString(structure.Slice(position, nameEnd));
                        position = FdtFormat.Align(position + nameEnd + 1, FdtFormat.TokenAlignment);
                        FdtNode node;
                        if (open.Count == 0)
                        {
                            if (root is not null)
                            {
                                throw Invalid($"second root node at structure offset 0x{tokenOffset:x}");
                            }
                            if (name.Length != 0)
                            {
                                throw Invalid($"root node has name {FdtFormat.Quote(name)} (expected an empty name)");
                            }
                            node = root = new FdtNode();
                        }
                        else
                        {
                            FdtNode parent = open.Peek();
                            if (!FdtFormat.IsValidNodeName(name))
                            {
                                throw Invalid($"invalid node name {FdtFormat.Quote(name)} under {parent.Path} at structure offset 0x{tokenOffset:x}");
                            }
                            if (parent.GetChild(name) is not null)
                            {
                                throw Invalid($"duplicate node {FdtFormat.Quote(name)} under {parent.Path}");
                            }
                            if (open.Count >= FdtFormat.MaxDepth)
                            {
                                throw Invalid($"nodes nested deeper than {FdtFormat.MaxDepth} levels under {parent.Path}");
                            }
                            node = parent.AddChild(name);
                            hasChildren.Pop();
                            hasChildren.Push(true);
                        }
                        open.Push(node);
                        hasChildren.Push(false);
                        break;
                    }
                case FdtFormat.EndNode:
                    if (open.Count == 0)
                    {
                        throw Invalid($"FDT_END_NODE at structure offset 0x{tokenOffset:x} has no matching FDT_BEGIN_NODE");
                    }
                    open.Pop();
                    hasChildren.Pop();
                    break;
                case FdtFormat.Prop:
                    {
                        if (open.Count == 0)
                        {
                            throw Invalid($"property at structure offset 0x{tokenOffset:x} is outside any node");
                        }
                        FdtNode node = open.Peek();
                        if (position + 8 > structure.Length)
                        {
                            throw Invalid($"property header at structure offset 0x{tokenOffset:x} in {node.Path} runs past the structure block");
                        }
                        uint length = ReadU32(structure, position);
                        uint nameOffset = ReadU32(structure, position + 4);
                        position += 8;
                        if (length > (uint)(structure.Length - position))
                        {
                            throw Invalid($"property at structure offset 0x{tokenOffset:x} in {node.Path} has length {length}, past the end of the structure block");
                        }
                        string name = ReadPropertyName(strings, nameOffset, node, tokenOffset);
                        if (hasChildren.Peek())
                        {
                            throw Invalid($"property {FdtFormat.Quote(name)} of {node.Path} comes after a child node");
                        }
                        if (node.GetProperty(name) is not null)
                        {
                            throw Invalid($"duplicate property {FdtFormat.Quote(name)} in {node.Path}");
                        }
                        node.SetProperty(FdtProperty.FromValidated(name, structure.Slice(position, (int)length).ToArray()));
                        position = (int)FdtFormat.Align((long)position + length, FdtFormat.TokenAlignment);
                        break;
                    }
                case FdtFormat.Nop:
                    break;
                case FdtFormat.End:
                    if (open.Count != 0)
                    {
                        throw Invalid($"FDT_END at structure offset 0x{tokenOffset:x} while {open.Peek().Path} is still open");
                    }
                    return root ?? throw Invalid("structure block has no root node");
                default:
                    throw Invalid($"unknown token 0x{token:x8} at structure offset 0x{tokenOffset:x}");
            }
        }
    }

    private static string ReadPropertyName(ReadOnlySpan<byte> strings, uint nameOffset, FdtNode node, int tokenOffset)
    {
        if (nameOffset >= (uint)strings.Length)
        {
            throw Invalid($"property at structure offset 0x{tokenOffset:x} in {node.Path} has name offset {nameOffset}, outside the {strings.Length}-byte strings block");
        }
        ReadOnlySpan<byte> rest = strings[(int)nameOffset..];
        int end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            throw Invalid($"property name at strings offset {nameOffset} is not NUL-terminated");
        }
        string name = Encoding.Latin1.GetString(rest[..end]);
        if (!FdtFormat.IsValidPropertyName(name))
        {
            throw Invalid($"invalid property name {FdtFormat.Quote(name)} in {node.Path} at structure offset 0x{tokenOffset:x}");
        }
        return name;
    }

    private static void CheckBlock(string what, uint offset, uint size, uint totalSize)
    {
        if (offset < FdtFormat.HeaderSize)
        {
            throw Invalid($"{what} offset 0x{offset:x} lies inside the header");
        }
        if ((ulong)offset + size > totalSize)
        {
            throw Invalid($"{what} [0x{offset:x}, +{size}) extends past totalsize {totalSize}");
        }
    }

    private static bool Overlap(uint startA, uint sizeA, uint startB, uint sizeB) =>
        sizeA != 0 && sizeB != 0 && (ulong)startA < (ulong)startB + sizeB && (ulong)startB < (ulong)startA + sizeA;

    private static uint ReadU32(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]);

    private static InvalidDataException Invalid(string message) => new("device tree: " + message);
}
