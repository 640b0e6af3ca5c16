using System;

namespace Kernel.Logic
{
    /// <summary>
    /// Read-only view of a flattened device tree (devicetree specification v0.4, chapter 5).
    /// Nodes are identified by the offset of their FDT_BEGIN_NODE token in the structure block.
    /// </summary>
    public readonly unsafe struct DeviceTree
    {
        public const uint Magic = 0xd00dfeed;
        private const uint FdtBeginNode = 1, FdtEndNode = 2, FdtProp = 3, FdtNop = 4, FdtEnd = 9;
        private const int MaxDepth = 32;

        private readonly byte* _blob;
        private readonly uint _structOffset, _structSize, _stringsOffset, _stringsSize;

        public uint TotalSize { get; }
        public byte* Blob => _blob;

        private DeviceTree(byte* blob, uint total, uint structOffset, uint structSize, uint stringsOffset, uint stringsSize)
        {
            _blob = blob;
            TotalSize = total;
            _structOffset = structOffset;
            _structSize = structSize;
            _stringsOffset = stringsOffset;
            _stringsSize = stringsSize;
        }

        public static uint ReadBigEndian32(byte* p) => (uint)(p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]);

        /// <summary>Validates the header of the blob at <paramref name="blob"/> (at most <paramref name="limit"/> bytes).</summary>
        public static int Open(byte* blob, ulong limit, out DeviceTree tree)
        {
            tree = default;
            if (blob == null || limit < 40 || ReadBigEndian32(blob) != Magic)
                return -Errno.EINVAL;
            uint total = ReadBigEndian32(blob + 4);
            uint structOffset = ReadBigEndian32(blob + 8);
            uint stringsOffset = ReadBigEndian32(blob + 12);
            uint version = ReadBigEndian32(blob + 20);
            uint stringsSize = ReadBigEndian32(blob + 32);
            uint structSize = ReadBigEndian32(blob + 36);
            if (version < 17 || total > limit || (ulong)structOffset + structSize > total
                || (ulong)stringsOffset + stringsSize > total || (structOffset & 3) != 0)
                return -Errno.EINVAL;
            tree = new DeviceTree(blob, total, structOffset, structSize, stringsOffset, stringsSize);
            return 0;
        }

        /// <summary>The root node.</summary>
        public int Root => FirstNodeAt(0);

        private int FirstNodeAt(int offset)
        {
            int o = offset;
            while (o + 4 <= (int)_structSize)
            {
                uint token = Token(o);
                if (token == FdtBeginNode)
                    return o;
                if (token != FdtNop)
                    return -Errno.ENOENT;
                o += 4;
            }
            return -Errno.ENOENT;
        }

        private uint Token(int offset) => ReadBigEndian32(_blob + _structOffset + offset);

        private static int Align4(int v) => (v + 3) & ~3;

        /// <summary>The node's name (with unit address) as bytes.</summary>
        public ReadOnlySpan<byte> NodeName(int node)
        {
            byte* name = _blob + _structOffset + node + 4;
            int length = 0;
            while (name[length] != 0 && node + 4 + length < (int)_structSize)
                length++;
            return new ReadOnlySpan<byte>(name, length);
        }

        // Offset of the first token after the node's name.
        private int AfterName(int node) => node + 4 + Align4(NodeName(node).Length + 1);

        /// <summary>
        /// Steps to the next token that is a node begin, property, node end or the end; returns the
        /// offset after the token that starts at <paramref name="offset"/>.
        /// </summary>
        private int Skip(int offset, uint token)
        {
            if (token == FdtBeginNode)
                return AfterName(offset);
            if (token == FdtProp)
            {
                uint length = ReadBigEndian32(_blob + _structOffset + offset + 4);
                return offset + 12 + Align4((int)length);
            }
            return offset + 4;
        }

        /// <summary>Finds a property of <paramref name="node"/>; returns false if it has none by that name.</summary>
        public bool TryGetProperty(int node, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
        {
            value = default;
            if (node < 0)
                return false;
            int o = AfterName(node);
            while (o + 4 <= (int)_structSize)
            {
                uint token = Token(o);
                if (token == FdtProp)
                {
                    uint length = ReadBigEndian32(_blob + _structOffset + o + 4);
                    uint nameOffset = ReadBigEndian32(_blob + _structOffset + o + 8);
                    if (nameOffset < _stringsSize && (ulong)o + 12 + length <= _structSize && StringEquals(nameOffset, name))
                    {
                        value = new ReadOnlySpan<byte>(_blob + _structOffset + o + 12, (int)length);
                        return true;
                    }
                }
                else if (token != FdtNop)
                {
                    return false; // properties precede child nodes
                }
                o = Skip(o, token);
            }
            return false;
        }

        private bool StringEquals(uint nameOffset, ReadOnlySpan<byte> name)
        {
            byte* s = _blob + _stringsOffset + nameOffset;
            uint max = _stringsSize - nameOffset;
            int i = 0;
            for (; i < name.Length; i++)
                if (i >= max || s[i] != name[i])
                    return false;
            return i < max && s[i] == 0;
        }

        /// <summary>Calls back for every node in document order; stops early when the callback returns false.</summary>
        private int Walk(int startAfter, delegate*<in DeviceTree, int, int, void*, bool> visit, void* state)
        {
            int depth = 0;
            int o = 0;
            while (o + 4 <= (int)_structSize)
            {
                uint token = Token(o);
                if (token == FdtEnd)
                    break;
                if (token == FdtBeginNode)
                {
                    depth++;
                    if (o > startAfter && !visit(in this, o, depth, state))
                        return o;
                }
                else if (token == FdtEndNode)
                {
                    depth--;
                }
                else if (token != FdtProp && token != FdtNop)
                {
                    return -Errno.EINVAL;
                }
                o = Skip(o, token);
            }
            return -Errno.ENOENT;
        }

        private struct CompatibleSearch
        {
            public byte* Name;
            public int Length;
        }

        private static bool MatchCompatible(in DeviceTree tree, int node, int depth, void* state)
        {
            CompatibleSearch* search = (CompatibleSearch*)state;
            return !tree.IsCompatible(node, new ReadOnlySpan<byte>(search->Name, search->Length));
        }

        /// <summary>The first node after <paramref name="startAfter"/> whose "compatible" list contains the string.</summary>
        public int FindCompatible(ReadOnlySpan<byte> compatible, int startAfter = -1)
        {
            fixed (byte* p = compatible)
            {
                CompatibleSearch search = new CompatibleSearch { Name = p, Length = compatible.Length };
                return Walk(startAfter, &MatchCompatible, &search);
            }
        }

        private static bool MatchDeviceType(in DeviceTree tree, int node, int depth, void* state)
        {
            CompatibleSearch* search = (CompatibleSearch*)state;
            if (!tree.TryGetProperty(node, "device_type"u8, out ReadOnlySpan<byte> value))
                return true;
            return !StringListContains(value, new ReadOnlySpan<byte>(search->Name, search->Length));
        }

        /// <summary>The first node after <paramref name="startAfter"/> with the given device_type (e.g. "memory").</summary>
        public int FindDeviceType(ReadOnlySpan<byte> deviceType, int startAfter = -1)
        {
            fixed (byte* p = deviceType)
            {
                CompatibleSearch search = new CompatibleSearch { Name = p, Length = deviceType.Length };
                return Walk(startAfter, &MatchDeviceType, &search);
            }
        }

        public bool IsCompatible(int node, ReadOnlySpan<byte> compatible)
            => TryGetProperty(node, "compatible"u8, out ReadOnlySpan<byte> list) && StringListContains(list, compatible);

        /// <summary>Whether a NUL-separated string list contains <paramref name="item"/>.</summary>
        public static bool StringListContains(ReadOnlySpan<byte> list, ReadOnlySpan<byte> item)
        {
            int start = 0;
            while (start < list.Length)
            {
                int end = start;
                while (end < list.Length && list[end] != 0)
                    end++;
                if (end - start == item.Length)
                {
                    bool same = true;
                    for (int i = 0; i < item.Length; i++)
                        if (list[start + i] != item[i]) { same = false; break; }
                    if (same)
                        return true;
                }
                start = end + 1;
            }
            return false;
        }

        /// <summary>Finds a node by absolute path such as "/chosen" or "/pl011@9000000" (unit address optional).</summary>
        public int FindPath(ReadOnlySpan<byte> path)
        {
            if (path.Length == 0 || path[0] != (byte)'/')
                return -Errno.EINVAL;
            int node = Root;
            int i = 1;
            while (node >= 0 && i < path.Length)
            {
                int end = i;
                while (end < path.Length && path[end] != (byte)'/')
                    end++;
                if (end > i)
                    node = FindChild(node, path.Slice(i, end - i));
                i = end + 1;
            }
            return node;
        }

        /// <summary>Finds a direct child by name; a name without '@' matches any unit address.</summary>
        public int FindChild(int parent, ReadOnlySpan<byte> name)
        {
            int o = AfterName(parent);
            int depth = 0;
            while (o + 4 <= (int)_structSize)
            {
                uint token = Token(o);
                if (token == FdtBeginNode)
                {
                    if (depth == 0 && NameMatches(NodeName(o), name))
                        return o;
                    depth++;
                }
                else if (token == FdtEndNode)
                {
                    if (depth == 0)
                        return -Errno.ENOENT;
                    depth--;
                }
                else if (token == FdtEnd)
                {
                    break;
                }
                o = Skip(o, token);
            }
            return -Errno.ENOENT;
        }

        private static bool NameMatches(ReadOnlySpan<byte> nodeName, ReadOnlySpan<byte> name)
        {
            if (nodeName.Length < name.Length)
                return false;
            for (int i = 0; i < name.Length; i++)
                if (nodeName[i] != name[i])
                    return false;
            return nodeName.Length == name.Length || (nodeName[name.Length] == (byte)'@' && !Contains(name, (byte)'@'));
        }

        private static bool Contains(ReadOnlySpan<byte> s, byte c)
        {
            for (int i = 0; i < s.Length; i++)
                if (s[i] == c) return true;
            return false;
        }

        private struct ParentSearch
        {
            public int Target;
            public int Parent;
            public fixed int Stack[MaxDepth + 1];
        }

        private static bool TrackParent(in DeviceTree tree, int node, int depth, void* state)
        {
            ParentSearch* search = (ParentSearch*)state;
            if (depth > MaxDepth)
                return true;
            search->Stack[depth] = node;
            if (node == search->Target)
            {
                search->Parent = depth > 1 ? search->Stack[depth - 1] : -Errno.ENOENT;
                return false;
            }
            return true;
        }

        /// <summary>The parent of <paramref name="node"/>, or -ENOENT for the root.</summary>
        public int Parent(int node)
        {
            ParentSearch search = default;
            search.Target = node;
            search.Parent = -Errno.ENOENT;
            Walk(-1, &TrackParent, &search);
            return search.Parent;
        }

        /// <summary>A u32 property, or <paramref name="fallback"/> when absent.</summary>
        public uint GetU32(int node, ReadOnlySpan<byte> name, uint fallback)
        {
            if (!TryGetProperty(node, name, out ReadOnlySpan<byte> value) || value.Length < 4)
                return fallback;
            fixed (byte* p = value)
                return ReadBigEndian32(p);
        }

        /// <summary>Reads a big-endian number of <paramref name="cells"/> 32-bit cells from <paramref name="value"/> at cell index <paramref name="cellIndex"/>.</summary>
        public static ulong ReadCells(ReadOnlySpan<byte> value, int cellIndex, int cells)
        {
            ulong result = 0;
            for (int i = 0; i < cells; i++)
            {
                int o = (cellIndex + i) * 4;
                if (o + 4 > value.Length)
                    return 0;
                result = (result << 32) | (uint)(value[o] << 24 | value[o + 1] << 16 | value[o + 2] << 8 | value[o + 3]);
            }
            return result;
        }

        /// <summary>Entry <paramref name="index"/> of the node's "reg", decoded with the parent's cell sizes.</summary>
        public int GetReg(int node, int index, out ulong address, out ulong size)
        {
            address = 0;
            size = 0;
            int parent = Parent(node);
            int addressCells = (int)GetU32(parent, "#address-cells"u8, 2);
            int sizeCells = (int)GetU32(parent, "#size-cells"u8, 1);
            if (!TryGetProperty(node, "reg"u8, out ReadOnlySpan<byte> reg))
                return -Errno.ENOENT;
            int stride = addressCells + sizeCells;
            if (stride == 0 || (index + 1) * stride * 4 > reg.Length)
                return -Errno.ERANGE;
            address = ReadCells(reg, index * stride, addressCells);
            size = ReadCells(reg, index * stride + addressCells, sizeCells);
            return 0;
        }

        /// <summary>Number of entries in the node's "reg".</summary>
        public int RegCount(int node)
        {
            int parent = Parent(node);
            int stride = (int)(GetU32(parent, "#address-cells"u8, 2) + GetU32(parent, "#size-cells"u8, 1));
            if (stride == 0 || !TryGetProperty(node, "reg"u8, out ReadOnlySpan<byte> reg))
                return 0;
            return reg.Length / (stride * 4);
        }

        /// <summary>
        /// Entry <paramref name="index"/> of a GIC-style "interrupts" property (three cells: type, number,
        /// flags), converted to a GIC interrupt ID: SPI n -> 32 + n, PPI n -> 16 + n.
        /// </summary>
        public int GetInterrupt(int node, int index, out uint interruptId, out uint flags)
        {
            interruptId = 0;
            flags = 0;
            if (!TryGetProperty(node, "interrupts"u8, out ReadOnlySpan<byte> value))
                return -Errno.ENOENT;
            if ((index + 1) * 12 > value.Length)
                return -Errno.ERANGE;
            uint type = (uint)ReadCells(value, index * 3, 1);
            uint number = (uint)ReadCells(value, index * 3 + 1, 1);
            flags = (uint)ReadCells(value, index * 3 + 2, 1);
            interruptId = type == 1 ? 16 + number : 32 + number;
            return 0;
        }

        /// <summary>A string property without its terminating NUL.</summary>
        public bool TryGetString(int node, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
        {
            if (!TryGetProperty(node, name, out value))
                return false;
            int length = 0;
            while (length < value.Length && value[length] != 0)
                length++;
            value = value.Slice(0, length);
            return true;
        }

        /// <summary>Memory reservation block entries (address, size), terminated by a zero entry.</summary>
        public int GetReservation(int index, out ulong address, out ulong size)
        {
            uint offset = ReadBigEndian32(_blob + 16);
            byte* entry = _blob + offset + index * 16;
            if (offset + (ulong)(index + 1) * 16 > TotalSize)
            {
                address = size = 0;
                return -Errno.ERANGE;
            }
            address = (ulong)ReadBigEndian32(entry) << 32 | ReadBigEndian32(entry + 4);
            size = (ulong)ReadBigEndian32(entry + 8) << 32 | ReadBigEndian32(entry + 12);
            return size == 0 && address == 0 ? -Errno.ENOENT : 0;
        }
    }
}
