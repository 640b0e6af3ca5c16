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

        private struct Pool { public fixed byte Data[32]; }
        private static Pool s_pending;
        private static int s_pendingBytes;

        /// <summary>
        /// Mixes bytes from a hardware source (virtio-rng) into the generator at its next use. Safe in an
        /// interrupt handler: the bytes wait in a small pool that the next request folds in.
        /// </summary>
        public static void AddEntropy(ReadOnlySpan<byte> bytes)
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            for (int i = 0; i < bytes.Length; i++)
            {
                int at = (s_pendingBytes + i) % 32;
                s_pending.Data[at] = (byte)((s_pending.Data[at] << 1 | s_pending.Data[at] >> 7) ^ bytes[i]);
            }
            s_pendingBytes += bytes.Length;
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>Bytes mixed in by <see cref="AddEntropy"/> since boot.</summary>
        public static long HardwareBytes;

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
            ulong daif = Cpu.SaveAndDisableInterrupts();
            if (s_pendingBytes != 0)
            {
                for (int i = 0; i < 32; i++)
                {
                    stir[i] ^= s_pending.Data[i];
                    s_pending.Data[i] = 0;
                }
                HardwareBytes += s_pendingBytes;
                s_pendingBytes = 0;
            }
            Cpu.RestoreInterrupts(daif);
            s_generator.Mix(stir);
            s_generator.Generate(output);
        }
    }
}
