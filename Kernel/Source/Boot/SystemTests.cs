using Kernel.Diagnostics;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;
using System.Runtime.CompilerServices;

namespace Kernel.Boot
{
    /// <summary>Boot tests of the page-table API and of thread switching (test=pagetable, test=readonly, test=threads).</summary>
    public static unsafe class SystemTests
    {
        private const ulong ScratchBase = 0xFFFF_FD00_0000_0000UL;

        public static void PageTable()
        {
            PageTable tables = MemoryManager.KernelTables;
            ulong first = MemoryManager.Pages.AllocatePage(), second = MemoryManager.Pages.AllocatePage();
            *(ulong*)MemoryManager.PhysicalToVirtual(first) = 0x1111;
            *(ulong*)MemoryManager.PhysicalToVirtual(second) = 0x2222;
            ulong* scratch = (ulong*)ScratchBase;
            bool ok = tables.Map(ScratchBase, first, PageAllocator.PageSize, PageFlags.Read | PageFlags.Write) == 0;
            ok &= *scratch == 0x1111;
            *scratch = 0x3333; // written through the new mapping, visible through the linear map
            ok &= *(ulong*)MemoryManager.PhysicalToVirtual(first) == 0x3333;
            ok &= tables.Map(ScratchBase, second, PageAllocator.PageSize, PageFlags.Read | PageFlags.Write) == 0;
            ok &= *scratch == 0x2222; // the stale translation was invalidated
            ok &= tables.Protect(ScratchBase, PageAllocator.PageSize, PageFlags.Read) == 0;
            ok &= tables.Translate(ScratchBase, out ulong pa, out PageFlags flags) && pa == second && flags == PageFlags.Read;
            ok &= tables.Unmap(ScratchBase, PageAllocator.PageSize) == 0;
            ok &= !tables.Translate(ScratchBase, out _, out _);
            MemoryManager.Pages.FreePages(first, 1);
            MemoryManager.Pages.FreePages(second, 1);
            Log.Line(ok ? "pagetable: ok" : "pagetable: FAILED");
        }

        public static void ReadOnlyWrite()
        {
            ulong page = MemoryManager.Pages.AllocatePage();
            MemoryManager.KernelTables.Map(ScratchBase, page, PageAllocator.PageSize, PageFlags.Read);
            Log.Line("test: writing to a read-only page");
            WriteTo((ulong*)ScratchBase);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void WriteTo(ulong* p) => *p = 1;

        private static int s_turn;

        private static void Worker(ulong id)
        {
            for (int i = 1; i <= 3; i++)
            {
                Log.Line($"thread {id}: step {i}");
                s_turn++;
                Scheduler.Yield();
            }
            Scheduler.Exit();
        }

        public static void Threads()
        {
            KernelThread boot = Scheduler.Current; // adopt the boot thread before measuring
            ulong before = MemoryManager.Pages.FreeBytes;
            Scheduler.Start(KernelThread.Create("worker 1", &Worker, 1));
            Scheduler.Start(KernelThread.Create("worker 2", &Worker, 2));
            for (int round = 0; round < 10; round++)
                Scheduler.Yield();
            Scheduler.Reap();
            Log.Line($"threads: {s_turn} steps in {boot.Name} and 2 workers, memory returned: {(MemoryManager.Pages.FreeBytes == before ? "yes" : "no")}");
        }
    }
}
