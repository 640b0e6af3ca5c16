using System;

namespace Kernel.Logic
{
    /// <summary>Byte-string helpers (the kernel's strings are bytes: names, paths, boot arguments).</summary>
    public static class Bytes
    {
        /// <summary>Whether the two byte strings are the same length and the same bytes.</summary>
        public static bool Equal(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
        {
            if (a.Length != b.Length)
                return false;
            for (int i = 0; i < a.Length; i++)
                if (a[i] != b[i])
                    return false;
            return true;
        }

        /// <summary>The index of the first <paramref name="value"/> in <paramref name="s"/>, or -1.</summary>
        public static int IndexOf(ReadOnlySpan<byte> s, byte value)
        {
            for (int i = 0; i < s.Length; i++)
                if (s[i] == value)
                    return i;
            return -1;
        }
    }
}
