namespace Internal.Runtime
{
    /// <summary>
    /// The kernel's memmove and memset(0), under every span copy and clear. They move unaligned 8-byte words,
    /// 32 bytes a step (the kernel runs with SCTLR_EL1.A clear; never use them on device memory): byte loops
    /// cost a store per byte, and an emulated store is expensive, so they dominated the kernel's time in
    /// receiving over TCP. Every step loads before it stores, so overlapping blocks copy correctly: forwards
    /// when the destination is below the source, backwards otherwise. Plain C# with no CoreLib dependencies,
    /// so that the host tests compile this same file.
    /// </summary>
    internal static unsafe class BlockCopy
    {
        public static void Move(byte* dest, byte* src, nuint len)
        {
            if (dest == src || len == 0)
                return;
            if ((nuint)(dest - src) >= len)
            {
                for (; len >= 32; len -= 32, src += 32, dest += 32)
                {
                    ulong a = *(ulong*)src, b = *(ulong*)(src + 8), c = *(ulong*)(src + 16), d = *(ulong*)(src + 24);
                    *(ulong*)dest = a;
                    *(ulong*)(dest + 8) = b;
                    *(ulong*)(dest + 16) = c;
                    *(ulong*)(dest + 24) = d;
                }
                for (; len >= 8; len -= 8, src += 8, dest += 8)
                    *(ulong*)dest = *(ulong*)src;
                for (; len > 0; len--)
                    *dest++ = *src++;
            }
            else
            {
                src += len;
                dest += len;
                for (; len >= 32; len -= 32)
                {
                    src -= 32;
                    dest -= 32;
                    ulong a = *(ulong*)src, b = *(ulong*)(src + 8), c = *(ulong*)(src + 16), d = *(ulong*)(src + 24);
                    *(ulong*)(dest + 24) = d;
                    *(ulong*)(dest + 16) = c;
                    *(ulong*)(dest + 8) = b;
                    *(ulong*)dest = a;
                }
                for (; len >= 8; len -= 8)
                {
                    src -= 8;
                    dest -= 8;
                    *(ulong*)dest = *(ulong*)src;
                }
                for (; len > 0; len--)
                    *--dest = *--src;
            }
        }

        public static void Zero(byte* p, nuint length)
        {
            for (; length >= 32; length -= 32, p += 32)
            {
                *(ulong*)p = 0;
                *(ulong*)(p + 8) = 0;
                *(ulong*)(p + 16) = 0;
                *(ulong*)(p + 24) = 0;
            }
            for (; length >= 8; length -= 8, p += 8)
                *(ulong*)p = 0;
            for (; length > 0; length--)
                *p++ = 0;
        }
    }
}
