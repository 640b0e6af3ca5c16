using System;
using Kernel.Logic.Net;

namespace Kernel.Logic.Display
{
    /// <summary>
    /// fw_cfg's file directory (item 0x19): a big-endian count, then 64-byte entries of size (4), selector
    /// (2), reserved (2) and a NUL-padded name (56), all big-endian.
    /// </summary>
    public static class FwCfgDirectory
    {
        public const ushort Key = 0x19;
        public const int EntryLength = 64, NameLength = 56;

        /// <summary>Entries in a directory whose first bytes are <paramref name="header"/>.</summary>
        public static uint Count(ReadOnlySpan<byte> header) => header.Length >= 4 ? BigEndian.U32(header, 0) : 0;

        /// <summary>
        /// Finds <paramref name="name"/> among the entries in <paramref name="entries"/> (the bytes after the
        /// count); false when it is not there or the table is cut short.
        /// </summary>
        public static bool TryFind(ReadOnlySpan<byte> entries, uint count, ReadOnlySpan<byte> name, out ushort selector, out uint size)
        {
            selector = 0;
            size = 0;
            if (name.Length == 0 || name.Length >= NameLength)
                return false;
            for (uint i = 0; i < count && (i + 1) * EntryLength <= (uint)entries.Length; i++)
            {
                ReadOnlySpan<byte> e = entries.Slice((int)(i * EntryLength), EntryLength);
                ReadOnlySpan<byte> entryName = e.Slice(8, NameLength);
                int end = Bytes.IndexOf(entryName, 0);
                if (end < 0)
                    end = NameLength;
                if (Bytes.Equal(entryName.Slice(0, end), name))
                {
                    size = BigEndian.U32(e, 0);
                    selector = BigEndian.U16(e, 4);
                    return true;
                }
            }
            return false;
        }
    }
}
