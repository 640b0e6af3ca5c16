using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kernel.Arch
{
    /// <summary>CPU operations implemented in Arch/cpu.S.</summary>
    public static unsafe class Cpu
    {
        /// <summary>The virtual count (CNTVCT_EL0).</summary>
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_counter")]
        public static extern ulong Counter();

        /// <summary>The physical count (CNTPCT_EL0).</summary>
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_physical_counter")]
        public static extern ulong PhysicalCounter();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_counter_frequency")]
        public static extern ulong CounterFrequency();

        /// <summary>Arms the EL1 virtual timer (CNTV_CVAL_EL0, CNTV_CTL_EL0) for a virtual count.</summary>
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_vtimer_set_compare")]
        public static extern void VirtualTimerSetCompare(ulong virtualCount);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_vtimer_stop")]
        public static extern void VirtualTimerStop();

        /// <summary>Arms the EL1 physical timer (CNTP_CVAL_EL0, CNTP_CTL_EL0) for a physical count.</summary>
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_ptimer_set_compare")]
        public static extern void PhysicalTimerSetCompare(ulong physicalCount);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_ptimer_stop")]
        public static extern void PhysicalTimerStop();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_switch_context")]
        public static extern void SwitchContext(CpuContext* save, CpuContext* load);

        /// <summary>Address of the assembly trampoline a new thread starts in (x19 = entry, x20 = argument).</summary>
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_thread_start_address")]
        public static extern ulong ThreadStartAddress();

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

        /// <summary>Masks IRQs and returns the previous DAIF bits for <see cref="RestoreInterrupts"/>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_irq_save")]
        public static extern ulong SaveAndDisableInterrupts();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_irq_restore")]
        public static extern void RestoreInterrupts(ulong daif);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_read_tpidr_el0")]
        public static extern ulong ReadUserThreadPointer();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_write_tpidr_el0")]
        public static extern void WriteUserThreadPointer(ulong value);

        /// <summary>Loads TTBR0 (ASID in bits 63:48); 0 turns lower-half walks off.</summary>
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_set_user_tables")]
        public static extern void SetUserTables(ulong ttbr0);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_tlb_invalidate_asid")]
        public static extern void InvalidateTlbAsid(ulong asid);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_tlb_invalidate_user_page")]
        public static extern void InvalidateTlbUserPage(ulong virtualAddress, ulong asid);

        /// <summary>Address of the trampoline a new user thread starts in (x19 = its TrapFrame*).</summary>
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_user_thread_start_address")]
        public static extern ulong UserThreadStartAddress();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_hvc_call")]
        public static extern ulong HypervisorCall(ulong function, ulong a1, ulong a2, ulong a3);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_smc_call")]
        public static extern ulong SecureMonitorCall(ulong function, ulong a1, ulong a2, ulong a3);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_frame_pointer")]
        public static extern ulong FramePointer();

        /// <summary>Masks every interrupt and waits for good (<c>Power.Halt</c> silences the tick first).</summary>
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_halt")]
        public static extern void HaltProcessor();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "cpu_zero_memory")]
        private static extern void ZeroMemoryBlocks(void* address, ulong bytes);

        /// <summary>Zeroes whole pages of Normal memory with DC ZVA.</summary>
        public static void ZeroPages(void* address, ulong bytes) => ZeroMemoryBlocks(address, bytes);

        /// <summary>Used as the page-table code's TLB maintenance callback.</summary>
        public static void InvalidatePage(ulong virtualAddress) => InvalidateTlb(virtualAddress);
    }
}
