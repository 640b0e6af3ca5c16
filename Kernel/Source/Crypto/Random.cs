using System;
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Logic;

namespace Kernel.Crypto
{
    /// <summary>The kernel's CSPRNG: ChaCha20 keyed at boot from the counter's jitter and the RTC.</summary>
    public static unsafe class Random
    {
        private static ChaCha20 s_generator;
        private static bool s_seeded;

        public static void Seed(ReadOnlySpan<byte> extra)
        {
            Span<byte> key = stackalloc byte[32];
            Span<byte> nonce = stackalloc byte[12];
            key.Clear();
            nonce.Clear();
            // Counter readings around MMIO reads jitter with the host; fold many of them in.
            for (int i = 0; i < 256; i++)
            {
                ulong c = Cpu.PhysicalCounter() ^ ((ulong)Pl031.Now() << 32);
                key[i % 32] ^= (byte)(c ^ (c >> 8) ^ (c >> 16) ^ (c >> 24));
                key[(i + 7) % 32] ^= (byte)(c >> 3);
            }
            for (int i = 0; i < extra.Length; i++)
                key[i % 32] ^= extra[i];
            s_generator = new ChaCha20(key, nonce, 0);
            key.Clear();
            s_seeded = true;
        }

        public static void Fill(Span<byte> output)
        {
            if (!s_seeded)
                Seed(default);
            // Each request also folds the counter in, so outputs differ across identical boots.
            Span<byte> stir = stackalloc byte[32];
            stir.Clear();
            ulong c = Cpu.PhysicalCounter();
            for (int i = 0; i < 8; i++)
                stir[i] = (byte)(c >> (8 * i));
            s_generator.Mix(stir);
            s_generator.Generate(output);
        }
    }
}
