using Kernel.Drivers;
using Kernel.Memory;

namespace Kernel.Traps
{
    /// <summary>
    /// The interrupt registry: drivers register a handler for their interrupt ID at boot; an IRQ is
    /// acknowledged at the GIC, its handler runs, and the GIC is told it ended, until none is pending.
    /// </summary>
    public static unsafe class Interrupts
    {
        /// <summary>The ID field of GICC_IAR (the rest names the source CPU of an SGI).</summary>
        private const uint InterruptIdMask = 0x3FF;

        private static delegate*<void>* s_handlers;
        private static uint s_handlerCount;

        /// <summary>True while an interrupt taken from EL0 is handled (for CPU-time accounting).</summary>
        public static bool InterruptedUser;

        public static void Initialize(uint lines)
        {
            s_handlers = (delegate*<void>*)MemoryHelpers.AllocateZeroed(lines * (ulong)sizeof(nint));
            s_handlerCount = lines;
        }

        public static void Register(uint interruptId, delegate*<void> handler)
        {
            if (interruptId < s_handlerCount)
                s_handlers[interruptId] = handler;
        }

        public static void HandleFromUser()
        {
            InterruptedUser = true;
            Handle();
            InterruptedUser = false;
        }

        public static void Handle()
        {
            while (true)
            {
                uint iar = Gic.Acknowledge();
                uint id = iar & InterruptIdMask;
                if (id >= Gic.Spurious)
                    return;
                if (id < s_handlerCount && s_handlers[id] != null)
                    s_handlers[id]();
                Gic.EndOfInterrupt(iar);
            }
        }
    }
}
