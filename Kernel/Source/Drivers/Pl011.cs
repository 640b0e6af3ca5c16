using Kernel.Arch;

namespace Kernel.Drivers
{
    /// <summary>
    /// ARM PrimeCell UART PL011 (ARM DDI 0183G): polled output, interrupt-driven input into a ring buffer.
    /// </summary>
    public static unsafe class Pl011
    {
        private const ulong UARTDR = 0x000, UARTFR = 0x018, UARTCR = 0x030, UARTIMSC = 0x038, UARTMIS = 0x040, UARTICR = 0x044;
        private const uint FR_RXFE = 1 << 4, FR_TXFF = 1 << 5;
        private const uint INT_RX = 1 << 4, INT_RT = 1 << 6;
        private const uint CR_UARTEN = 1 << 0, CR_TXE = 1 << 8, CR_RXE = 1 << 9;

        private const int RingSize = 1024;
        private struct Ring { public fixed byte Data[RingSize]; }
        private static Ring s_ring;
        private static int s_head, s_tail; // head: next write (interrupt), tail: next read

        private static ulong s_base;

        public static bool Ready => s_base != 0;
        public static ulong Base => s_base;

        public static void Initialize(ulong virtualBase)
        {
            s_base = virtualBase;
            Mmio.Write32(s_base + UARTCR, CR_UARTEN | CR_TXE | CR_RXE);
            Mmio.Write32(s_base + UARTICR, 0x7FF);
            Mmio.Write32(s_base + UARTIMSC, INT_RX | INT_RT);
        }

        public static void WriteByte(byte b)
        {
            if (s_base == 0)
                return;
            while ((Mmio.Read32(s_base + UARTFR) & FR_TXFF) != 0) { }
            Mmio.Write32(s_base + UARTDR, b);
            if (Mirror != null)
                Mirror(b);
        }

        /// <summary>When set, every byte sent also goes here (the framebuffer console shows the same text).</summary>
        public static delegate*<byte, void> Mirror;

        /// <summary>When set, received bytes go here (the console's line discipline) instead of the ring.</summary>
        public static delegate*<byte, void> Receiver;

        /// <summary>
        /// When set with <see cref="Receiver"/>: whether the receiver takes another byte now. When it
        /// does not, bytes stay in the receive FIFO (the sender is held back by the UART, as Linux
        /// throttles a full tty) and the receive interrupts are masked until <see cref="Resume"/>.
        /// </summary>
        public static delegate*<bool> ReceiverHasRoom;

        private static bool s_throttled;

        /// <summary>Whether input is held in the FIFO because the receiver had no room.</summary>
        public static bool Throttled => s_throttled;

        /// <summary>
        /// The receiver has room again (called with interrupts masked): drain what waits in the FIFO and
        /// unmask the receive interrupts. The drain matters: a full FIFO receives nothing new, so no
        /// interrupt would come.
        /// </summary>
        public static void Resume()
        {
            if (!s_throttled || s_base == 0)
                return;
            s_throttled = false;
            Mmio.Write32(s_base + UARTIMSC, INT_RX | INT_RT);
            Drain();
        }

        /// <summary>
        /// Interrupt handler: drains the receive FIFO into the line discipline or the ring buffer.
        /// The interrupt is acknowledged before draining: a byte that arrives while the handler
        /// echoes (which can take a while) raises the interrupt again instead of being left in the
        /// FIFO with the interrupt already cleared, which would stop console input.
        /// </summary>
        public static void HandleInterrupt()
        {
            Mmio.Write32(s_base + UARTICR, INT_RX | INT_RT);
            Drain();
        }

        private static void Drain()
        {
            while ((Mmio.Read32(s_base + UARTFR) & FR_RXFE) == 0)
            {
                if (Receiver != null && ReceiverHasRoom != null && !ReceiverHasRoom())
                {
                    // Leave the bytes in the FIFO; the UART holds the sender back.
                    s_throttled = true;
                    Mmio.Write32(s_base + UARTIMSC, 0);
                    return;
                }
                byte b = (byte)Mmio.Read32(s_base + UARTDR);
                if (Receiver != null)
                {
                    Receiver(b);
                    continue;
                }
                int next = (s_head + 1) % RingSize;
                if (next != s_tail)
                {
                    s_ring.Data[s_head] = b;
                    s_head = next;
                }
            }
        }

        /// <summary>Takes one received byte; returns -1 when the buffer is empty.</summary>
        public static int ReadByte()
        {
            Cpu.DisableInterrupts();
            int result = -1;
            if (s_tail != s_head)
            {
                result = s_ring.Data[s_tail];
                s_tail = (s_tail + 1) % RingSize;
            }
            Cpu.EnableInterrupts();
            return result;
        }
    }
}
