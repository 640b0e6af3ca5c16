using Kernel.Arch;
using Kernel.Diagnostics;
using System.Runtime;

namespace Kernel.Traps
{
    /// <summary>Entry from Arch/vectors.S for every exception and interrupt: sorted by where it came from.</summary>
    public static unsafe class Exceptions
    {
        /// <summary>The kinds vectors.S passes (its vector's index): IRQs from EL1, and anything from EL0 (8 and up).</summary>
        private const ulong KernelIrq = 1, NestedIrq = 5, FromUser = 8;

        [RuntimeExport("ExceptionDispatch")]
        private static void ExceptionDispatch(TrapFrame* frame, ulong kind)
        {
            if (kind == KernelIrq || kind == NestedIrq)
            {
                Interrupts.Handle();
                return;
            }
            if (kind >= FromUser)
            {
                UserTraps.Handle(frame, kind);
                return;
            }
            Panic.FromTrap(frame, kind);
        }
    }
}
