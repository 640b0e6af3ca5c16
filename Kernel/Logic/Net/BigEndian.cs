using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// Network byte order (big-endian) loads and stores on byte spans; callers check the bounds first
    /// (an index out of range is a kernel bug and panics through the span's bounds check).
    /// </summary>
    public static class BigEndian
    {
        public static ushort U16(ReadOnlySpan<byte> s, int o) => (ushort)(s[o] << 8 | s[o + 1]);

        public static uint U32(ReadOnlySpan<byte> s, int o) => (uint)(s[o] << 24 | s[o + 1] << 16 | s[o + 2] << 8 | s[o + 3]);

        public static void Put16(Span<byte> s, int o, ushort v)
        {
            s[o] = (byte)(v >> 8);
            s[o + 1] = (byte)v;
        }

        public static void Put32(Span<byte> s, int o, uint v)
        {
            s[o] = (byte)(v >> 24);
            s[o + 1] = (byte)(v >> 16);
            s[o + 2] = (byte)(v >> 8);
            s[o + 3] = (byte)v;
        }
    }
}
