using System;

namespace Kernel.Logic.Fs
{
    /// <summary>
    /// RFC 1951 raw deflate decoder: stored, fixed-Huffman and dynamic-Huffman blocks. All decoder
    /// state lives in one struct on the caller's stack (about 3.5 KiB); nothing is allocated.
    /// Malformed or truncated input and output overflow give -EINVAL; the decoder never reads or
    /// writes outside the given spans.
    /// </summary>
    public static unsafe class Inflate
    {
        private const int FastBits = 9;
        private const int FastSize = 1 << FastBits;
        private const int MaxBits = 15;
        private const int MaxLitLen = 288;
        private const int MaxDist = 32;

        private static readonly ushort[] LengthBase =
        {
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
            35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
        };
        private static readonly byte[] LengthExtra =
        {
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
            3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
        };
        private static readonly ushort[] DistBase =
        {
            1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
            257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
        };
        private static readonly byte[] DistExtra =
        {
            0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
            7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
        };
        // Order in which the code-length code's lengths are stored (RFC 1951 3.2.7).
        private static readonly byte[] CodeLengthOrder = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

        // A canonical Huffman code: a direct table for codes of up to FastBits bits (indexed by the
        // next FastBits input bits, LSB first) and count/symbol lists for the longer ones.
        private struct Huffman
        {
            public fixed ushort Fast[FastSize];    // (symbol << 4) | length, 0 = longer code or invalid
            public fixed ushort Count[MaxBits + 1]; // codes per length
            public fixed ushort Symbol[MaxLitLen];  // symbols in canonical code order
        }

        private struct Tables
        {
            public Huffman Lit;
            public Huffman Dist; // also holds the code-length code while a dynamic header is read
            public fixed byte Lengths[MaxLitLen + MaxDist];
            public int FixedLoaded; // 1 when Lit/Dist hold the fixed codes
        }

        // LSB-first bit reader over the input.
        private ref struct Bits
        {
            public byte* In;
            public int Length;
            public int Pos;
            public ulong Buf;
            public int Count;

            public void Refill()
            {
                while (Count <= 56 && Pos < Length)
                {
                    Buf |= (ulong)In[Pos++] << Count;
                    Count += 8;
                }
            }

            public bool Need(int n)
            {
                if (Count < n)
                    Refill();
                return Count >= n;
            }

            public uint Take(int n)
            {
                uint v = (uint)(Buf & ((1UL << n) - 1));
                Buf >>= n;
                Count -= n;
                return v;
            }
        }

        /// <summary>
        /// Decodes one raw deflate stream (up to and including its final block).
        /// <paramref name="consumed"/> is the input used, rounded up to whole bytes.
        /// </summary>
        public static int Decompress(ReadOnlySpan<byte> input, Span<byte> output, out int written, out int consumed)
        {
            fixed (byte* outp = output)
                return Run(input, outp, output.Length, out written, out consumed);
        }

        /// <summary>
        /// Decodes one raw deflate stream without keeping its output: <paramref name="size"/> is the
        /// length it decompresses to, <paramref name="consumed"/> the input it uses. Errors as
        /// <see cref="Decompress"/> (a distance reaching before the start is still refused).
        /// </summary>
        public static int Measure(ReadOnlySpan<byte> input, out int size, out int consumed)
            => Run(input, null, int.MaxValue, out size, out consumed);

        // Decodes into outp[0, outLength); a null outp only counts.
        private static int Run(ReadOnlySpan<byte> input, byte* outp, int outLength, out int written, out int consumed)
        {
            written = 0;
            consumed = 0;
            Tables tables; // fully initialised by Build before use
            tables.FixedLoaded = 0;
            fixed (byte* inp = input)
            {
                Bits bits = default;
                bits.In = inp;
                bits.Length = input.Length;
                int w = 0;
                bool final;
                do
                {
                    if (!bits.Need(3))
                        return -Errno.EINVAL;
                    final = bits.Take(1) != 0;
                    uint type = bits.Take(2);
                    int rc;
                    if (type == 0)
                        rc = Stored(ref bits, outp, outLength, ref w);
                    else if (type == 1)
                    {
                        if (tables.FixedLoaded == 0)
                            LoadFixed(&tables);
                        rc = Codes(ref bits, &tables, outp, outLength, ref w);
                    }
                    else if (type == 2)
                    {
                        tables.FixedLoaded = 0;
                        rc = ReadDynamic(ref bits, &tables);
                        if (rc == 0)
                            rc = Codes(ref bits, &tables, outp, outLength, ref w);
                    }
                    else
                        rc = -Errno.EINVAL;
                    written = w;
                    if (rc < 0)
                        return rc;
                }
                while (!final);
                consumed = bits.Pos - bits.Count / 8;
                return 0;
            }
        }

        private static int Stored(ref Bits bits, byte* outp, int outLength, ref int w)
        {
            // Drop to a byte boundary, then give the whole bytes still buffered back to the input.
            bits.Take(bits.Count & 7);
            bits.Pos -= bits.Count / 8;
            bits.Buf = 0;
            bits.Count = 0;
            if (bits.Length - bits.Pos < 4)
                return -Errno.EINVAL;
            byte* p = bits.In + bits.Pos;
            int len = p[0] | (p[1] << 8);
            int nlen = p[2] | (p[3] << 8);
            if (len != (~nlen & 0xFFFF))
                return -Errno.EINVAL;
            bits.Pos += 4;
            if (bits.Length - bits.Pos < len || outLength - w < len)
                return -Errno.EINVAL;
            if (outp != null)
                Copy(outp + w, bits.In + bits.Pos, len);
            bits.Pos += len;
            w += len;
            return 0;
        }

        private static void Copy(byte* dst, byte* src, int n)
        {
            while (n >= 8)
            {
                *(ulong*)dst = *(ulong*)src; // unaligned accesses are fine on arm64 (normal memory) and x64
                dst += 8;
                src += 8;
                n -= 8;
            }
            while (n-- > 0)
                *dst++ = *src++;
        }

        private static void LoadFixed(Tables* t)
        {
            byte* l = t->Lengths;
            for (int i = 0; i < 144; i++) l[i] = 8;
            for (int i = 144; i < 256; i++) l[i] = 9;
            for (int i = 256; i < 280; i++) l[i] = 7;
            for (int i = 280; i < 288; i++) l[i] = 8;
            Build(&t->Lit, l, 288, BuildFixed);
            for (int i = 0; i < 30; i++) l[i] = 5;
            Build(&t->Dist, l, 30, BuildFixed);
            t->FixedLoaded = 1;
        }

        private static int ReadDynamic(ref Bits bits, Tables* t)
        {
            if (!bits.Need(14))
                return -Errno.EINVAL;
            int nlit = (int)bits.Take(5) + 257;
            int ndist = (int)bits.Take(5) + 1;
            int nclen = (int)bits.Take(4) + 4;
            if (nlit > 286 || ndist > 30)
                return -Errno.EINVAL;
            byte* l = t->Lengths;
            for (int i = 0; i < 19; i++)
                l[i] = 0;
            byte[] order = CodeLengthOrder;
            for (int i = 0; i < nclen; i++)
            {
                if (!bits.Need(3))
                    return -Errno.EINVAL;
                l[order[i]] = (byte)bits.Take(3);
            }
            if (Build(&t->Dist, l, 19, BuildCodeLengths) < 0)
                return -Errno.EINVAL;
            int total = nlit + ndist;
            int n = 0;
            while (n < total)
            {
                int sym = Decode(ref bits, &t->Dist);
                if (sym < 0)
                    return -Errno.EINVAL;
                if (sym < 16)
                {
                    l[n++] = (byte)sym;
                    continue;
                }
                int repeat;
                byte value = 0;
                if (sym == 16)
                {
                    if (n == 0 || !bits.Need(2))
                        return -Errno.EINVAL;
                    value = l[n - 1];
                    repeat = 3 + (int)bits.Take(2);
                }
                else if (sym == 17)
                {
                    if (!bits.Need(3))
                        return -Errno.EINVAL;
                    repeat = 3 + (int)bits.Take(3);
                }
                else
                {
                    if (!bits.Need(7))
                        return -Errno.EINVAL;
                    repeat = 11 + (int)bits.Take(7);
                }
                if (n + repeat > total)
                    return -Errno.EINVAL;
                while (repeat-- > 0)
                    l[n++] = value;
            }
            if (l[256] == 0) // no end-of-block code
                return -Errno.EINVAL;
            if (Build(&t->Lit, l, nlit, BuildDynamic) < 0)
                return -Errno.EINVAL;
            if (Build(&t->Dist, l + nlit, ndist, BuildDynamic) < 0)
                return -Errno.EINVAL;
            return 0;
        }

        private const int BuildCodeLengths = 0, BuildDynamic = 1, BuildFixed = 2;

        // Builds a canonical code from code lengths; -1 for an over-subscribed or a forbidden incomplete set.
        private static int Build(Huffman* h, byte* lengths, int n, int mode)
        {
            ushort* count = h->Count;
            for (int i = 0; i <= MaxBits; i++)
                count[i] = 0;
            for (int i = 0; i < n; i++)
                count[lengths[i]]++;
            count[0] = 0;
            int maxLen = 0;
            int left = 1;
            for (int len = 1; len <= MaxBits; len++)
            {
                left = (left << 1) - count[len];
                if (left < 0)
                    return -1;
                if (count[len] != 0)
                    maxLen = len;
            }
            // Incomplete: fine for the fixed distance code (30 of 32) and for a lone one-bit code
            // (or none) in a dynamic block, as zlib accepts; never for the code-length code.
            if (left > 0 && maxLen != 0 && mode != BuildFixed && (mode == BuildCodeLengths || maxLen != 1))
                return -1;
            ushort* offs = stackalloc ushort[MaxBits + 2];
            offs[1] = 0;
            for (int len = 1; len <= MaxBits; len++)
                offs[len + 1] = (ushort)(offs[len] + count[len]);
            for (int i = 0; i < n; i++)
                if (lengths[i] != 0)
                    h->Symbol[offs[lengths[i]]++] = (ushort)i;
            ushort* fast = h->Fast;
            for (int i = 0; i < FastSize; i++)
                fast[i] = 0;
            int code = 0;
            int index = 0;
            for (int len = 1; len <= FastBits; len++)
            {
                for (int k = 0; k < count[len]; k++)
                {
                    int sym = h->Symbol[index++];
                    int reversed = Reverse(code, len);
                    ushort entry = (ushort)((sym << 4) | len);
                    for (int fill = reversed; fill < FastSize; fill += 1 << len)
                        fast[fill] = entry;
                    code++;
                }
                code <<= 1;
            }
            return 0;
        }

        private static int Reverse(int code, int len)
        {
            int r = 0;
            for (int i = 0; i < len; i++)
            {
                r = (r << 1) | (code & 1);
                code >>= 1;
            }
            return r;
        }

        // Decodes one symbol; -1 on an invalid code or missing input.
        private static int Decode(ref Bits bits, Huffman* h)
        {
            if (bits.Count < MaxBits)
                bits.Refill();
            ushort entry = h->Fast[(int)(bits.Buf & (FastSize - 1))];
            if (entry != 0)
            {
                int len = entry & 15;
                if (len > bits.Count)
                    return -1;
                bits.Buf >>= len;
                bits.Count -= len;
                return entry >> 4;
            }
            // Longer code: walk the canonical code one bit at a time.
            int code = 0, first = 0, index = 0;
            ulong buf = bits.Buf;
            for (int len = 1; len <= MaxBits; len++)
            {
                code |= (int)(buf & 1);
                buf >>= 1;
                int count = h->Count[len];
                if (code - first < count)
                {
                    if (len > bits.Count)
                        return -1;
                    bits.Buf >>= len;
                    bits.Count -= len;
                    return h->Symbol[index + code - first];
                }
                index += count;
                first = (first + count) << 1;
                code <<= 1;
            }
            return -1;
        }

        private static int Codes(ref Bits bits, Tables* t, byte* outp, int outLength, ref int w)
        {
            ushort[] lengthBase = LengthBase;
            byte[] lengthExtra = LengthExtra;
            ushort[] distBase = DistBase;
            byte[] distExtra = DistExtra;
            for (; ; )
            {
                int sym = Decode(ref bits, &t->Lit);
                if (sym < 0)
                    return -Errno.EINVAL;
                if (sym < 256)
                {
                    if (w >= outLength)
                        return -Errno.EINVAL;
                    if (outp != null)
                        outp[w] = (byte)sym;
                    w++;
                    continue;
                }
                if (sym == 256)
                    return 0;
                sym -= 257;
                if (sym >= 29)
                    return -Errno.EINVAL;
                int extra = lengthExtra[sym];
                if (!bits.Need(extra))
                    return -Errno.EINVAL;
                int length = lengthBase[sym] + (int)bits.Take(extra);
                int dsym = Decode(ref bits, &t->Dist);
                if (dsym < 0 || dsym >= 30)
                    return -Errno.EINVAL;
                extra = distExtra[dsym];
                if (!bits.Need(extra))
                    return -Errno.EINVAL;
                int dist = distBase[dsym] + (int)bits.Take(extra);
                if (dist > w || length > outLength - w)
                    return -Errno.EINVAL;
                if (outp == null)
                {
                    w += length;
                    continue;
                }
                byte* dst = outp + w;
                byte* src = dst - dist;
                if (dist >= 8)
                    Copy(dst, src, length);
                else
                    for (int i = 0; i < length; i++)
                        dst[i] = src[i];
                w += length;
            }
        }
    }
}
