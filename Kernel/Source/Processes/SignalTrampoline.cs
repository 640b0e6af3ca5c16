using System;
using Kernel.Logic;
using Kernel.Memory;

namespace Kernel.Processes
{
    /// <summary>
    /// The signal return trampoline ("mov x8, #rt_sigreturn; svc #0"), one read-only page mapped
    /// into every program just above its stack. Handlers return to it unless they gave SA_RESTORER
    /// (Linux's arm64 vDSO plays this part; glibc relies on it).
    /// </summary>
    public static unsafe class SignalTrampoline
    {
        public const ulong Address = AddressSpace.StackTop;
        private const uint MovzX8 = 0xD2800008; // movz x8, #imm16 (imm16 at bit 5)
        private static ContiguousPages? s_page;

        public static PageSource Page
        {
            get
            {
                if (s_page == null)
                {
                    ulong phys = MemoryManager.Pages.AllocatePage();
                    if (phys == 0)
                        ThrowHelpers.Panic("no memory for the signal trampoline");
                    uint* code = (uint*)MemoryManager.PhysicalToVirtual(phys);
                    for (int i = 0; i < 1024; i++)
                        code[i] = 0xD4200000; // brk #0: anything but the trampoline traps
                    code[0] = MovzX8 | (uint)SyscallTable.Number("rt_sigreturn"u8) << 5; // mov x8, #rt_sigreturn
                    code[1] = 0xD4000001;     // svc #0
                    s_page = new ContiguousPages(phys, PageAllocator.PageSize);
                }
                return s_page;
            }
        }
    }
}
