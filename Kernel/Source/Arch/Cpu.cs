using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kernel.Arch
{
    /// <summary>CPU operations implemented in Arch/cpu.S.</summary>
    public static unsafe class Cpu
    {
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_counter")]
        public static extern ulong Counter();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_physical_counter")]
        public static extern ulong PhysicalCounter();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_counter_frequency")]
        public static extern ulong CounterFrequency();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_timer_set")]
        public static extern void TimerSet(ulong ticks);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_timer_stop")]
        public static extern void TimerStop();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_irq_enable")]
        public static extern void EnableInterrupts();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_irq_disable")]
        public static extern void DisableInterrupts();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_wait_for_interrupt")]
        public static extern void WaitForInterrupt();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_tlb_invalidate_va")]
        public static extern void InvalidateTlb(ulong virtualAddress);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_tlb_invalidate_all")]
        public static extern void InvalidateTlbAll();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_set_translation_tables")]
        public static extern void SetTranslationTables(ulong ttbr0, ulong ttbr1);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_frame_pointer")]
        public static extern ulong FramePointer();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_halt")]
        public static extern void Halt();

        /// <summary>Used as the page-table code's TLB maintenance callback.</summary>
        public static void InvalidatePage(ulong virtualAddress) => InvalidateTlb(virtualAddress);
    }

    /// <summary>Device register access with volatile semantics (never merged, reordered or elided).</summary>
    public static unsafe class Mmio
    {
        private struct Cell32 { public volatile uint Value; }
        private struct Cell8 { public volatile byte Value; }

        public static uint Read32(ulong address) => ((Cell32*)address)->Value;
        public static void Write32(ulong address, uint value) => ((Cell32*)address)->Value = value;
        public static byte Read8(ulong address) => ((Cell8*)address)->Value;
        public static void Write8(ulong address, byte value) => ((Cell8*)address)->Value = value;
    }
}
