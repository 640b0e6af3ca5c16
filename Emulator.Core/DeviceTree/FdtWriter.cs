using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Emulator.Core.DeviceTree;

/// <summary>
/// Serialises a tree to a version-17 flattened devicetree blob (§5): header, memory reservation
/// block, structure block, strings block, in that order and without gaps.
/// </summary>
public static class FdtWriter
{
    /// <param name="root">The root node (no parent, empty name).</param>
    /// <param name="reservations">Memory the client program must not use (§5.3); none when null.</param>
    /// <param name="bootCpuId">The physical id of the boot CPU (<c>boot_cpuid_phys</c>, §5.2).</param>
    /// <exception cref="ArgumentException">The node is not a root, the tree is too deep, or a reservation has size 0.</exception>
    public static byte[] Write(FdtNode root, IReadOnlyList<(ulong Address, ulong Size)>? reservations = null, uint bootCpuId = 0)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root.Parent is not null || root.Name.Length != 0)
        {
            throw new ArgumentException($"device tree: {root.Path} is not a root node", nameof(root));
        }
        reservations ??= [];
        foreach ((ulong address, ulong size) in reservations)
        {
            // An all-zero entry would end the list early (§5.3.2), and an empty range reserves nothing.
            if (size == 0)
            {
                throw new ArgumentException($"device tree: reservation at 0x{address:x} has size 0", nameof(reservations));
            }
        }

        var structure = new ArrayBufferWriter<byte>();
        var strings = new StringTable();
        WriteNode(structure, strings, root, depth: 1);
        WriteU32(structure, FdtFormat.End);

        int reservationOffset = FdtFormat.HeaderSize; // already 8-byte aligned
        int reservationSize = (reservations.Count + 1) * FdtFormat.ReservationEntrySize;
        int structureOffset = reservationOffset + reservationSize; // 8-byte aligned, so 4-byte aligned
        int stringsOffset = structureOffset + structure.WrittenCount;
        int totalSize = stringsOffset + strings.Size;

        var blob = new byte[totalSize];
        Span<byte> header = blob;
        BinaryPrimitives.WriteUInt32BigEndian(header[FdtFormat.MagicOffset..], FdtFormat.Magic);
        BinaryPrimitives.WriteUInt32BigEndian(header[FdtFormat.TotalSizeOffset..], (uint)totalSize);
        BinaryPrimitives.WriteUInt32BigEndian(header[FdtFormat.StructureOffsetOffset..], (uint)structureOffset);
        BinaryPrimitives.WriteUInt32BigEndian(header[FdtFormat.StringsOffsetOffset..], (uint)stringsOffset);
        BinaryPrimitives.WriteUInt32BigEndian(header[FdtFormat.ReservationMapOffsetOffset..], (uint)reservationOffset);
        BinaryPrimitives.WriteUInt32BigEndian(header[FdtFormat.VersionOffset..], FdtFormat.Version);
        BinaryPrimitives.WriteUInt32BigEndian(header[FdtFormat.LastCompatibleVersionOffset..], FdtFormat.LastCompatibleVersion);
        BinaryPrimitives.WriteUInt32BigEndian(header[FdtFormat.BootCpuIdOffset..], bootCpuId);
        BinaryPrimitives.WriteUInt32BigEndian(header[FdtFormat.StringsSizeOffset..], (uint)strings.Size);
        BinaryPrimitives.WriteUInt32BigEndian(header[FdtFormat.StructureSizeOffset..], (uint)structure.WrittenCount);

        Span<byte> entry = blob.AsSpan(reservationOffset);
        foreach ((ulong address, ulong size) in reservations)
        {
            BinaryPrimitives.WriteUInt64BigEndian(entry, address);
            BinaryPrimitives.WriteUInt64BigEndian(entry[8..], size);
            entry = entry[FdtFormat.ReservationEntrySize..];
        }
        // The terminating all-zero entry is already zero.

        structure.WrittenSpan.CopyTo(blob.AsSpan(structureOffset));
        strings.CopyTo(blob.AsSpan(stringsOffset));
        return blob;
    }

    private static void WriteNode(ArrayBufferWriter<byte> output, StringTable strings, FdtNode node, int depth)
    {
        if (depth > FdtFormat.MaxDepth)
        {
            throw new ArgumentException($"device tree: {node.Path} is nested deeper than {FdtFormat.MaxDepth} levels");
        }
        WriteU32(output, FdtFormat.BeginNode);
        WritePadded(output, Encoding.ASCII.GetBytes(node.Name), terminate: true);
        foreach (FdtProperty property in node.Properties)
        {
            WriteU32(output, FdtFormat.Prop);
            WriteU32(output, (uint)property.Length);
            WriteU32(output, (uint)strings.OffsetOf(property.Name));
            WritePadded(output, property.Value, terminate: false);
        }
        foreach (FdtNode child in node.Children)
        {
            WriteNode(output, strings, child, depth + 1);
        }
        WriteU32(output, FdtFormat.EndNode);
    }

    private static void WriteU32(ArrayBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    /// <summary>Writes bytes (plus a NUL when asked) and zero padding up to the next token boundary.</summary>
    private static void WritePadded(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes, bool terminate)
    {
        int length = bytes.Length + (terminate ? 1 : 0);
        int padded = FdtFormat.Align(length, FdtFormat.TokenAlignment);
        Span<byte> span = output.GetSpan(padded)[..padded];
        bytes.CopyTo(span);
        span[bytes.Length..].Clear();
        output.Advance(padded);
    }

    /// <summary>The strings block: each property name once, NUL-terminated, in order of first use (§5.5).</summary>
    private sealed class StringTable
    {
        private readonly Dictionary<string, int> _offsets = new(StringComparer.Ordinal);
        private readonly ArrayBufferWriter<byte> _bytes = new();

        public int Size => _bytes.WrittenCount;

        public int OffsetOf(string name)
        {
            if (!_offsets.TryGetValue(name, out int offset))
            {
                offset = _bytes.WrittenCount;
                _offsets.Add(name, offset);
                int length = Encoding.ASCII.GetByteCount(name);
                Span<byte> span = _bytes.GetSpan(length + 1);
                Encoding.ASCII.GetBytes(name, span);
                span[length] = 0;
                _bytes.Advance(length + 1);
            }
            return offset;
        }

        public void CopyTo(Span<byte> destination) => _bytes.WrittenSpan.CopyTo(destination);
    }
}
