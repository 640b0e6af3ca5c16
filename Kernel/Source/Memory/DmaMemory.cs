namespace Kernel.Memory
{
    /// <summary>
    /// Memory a device reads or writes by physical address (virtio rings, request headers, bounce
    /// buffers): whole pages from the page allocator, physically contiguous, reached through the
    /// linear map. Devices on this board are cache-coherent with the CPU, so no cache maintenance is
    /// needed, only the ordering barriers the virtqueue code has.
    /// </summary>
    public static unsafe class DmaMemory
    {
        private static ulong PagesFor(ulong bytes) => (bytes + Logic.PageAllocator.PageSize - 1) >> Logic.PageAllocator.PageShift;

        /// <summary>Zeroed contiguous pages holding <paramref name="bytes"/>; null when memory is short.</summary>
        public static byte* Allocate(ulong bytes, out ulong physical)
        {
            ulong pages = PagesFor(bytes);
            physical = MemoryManager.Pages.AllocatePages(pages);
            if (physical == 0)
                return null;
            byte* memory = (byte*)MemoryManager.PhysicalToVirtual(physical);
            Arch.Cpu.ZeroPages(memory, pages << Logic.PageAllocator.PageShift);
            return memory;
        }

        public static void Free(byte* memory, ulong bytes)
        {
            if (memory != null)
                MemoryManager.Pages.FreePages((ulong)memory - MemoryManager.LinearBase, PagesFor(bytes));
        }

        /// <summary>
        /// The physical address of a kernel buffer a device can use as it is: one in the linear map of
        /// RAM (the heap, thread stacks, page allocations), which is physically contiguous. False for
        /// anything else (the image's data and the boot stack sit at the image's link address): such a
        /// buffer goes through a bounce buffer.
        /// </summary>
        public static bool TryPhysical(void* address, ulong length, out ulong physical)
        {
            physical = 0;
            ulong a = (ulong)address;
            if (a < MemoryManager.LinearBase || a >= MemoryManager.DeviceBase)
                return false;
            ulong p = a - MemoryManager.LinearBase;
            if (!MemoryManager.RamContains(p, length))
                return false;
            physical = p;
            return true;
        }
    }
}
