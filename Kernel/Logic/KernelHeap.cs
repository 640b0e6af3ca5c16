using System;

namespace Kernel.Logic
{
    /// <summary>
    /// The kernel heap: size classes from 16 to 2048 bytes carved out of single pages, larger blocks
    /// as runs of whole pages, all taken from a <see cref="PageAllocator"/>. A page holding small blocks
    /// goes back to the page allocator as soon as its last block is freed, so freeing everything
    /// restores the page allocator's free count exactly.
    /// Memory is addressed through a linear map: virtual = physical + <c>linearOffset</c>.
    /// </summary>
    public sealed unsafe class KernelHeap
    {
        private static readonly ushort[] s_classSizes = { 16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048 };
        public const int LargeThreshold = 2048;
        private const ushort NotHeap = 0xFFFF;
        private const ushort LargeRun = 0xFFFE;
        private const uint None = 0xFFFFFFFF;

        // One record per page frame of the page allocator's range.
        private struct PageInfo
        {
            public ushort SizeClass;  // class index, LargeRun (first page of a run) or NotHeap
            public ushort InUse;      // blocks in use in this page
            public uint FreeHead;     // offset of the first free block in the page, or None
            public uint Next, Prev;   // partial-page list links (page indices), or None
            public uint RunPages;     // for LargeRun: pages in the run
            public uint Reserved;
        }

        private readonly PageAllocator _pages;
        private readonly ulong _linearOffset;
        private readonly PageInfo* _info;
        private readonly ulong _infoPages;
        private readonly uint* _partial; // head page index per class
        private ulong _bytesInUse;
        private ulong _allocations;

        public KernelHeap(PageAllocator pages, ulong linearOffset)
        {
            _pages = pages;
            _linearOffset = linearOffset;
            ulong infoBytes = pages.TotalPages * (ulong)sizeof(PageInfo) + (ulong)(s_classSizes.Length * sizeof(uint));
            _infoPages = (infoBytes + PageAllocator.PageSize - 1) / PageAllocator.PageSize;
            ulong phys = pages.AllocatePages(_infoPages);
            if (phys == 0)
                ThrowHelpersShim.Panic("heap: no memory for page records");
            _info = (PageInfo*)(phys + linearOffset);
            for (ulong i = 0; i < pages.TotalPages; i++)
                _info[i] = new PageInfo { SizeClass = NotHeap, FreeHead = None, Next = None, Prev = None };
            _partial = (uint*)(_info + pages.TotalPages);
            for (int c = 0; c < s_classSizes.Length; c++)
                _partial[c] = None;
        }

        /// <summary>Pages used by the heap's own bookkeeping.</summary>
        public ulong MetadataPages => _infoPages;
        public ulong BytesInUse => _bytesInUse;
        public ulong LiveAllocations => _allocations;

        public static int SizeClassOf(ulong size)
        {
            for (int c = 0; c < s_classSizes.Length; c++)
                if (size <= s_classSizes[c])
                    return c;
            return -1;
        }

        public static int ClassSize(int sizeClass) => s_classSizes[sizeClass];

        private uint PageIndexOf(ulong virt) => (uint)(((virt - _linearOffset) >> PageAllocator.PageShift) - (_pages.BaseAddress >> PageAllocator.PageShift));
        private byte* PageAddress(uint index) => (byte*)(_pages.BaseAddress + ((ulong)index << PageAllocator.PageShift) + _linearOffset);

        /// <summary>Allocates <paramref name="size"/> bytes aligned to 16; returns null when memory is exhausted.</summary>
        public void* Allocate(ulong size)
        {
            if (size == 0)
                size = 1;
            int c = SizeClassOf(size);
            if (c < 0)
                return AllocateLarge(size);
            uint index = _partial[c];
            if (index == None)
            {
                index = NewSlabPage(c);
                if (index == None)
                    return null;
            }
            PageInfo* info = &_info[index];
            byte* page = PageAddress(index);
            uint offset = info->FreeHead;
            info->FreeHead = *(uint*)(page + offset);
            info->InUse++;
            if (info->FreeHead == None)
                Unlink(c, index);
            _bytesInUse += s_classSizes[c];
            _allocations++;
            return page + offset;
        }

        private uint NewSlabPage(int c)
        {
            ulong phys = _pages.AllocatePage();
            if (phys == 0)
                return None;
            uint index = PageIndexOf(phys + _linearOffset);
            byte* page = PageAddress(index);
            uint size = s_classSizes[c];
            uint count = (uint)PageAllocator.PageSize / size;
            for (uint i = 0; i < count; i++)
                *(uint*)(page + i * size) = i + 1 < count ? (i + 1) * size : None;
            PageInfo* info = &_info[index];
            info->SizeClass = (ushort)c;
            info->InUse = 0;
            info->FreeHead = 0;
            info->Prev = None;
            info->Next = _partial[c];
            if (_partial[c] != None)
                _info[_partial[c]].Prev = index;
            _partial[c] = index;
            return index;
        }

        private void Unlink(int c, uint index)
        {
            PageInfo* info = &_info[index];
            if (info->Prev != None) _info[info->Prev].Next = info->Next; else _partial[c] = info->Next;
            if (info->Next != None) _info[info->Next].Prev = info->Prev;
            info->Next = info->Prev = None;
        }

        private void* AllocateLarge(ulong size)
        {
            ulong pages = (size + PageAllocator.PageSize - 1) >> PageAllocator.PageShift;
            ulong phys = _pages.AllocatePages(pages);
            if (phys == 0)
                return null;
            uint index = PageIndexOf(phys + _linearOffset);
            _info[index].SizeClass = LargeRun;
            _info[index].RunPages = (uint)pages;
            _bytesInUse += pages << PageAllocator.PageShift;
            _allocations++;
            return (void*)(phys + _linearOffset);
        }

        /// <summary>Frees a block from <see cref="Allocate"/>; returns -EINVAL for a pointer the heap does not own.</summary>
        public int Free(void* block)
        {
            ulong virt = (ulong)block;
            ulong phys = virt - _linearOffset;
            if (block == null || phys < _pages.BaseAddress || ((phys - _pages.BaseAddress) >> PageAllocator.PageShift) >= _pages.TotalPages)
                return -Errno.EINVAL;
            uint index = PageIndexOf(virt);
            PageInfo* info = &_info[index];
            if (info->SizeClass == LargeRun)
            {
                if ((virt & (PageAllocator.PageSize - 1)) != 0)
                    return -Errno.EINVAL;
                ulong pages = info->RunPages;
                info->SizeClass = NotHeap;
                info->RunPages = 0;
                _bytesInUse -= pages << PageAllocator.PageShift;
                _allocations--;
                return _pages.FreePages(phys, pages);
            }
            if (info->SizeClass == NotHeap)
                return -Errno.EINVAL;
            int c = info->SizeClass;
            uint size = s_classSizes[c];
            uint offset = (uint)(virt & (PageAllocator.PageSize - 1));
            if (offset % size != 0 || info->InUse == 0)
                return -Errno.EINVAL;
            byte* page = PageAddress(index);
            bool wasFull = info->FreeHead == None;
            *(uint*)(page + offset) = info->FreeHead;
            info->FreeHead = offset;
            info->InUse--;
            _bytesInUse -= size;
            _allocations--;
            if (info->InUse == 0)
            {
                if (!wasFull)
                    Unlink(c, index);
                info->SizeClass = NotHeap;
                info->FreeHead = None;
                return _pages.FreePages(phys & ~(PageAllocator.PageSize - 1), 1);
            }
            if (wasFull)
            {
                info->Prev = None;
                info->Next = _partial[c];
                if (_partial[c] != None)
                    _info[_partial[c]].Prev = index;
                _partial[c] = index;
            }
            return 0;
        }

        /// <summary>The usable size of an allocated block, or 0 for a pointer the heap does not own.</summary>
        public ulong UsableSize(void* block)
        {
            ulong phys = (ulong)block - _linearOffset;
            if (block == null || phys < _pages.BaseAddress || ((phys - _pages.BaseAddress) >> PageAllocator.PageShift) >= _pages.TotalPages)
                return 0;
            PageInfo* info = &_info[PageIndexOf((ulong)block)];
            if (info->SizeClass == LargeRun) return (ulong)info->RunPages << PageAllocator.PageShift;
            if (info->SizeClass == NotHeap) return 0;
            return s_classSizes[info->SizeClass];
        }
    }

    internal static class ThrowHelpersShim
    {
#if KERNEL
        public static void Panic(string message) => System.ThrowHelpers.Panic(message);
#else
        public static void Panic(string message) => throw new InvalidOperationException(message);
#endif
    }
}
