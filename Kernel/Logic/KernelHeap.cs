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
        private static readonly ushort[] ClassSizes = { 16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048 };
        public const int LargeThreshold = 2048;
        // An all-zero PageInfo is a page the heap does not use, so the table starts as zeroed memory.
        private const ushort NotHeap = 0;
        private const ushort LargeRun = 0xFFFF;
        private const uint None = 0;

        // One record per page frame of the page allocator's range.
        private struct PageInfo
        {
            public ushort SizeClass;  // class index + 1, LargeRun (first page of a run) or NotHeap
            public ushort InUse;      // blocks in use in this page
            public uint FreeHead;     // offset + 1 of the first free block in the page, or None
            public uint Next, Prev;   // partial-page list links (page index + 1), or None
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

        /// <param name="clear">Zeroes memory fast (the kernel passes a DC ZVA loop); null means a plain loop.</param>
        public KernelHeap(PageAllocator pages, ulong linearOffset, delegate*<void*, ulong, void> clear = null)
        {
            _pages = pages;
            _linearOffset = linearOffset;
            ulong infoBytes = pages.TotalPages * (ulong)sizeof(PageInfo) + (ulong)(ClassSizes.Length * sizeof(uint));
            _infoPages = (infoBytes + PageAllocator.PageSize - 1) / PageAllocator.PageSize;
            ulong phys = pages.AllocatePages(_infoPages);
            if (phys == 0)
                Fatal.Panic("heap: no memory for page records");
            _info = (PageInfo*)(phys + linearOffset);
            if (clear != null)
                clear(_info, _infoPages << PageAllocator.PageShift);
            else
                for (ulong* p = (ulong*)_info, end = (ulong*)((byte*)_info + (_infoPages << PageAllocator.PageShift)); p < end; p++)
                    *p = 0;
            _partial = (uint*)(_info + pages.TotalPages);
        }

        /// <summary>Pages used by the heap's own bookkeeping.</summary>
        public ulong MetadataPages => _infoPages;
        public ulong BytesInUse => _bytesInUse;
        public ulong LiveAllocations => _allocations;

        public static int SizeClassOf(ulong size)
        {
            for (int c = 0; c < ClassSizes.Length; c++)
                if (size <= ClassSizes[c])
                    return c;
            return -1;
        }

        public static int ClassSize(int sizeClass) => ClassSizes[sizeClass];

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
            uint link = _partial[c];
            if (link == None)
            {
                link = NewSlabPage(c);
                if (link == None)
                    return null;
            }
            uint index = link - 1;
            PageInfo* info = &_info[index];
            byte* page = PageAddress(index);
            uint offset = info->FreeHead - 1;
            info->FreeHead = *(uint*)(page + offset);
            info->InUse++;
            if (info->FreeHead == None)
                Unlink(c, index);
            _bytesInUse += ClassSizes[c];
            _allocations++;
            return page + offset;
        }

        // Carves a fresh page into blocks of class c and puts it at the head of the partial list;
        // returns its link (index + 1) or None.
        private uint NewSlabPage(int c)
        {
            ulong phys = _pages.AllocatePage();
            if (phys == 0)
                return None;
            uint index = PageIndexOf(phys + _linearOffset);
            byte* page = PageAddress(index);
            uint size = ClassSizes[c];
            uint count = (uint)PageAllocator.PageSize / size;
            for (uint i = 0; i < count; i++)
                *(uint*)(page + i * size) = i + 1 < count ? (i + 1) * size + 1 : None;
            PageInfo* info = &_info[index];
            info->SizeClass = (ushort)(c + 1);
            info->InUse = 0;
            info->FreeHead = 1;
            PushPartial(c, index);
            return index + 1;
        }

        private void PushPartial(int c, uint index)
        {
            PageInfo* info = &_info[index];
            info->Prev = None;
            info->Next = _partial[c];
            if (_partial[c] != None)
                _info[_partial[c] - 1].Prev = index + 1;
            _partial[c] = index + 1;
        }

        private void Unlink(int c, uint index)
        {
            PageInfo* info = &_info[index];
            if (info->Prev != None) _info[info->Prev - 1].Next = info->Next; else _partial[c] = info->Next;
            if (info->Next != None) _info[info->Next - 1].Prev = info->Prev;
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

        private bool Owns(void* block, out uint index)
        {
            ulong phys = (ulong)block - _linearOffset;
            index = 0;
            if (block == null || phys < _pages.BaseAddress || ((phys - _pages.BaseAddress) >> PageAllocator.PageShift) >= _pages.TotalPages)
                return false;
            index = PageIndexOf((ulong)block);
            return true;
        }

        /// <summary>Frees a block from <see cref="Allocate"/>; returns -EINVAL for a pointer the heap does not own.</summary>
        public int Free(void* block)
        {
            if (!Owns(block, out uint index))
                return -Errno.EINVAL;
            ulong virt = (ulong)block;
            ulong phys = virt - _linearOffset;
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
            int c = info->SizeClass - 1;
            uint size = ClassSizes[c];
            uint offset = (uint)(virt & (PageAllocator.PageSize - 1));
            if (offset % size != 0 || info->InUse == 0)
                return -Errno.EINVAL;
            byte* page = PageAddress(index);
            bool wasFull = info->FreeHead == None;
            *(uint*)(page + offset) = info->FreeHead;
            info->FreeHead = offset + 1;
            info->InUse--;
            _bytesInUse -= size;
            _allocations--;
            if (info->InUse == 0)
            {
                // Last block: the page goes back to the page allocator.
                if (!wasFull)
                    Unlink(c, index);
                *info = default;
                return _pages.FreePages(phys & ~(PageAllocator.PageSize - 1), 1);
            }
            if (wasFull)
                PushPartial(c, index);
            return 0;
        }

        /// <summary>The usable size of an allocated block, or 0 for a pointer the heap does not own.</summary>
        public ulong UsableSize(void* block)
        {
            if (!Owns(block, out uint index))
                return 0;
            PageInfo* info = &_info[index];
            if (info->SizeClass == LargeRun) return (ulong)info->RunPages << PageAllocator.PageShift;
            if (info->SizeClass == NotHeap) return 0;
            return ClassSizes[info->SizeClass - 1];
        }
    }
}
