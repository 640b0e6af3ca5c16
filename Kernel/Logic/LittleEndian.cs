using System;

namespace Kernel.Logic
{
    /// <summary>
    /// Little-endian loads and stores on byte spans (callers check the bounds first; an index out of
    /// range is a kernel bug and panics through the span's bounds check).
    /// </summary>
    public static class LittleEndian
    {
        public static ushort U16(ReadOnlySpan<byte> s, int o) => (ushort)(s[o] | s[o + 1] << 8);

        public static uint U32(ReadOnlySpan<byte> s, int o) => (uint)(s[o] | s[o + 1] << 8 | s[o + 2] << 16 | s[o + 3] << 24);

        public static ulong U64(ReadOnlySpan<byte> s, int o) => U32(s, o) | (ulong)U32(s, o + 4) << 32;

        public static void Put16(Span<byte> s, int o, ushort v)
        {
            s[o] = (byte)v;
            s[o + 1] = (byte)(v >> 8);
        }

        public static void Put32(Span<byte> s, int o, uint v)
        {
            s[o] = (byte)v;
            s[o + 1] = (byte)(v >> 8);
            s[o + 2] = (byte)(v >> 16);
            s[o + 3] = (byte)(v >> 24);
        }

        public static void Put64(Span<byte> s, int o, ulong v)
        {
            Put32(s, o, (uint)v);
            Put32(s, o + 4, (uint)(v >> 32));
        }
    }
}
