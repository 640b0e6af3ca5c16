using System;
using Kernel.Arch;
using Kernel.Logic;

namespace Kernel.Memory
{
    /// <summary>Reference counts of anonymous user pages (one per physical frame).</summary>
    public static unsafe class PageRefs
    {
        private static ushort* s_counts;
        private static ulong s_base;

        public static void Initialize()
        {
            ulong frames = MemoryManager.Pages.TotalPages;
            ulong bytes = (frames * 2 + PageAllocator.PageSize - 1) & ~(PageAllocator.PageSize - 1);
            ulong phys = MemoryManager.Pages.AllocatePages(bytes >> 12);
            if (phys == 0)
                ThrowHelpers.Panic("no memory for page reference counts");
            s_counts = (ushort*)MemoryManager.PhysicalToVirtual(phys);
            Cpu.ZeroPages(s_counts, bytes);
            s_base = MemoryManager.Pages.BaseAddress;
        }

        private static ushort* Slot(ulong pa) => s_counts + ((pa - s_base) >> 12);
        public static uint Get(ulong pa) => *Slot(pa);
        public static void Set(ulong pa, ushort count) => *Slot(pa) = count;
        public static void Acquire(ulong pa) => (*Slot(pa))++;

        public static void Release(ulong pa)
        {
            ushort* slot = Slot(pa);
            if (*slot == 0)
                ThrowHelpers.Panic("page reference count underflow");
            if (--*slot == 0)
                MemoryManager.Pages.FreePages(pa, 1);
        }
    }
}
