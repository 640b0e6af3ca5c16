using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Logic;
using Kernel.Logic.Virtio;
using Kernel.Memory;
using Kernel.Threading;

namespace Kernel.Drivers.Virtio
{
    /// <summary>
    /// virtio-rng (VirtIO 1.2 §5.4): the device fills each buffer it is given with random bytes. Read
    /// by /dev/hwrng, one reader at a time, and now and then (at boot, then every
    /// <see cref="RefillSeconds"/> from the tick) into the kernel's random pool through
    /// <see cref="EntropySink"/>. One device is driven (Linux too uses one current hwrng).
    /// </summary>
    public static unsafe class VirtioRng
    {
        public const ulong RefillSeconds = 30;
        private const uint RefillBytes = 64, ReadOffset = 64, ReadMax = (uint)PageAllocator.PageSize - ReadOffset;

        /// <summary>Where the bytes for the kernel's pool go (the CSPRNG's AddEntropy), set at boot.</summary>
        public static delegate*<ReadOnlySpan<byte>, void> EntropySink;

        private static VirtioMmio? s_transport;
        private static SplitVirtqueue? s_queue;
        private static byte* s_buffer;
        private static ulong s_physical;
        private static int s_refillHead = -1, s_readHead = -1;
        private static uint s_readLength;
        private static Completion? s_readDone;
        private static object? s_readerGate;
        private static bool s_readerBusy;
        private static ulong s_lastRefill;

        public static bool Present => s_queue != null;
        public static VirtioMmio? Transport => s_transport;

        /// <summary>Drives the device on <paramref name="transport"/> (its interrupt registered); false when there already is one or it refuses.</summary>
        public static bool Attach(VirtioMmio transport)
        {
            if (Present)
                return false;
            if (transport.Negotiate(VirtioFeatures.Bit(VirtioFeatures.EventIndex) | VirtioFeatures.Bit(VirtioFeatures.Version1)) < 0)
                return false;
            SplitVirtqueue? queue = transport.SetUpQueue(0, 8);
            byte* buffer = queue != null ? DmaMemory.Allocate(PageAllocator.PageSize, out s_physical) : null;
            if (buffer == null)
            {
                transport.Fail();
                return false;
            }
            s_buffer = buffer;
            s_readDone = new Completion();
            s_readerGate = new object();
            s_transport = transport;
            s_queue = queue;
            transport.Start();

            Span<byte> first = stackalloc byte[32];
            long n = Read(first);
            Log.Line($"virtio-rng: at {transport.PhysicalBase:x} irq {transport.Interrupt}, virtio-mmio v{transport.TransportVersion}, {(n > 0 ? n : 0)} bytes into the random pool");
            if (n > 0 && EntropySink != null)
                EntropySink(first.Slice(0, (int)n));
            first.Clear();
            s_lastRefill = Cpu.PhysicalCounter();
            SystemTimer.OnTick(&Tick);
            return true;
        }

        /// <summary>
        /// Reads up to a page of device randomness into <paramref name="destination"/> (blocking until the
        /// device answers); the count, -ENODEV without a device, -EIO when the device fails.
        /// </summary>
        public static long Read(Span<byte> destination)
        {
            if (!Present)
                return -Errno.ENODEV;
            if (destination.Length == 0)
                return 0;
            uint want = (uint)destination.Length < ReadMax ? (uint)destination.Length : ReadMax;
            ulong daif = Cpu.SaveAndDisableInterrupts();
            while (s_readerBusy)
                Completion.WaitOnce(s_readerGate!);
            s_readerBusy = true;
            long result = -Errno.EIO;
            for (int attempt = 0; attempt < 4 && !s_queue!.Broken; attempt++)
            {
                s_readDone!.Reset();
                ReadOnlySpan<VirtqBuffer> chain = stackalloc VirtqBuffer[1] { new VirtqBuffer(s_physical + ReadOffset, want, true) };
                int head = s_queue.Add(chain);
                if (head < 0)
                    break;
                s_readHead = head;
                if (s_queue.NeedsNotification())
                    s_transport!.Notify(0);
                while (!s_readDone.Done && !s_queue.Broken)
                    Completion.WaitOnce(s_readDone);
                uint got = s_readLength < want ? s_readLength : want;
                if (s_readDone.Done && got > 0)
                {
                    new ReadOnlySpan<byte>(s_buffer + ReadOffset, (int)got).CopyTo(destination);
                    new Span<byte>(s_buffer + ReadOffset, (int)got).Clear();
                    result = got;
                    break;
                }
            }
            s_readerBusy = false;
            Scheduler.WakeAll(s_readerGate!);
            Cpu.RestoreInterrupts(daif);
            return result;
        }

        /// <summary>From the tick (interrupts masked): asks the device for fresh bytes for the pool every so often.</summary>
        private static void Tick(ulong now, ulong elapsed)
        {
            if (s_refillHead >= 0 || s_queue == null || s_queue.Broken || now - s_lastRefill < SystemTimer.Frequency * RefillSeconds)
                return;
            s_lastRefill = now;
            ReadOnlySpan<VirtqBuffer> chain = stackalloc VirtqBuffer[1] { new VirtqBuffer(s_physical, RefillBytes, true) };
            int head = s_queue.Add(chain);
            if (head < 0)
                return;
            s_refillHead = head;
            if (s_queue.NeedsNotification())
                s_transport!.Notify(0);
        }

        /// <summary>From the transport's interrupt.</summary>
        internal static void HandleInterrupt()
        {
            if (s_queue == null)
                return;
            while (s_queue.TryTakeUsed(out ushort head, out uint written))
            {
                if (head == s_refillHead)
                {
                    s_refillHead = -1;
                    uint n = written < RefillBytes ? written : RefillBytes;
                    if (EntropySink != null && n > 0)
                        EntropySink(new ReadOnlySpan<byte>(s_buffer, (int)n));
                    new Span<byte>(s_buffer, (int)RefillBytes).Clear();
                }
                else if (head == s_readHead)
                {
                    s_readHead = -1;
                    s_readLength = written;
                    s_readDone!.Signal();
                }
            }
            if (s_queue.Broken)
                s_readDone!.Signal();
        }
    }
}
