using System;
using Kernel.Diagnostics;
using Kernel.Drivers;
using Kernel.Memory;
using System.Runtime;

namespace Kernel.Traps
{
    /// <summary>Entry from Arch/vectors.S for every exception and interrupt.</summary>
    public static unsafe class Exceptions
    {
        private const ulong KernelIrq = 1, NestedIrq = 5;

        private static delegate*<void>* s_handlers;
        private static uint s_handlerCount;

        public static void InitializeInterrupts(uint lines)
        {
            s_handlers = (delegate*<void>*)MemoryHelpers.AllocateZeroed(lines * (ulong)sizeof(nint));
            s_handlerCount = lines;
        }

        public static void Register(uint interruptId, delegate*<void> handler)
        {
            if (interruptId < s_handlerCount)
                s_handlers[interruptId] = handler;
        }

        [RuntimeExport("ExceptionDispatch")]
        private static void ExceptionDispatch(TrapFrame* frame, ulong kind)
        {
            if (kind == KernelIrq || kind == NestedIrq)
            {
                HandleInterrupt();
                return;
            }
            if (kind >= 8)
            {
                UserTraps.Handle(frame, kind);
                return;
            }
            Panic.FromTrap(frame, kind);
        }

        /// <summary>True while an interrupt taken from EL0 is handled (for CPU-time accounting).</summary>
        public static bool InterruptedUser;

        public static void HandleInterruptFromUser()
        {
            InterruptedUser = true;
            HandleInterrupt();
            InterruptedUser = false;
        }

        private static void HandleInterrupt()
        {
            while (true)
            {
                uint iar = Gic.Acknowledge();
                uint id = iar & 0x3FF;
                if (id >= Gic.Spurious)
                    return;
                if (id < s_handlerCount && s_handlers[id] != null)
                    s_handlers[id]();
                Gic.EndOfInterrupt(iar);
            }
        }
    }
}
