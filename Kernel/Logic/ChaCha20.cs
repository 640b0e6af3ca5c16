using System;

namespace Kernel.Logic
{
    /// <summary>
    /// The ChaCha20 block function (RFC 8439) and a generator on top of it for /dev/urandom and
    /// getrandom: a 256-bit key, a block counter, and fast key erasure (the first 32 bytes of every
    /// block become the next key, so earlier output cannot be recovered from the state).
    /// </summary>
    public unsafe struct ChaCha20
    {
        private fixed uint _key[8];
        private fixed uint _nonce[3];
        private uint _counter;

        public ChaCha20(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> nonce12, uint counter)
        {
            for (int i = 0; i < 8; i++)
                _key[i] = Load(key32, i * 4);
            for (int i = 0; i < 3; i++)
                _nonce[i] = Load(nonce12, i * 4);
            _counter = counter;
        }

        private static uint Load(ReadOnlySpan<byte> b, int at)
            => (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24));

        private static uint Rotl(uint v, int n) => (v << n) | (v >> (32 - n));

        private static void QuarterRound(uint* s, int a, int b, int c, int d)
        {
            s[a] += s[b]; s[d] ^= s[a]; s[d] = Rotl(s[d], 16);
            s[c] += s[d]; s[b] ^= s[c]; s[b] = Rotl(s[b], 12);
            s[a] += s[b]; s[d] ^= s[a]; s[d] = Rotl(s[d], 8);
            s[c] += s[d]; s[b] ^= s[c]; s[b] = Rotl(s[b], 7);
        }

        /// <summary>Writes the 64-byte key-stream block for the current counter and advances it.</summary>
        public void NextBlock(Span<byte> block64)
        {
            uint* input = stackalloc uint[16];
            uint* x = stackalloc uint[16];
            input[0] = 0x61707865; input[1] = 0x3320646e; input[2] = 0x79622d32; input[3] = 0x6b206574;
            for (int i = 0; i < 8; i++) input[4 + i] = _key[i];
            input[12] = _counter;
            for (int i = 0; i < 3; i++) input[13 + i] = _nonce[i];
            for (int i = 0; i < 16; i++) x[i] = input[i];
            for (int round = 0; round < 10; round++)
            {
                QuarterRound(x, 0, 4, 8, 12); QuarterRound(x, 1, 5, 9, 13);
                QuarterRound(x, 2, 6, 10, 14); QuarterRound(x, 3, 7, 11, 15);
                QuarterRound(x, 0, 5, 10, 15); QuarterRound(x, 1, 6, 11, 12);
                QuarterRound(x, 2, 7, 8, 13); QuarterRound(x, 3, 4, 9, 14);
            }
            for (int i = 0; i < 16; i++)
            {
                uint v = x[i] + input[i];
                block64[i * 4] = (byte)v;
                block64[i * 4 + 1] = (byte)(v >> 8);
                block64[i * 4 + 2] = (byte)(v >> 16);
                block64[i * 4 + 3] = (byte)(v >> 24);
            }
            _counter++;
        }

        /// <summary>Fills <paramref name="output"/> with random bytes, rekeying after every block.</summary>
        public void Generate(Span<byte> output)
        {
            Span<byte> block = stackalloc byte[64];
            int done = 0;
            while (done < output.Length)
            {
                NextBlock(block);
                for (int i = 0; i < 8; i++)
                    _key[i] = Load(block, i * 4);
                int n = output.Length - done < 32 ? output.Length - done : 32;
                block.Slice(32, n).CopyTo(output.Slice(done, n));
                done += n;
            }
            block.Clear();
        }

        /// <summary>Mixes more entropy into the key (XOR of the key with the given 32 bytes' words).</summary>
        public void Mix(ReadOnlySpan<byte> entropy32)
        {
            for (int i = 0; i < 8 && i * 4 + 3 < entropy32.Length; i++)
                _key[i] ^= Load(entropy32, i * 4);
        }
    }
}
