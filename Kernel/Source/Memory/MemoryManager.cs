using System;
using Kernel.Arch;
using Kernel.Logic;
using System.Runtime;

namespace Kernel.Memory
{
    /// <summary>
    /// Physical memory, the kernel address space and the heap.
    /// Upper half layout: linear map of all RAM at <see cref="LinearBase"/> + physical address,
    /// devices at <see cref="DeviceBase"/> + physical address (Device-nGnRE), and the kernel image at
    /// its link address. The lower half has no translations at all, so null pointers fault.
    /// </summary>
    public static unsafe class MemoryManager
    {
        public const ulong LinearBase = 0xFFFF_0000_0000_0000UL;
        public const ulong DeviceBase = 0xFFFF_FE00_0000_0000UL;
        public const int MaxRegions = 16;

        private struct Region { public ulong Base, Size; }
        private struct RegionTable { public fixed ulong Data[MaxRegions * 2]; }
        private static RegionTable s_regions;
        private static int s_regionCount;
        private static ulong s_totalBytes;

        private static PageAllocator? s_pages;
        private static PageTable? s_kernelTables;
        private static KernelHeap? s_heap;

        public static PageAllocator Pages => s_pages!;
        public static PageTable KernelTables => s_kernelTables!;
        public static KernelHeap Heap => s_heap!;
        public static ulong TotalBytes => s_totalBytes;

        public static ulong PhysicalToVirtual(ulong physical) => physical + LinearBase;

        /// <summary>Whether [<paramref name="physical"/>, +<paramref name="length"/>) lies inside one RAM region.</summary>
        public static bool RamContains(ulong physical, ulong length)
        {
            for (int i = 0; i < s_regionCount; i++)
            {
                ulong start = s_regions.Data[i * 2], size = s_regions.Data[i * 2 + 1];
                if (physical >= start && length <= size && physical - start <= size - length)
                    return true;
            }
            return false;
        }

        /// <summary>
        /// Reads the memory nodes, sets up the page allocator (reserving the image, the device tree, the
        /// initrd and the DT's reservations) and builds the kernel tables. Runs on the boot mapping,
        /// where RAM near the kernel is identity mapped, so tables are reached at linear offset 0.
        /// </summary>
        public static int Initialize(in DeviceTree tree, BootInfo* boot, ulong initrdStart, ulong initrdEnd)
        {
            s_regionCount = 0;
            s_totalBytes = 0;
            ulong lowest = ulong.MaxValue, highest = 0;
            for (int node = tree.FindDeviceType("memory"u8); node >= 0; node = tree.FindDeviceType("memory"u8, node))
            {
                int count = tree.RegCount(node);
                for (int i = 0; i < count && s_regionCount < MaxRegions; i++)
                {
                    if (tree.GetReg(node, i, out ulong address, out ulong size) < 0 || size == 0)
                        continue;
                    s_regions.Data[s_regionCount * 2] = address;
                    s_regions.Data[s_regionCount * 2 + 1] = size;
                    s_regionCount++;
                    s_totalBytes += size;
                    if (address < lowest) lowest = address;
                    if (address + size > highest) highest = address + size;
                }
            }
            if (s_regionCount == 0)
                return -Errno.ENOENT;

            // The bitmap lives just after the image (inside the identity-mapped gigabyte), then is
            // reserved like the image itself.
            ulong pageCount = (highest - lowest) >> PageAllocator.PageShift;
            ulong bitmapPhys = (boot->ImagePhysical + boot->ImageSize + PageAllocator.PageSize - 1) & ~(PageAllocator.PageSize - 1);
            ulong bitmapBytes = PageAllocator.BitmapBytes(pageCount);
            PageAllocator pages = new PageAllocator(lowest, pageCount, (ulong*)bitmapPhys);
            for (int i = 0; i < s_regionCount; i++)
                pages.AddFreeRange(s_regions.Data[i * 2], s_regions.Data[i * 2] + s_regions.Data[i * 2 + 1]);
            pages.ReserveRange(boot->ImagePhysical, bitmapPhys + bitmapBytes);
            pages.ReserveRange(boot->DeviceTreePhysical, boot->DeviceTreePhysical + tree.TotalSize);
            if (initrdEnd > initrdStart)
                pages.ReserveRange(initrdStart, initrdEnd);
            for (int i = 0; tree.GetReservation(i, out ulong rAddress, out ulong rSize) == 0; i++)
                pages.ReserveRange(rAddress, rAddress + rSize);
            // 1/64 of RAM (8 MiB of 512), at least 1 MiB, stays for the kernel when user memory runs out.
            pages.Reserve = pageCount / 64 > 256 ? pageCount / 64 : 256;
            s_pages = pages;

            PageTable tables = new PageTable(pages, 0, &Cpu.InvalidatePage);
            for (int i = 0; i < s_regionCount; i++)
            {
                ulong start = s_regions.Data[i * 2], size = s_regions.Data[i * 2 + 1];
                int r = tables.Map(LinearBase + start, start, size & ~(PageAllocator.PageSize - 1), PageFlags.Read | PageFlags.Write);
                if (r < 0) return r;
            }
            // The image with real permissions: text RX, read-only data R, data and BSS RW.
            ulong imageVirt = boot->ImageVirtual, imagePhys = boot->ImagePhysical;
            ulong textSize = boot->TextEnd - imageVirt;
            ulong roSize = boot->ReadOnlyEnd - boot->TextEnd;
            ulong rwSize = ((boot->ImageSize + PageAllocator.PageSize - 1) & ~(PageAllocator.PageSize - 1)) - textSize - roSize;
            int e = tables.Map(imageVirt, imagePhys, textSize, PageFlags.Read | PageFlags.Execute);
            if (e == 0) e = tables.Map(boot->TextEnd, imagePhys + textSize, roSize, PageFlags.Read);
            if (e == 0) e = tables.Map(boot->ReadOnlyEnd, imagePhys + textSize + roSize, rwSize, PageFlags.Read | PageFlags.Write);
            if (e == 0) e = tables.Unmap(boot->StackGuard, PageAllocator.PageSize);
            if (e < 0) return e;
            s_stackGuard = boot->StackGuard;
            s_kernelTables = tables;
            s_imageStart = imageVirt;
            s_imageEnd = imageVirt + boot->ImageSize;
            return 0;
        }

        /// <summary>Switches to the kernel tables: from here on RAM is reached through the linear map.</summary>
        public static void SwitchToKernelTables()
        {
            Cpu.SetTranslationTables(0, s_kernelTables!.RootPhysical);
            s_kernelTables.LinearOffset = LinearBase;
            s_pages!.RebaseBitmap(LinearBase);
        }

        /// <summary>Maps a device's registers (Device-nGnRE) and returns their virtual address.</summary>
        public static ulong MapDevice(ulong physical, ulong size)
        {
            ulong start = physical & ~(PageAllocator.PageSize - 1);
            ulong end = (physical + size + PageAllocator.PageSize - 1) & ~(PageAllocator.PageSize - 1);
            int r = s_kernelTables!.Map(DeviceBase + start, start, end - start, PageFlags.Read | PageFlags.Write | PageFlags.Device);
            if (r < 0)
                ThrowHelpers.Panic("cannot map device registers");
            return DeviceBase + physical;
        }

        /// <summary>Creates the kernel heap and makes it the allocator behind `new`.</summary>
        public static void StartHeap()
        {
            s_heap = new KernelHeap(s_pages!, LinearBase, &Cpu.ZeroPages);
            ManagedHeap.Install(&HeapAllocate, &HeapFree);
        }

        private static void* HeapAllocate(nuint size) => s_heap!.Allocate(size);

        private static ulong s_imageStart, s_imageEnd, s_stackGuard;

        /// <summary>Whether a faulting address hit the guard page below the boot stack.</summary>
        public static bool IsStackGuard(ulong address) => address >= s_stackGuard && address - s_stackGuard < PageAllocator.PageSize;

        private static void HeapFree(void* block)
        {
            // Frozen objects (string literals, pre-initialised statics) live in the image: nothing to free.
            if ((ulong)block >= s_imageStart && (ulong)block < s_imageEnd)
                return;
            if (s_heap!.Free(block) < 0)
                ThrowHelpers.Panic("heap: free of a block the heap does not own");
        }
    }
}
