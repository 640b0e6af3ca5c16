namespace Kernel.Logic
{
    /// <summary>
    /// Physical page allocator: one bit per 4 KiB page frame of a physical range (1 = in use).
    /// The caller provides the bitmap storage. Everything starts in use; the boot code then frees
    /// the usable RAM and reserves the kernel image, the device tree and the initrd.
    /// </summary>
    public sealed unsafe class PageAllocator
    {
        public const int PageShift = 12;
        public const ulong PageSize = 1UL << PageShift;

        private ulong* _bitmap;
        private readonly ulong _firstFrame;
        private readonly ulong _frameCount;
        private ulong _freeCount;
        private ulong _searchHint; // word index where the last single-page search succeeded

        /// <summary>Bytes of bitmap needed to track <paramref name="pageCount"/> pages.</summary>
        public static ulong BitmapBytes(ulong pageCount) => (pageCount + 63) / 64 * 8;

        public PageAllocator(ulong baseAddress, ulong pageCount, ulong* bitmap)
        {
            _firstFrame = baseAddress >> PageShift;
            _frameCount = pageCount;
            _bitmap = bitmap;
            ulong words = (pageCount + 63) / 64;
            for (ulong i = 0; i < words; i++)
                bitmap[i] = ~0UL;
        }

        /// <summary>Moves the bitmap pointer by <paramref name="delta"/> (the bitmap is now seen through another mapping).</summary>
        public void RebaseBitmap(ulong delta) => _bitmap = (ulong*)((ulong)_bitmap + delta);

        public ulong BaseAddress => _firstFrame << PageShift;
        public ulong TotalPages => _frameCount;
        public ulong FreePageCount => _freeCount;
        public ulong FreeBytes => _freeCount << PageShift;

        private bool IsUsed(ulong frame) => (_bitmap[frame >> 6] & (1UL << (int)(frame & 63))) != 0;
        private void SetUsed(ulong frame) => _bitmap[frame >> 6] |= 1UL << (int)(frame & 63);
        private void SetFree(ulong frame) => _bitmap[frame >> 6] &= ~(1UL << (int)(frame & 63));

        // Clips [start, end) to the tracked range as frame indices.
        private bool Clip(ulong start, ulong end, out ulong first, out ulong last)
        {
            ulong base_ = BaseAddress;
            ulong limit = base_ + (_frameCount << PageShift);
            if (start < base_) start = base_;
            if (end > limit) end = limit;
            first = (start - base_) >> PageShift;
            last = (end - base_) >> PageShift;
            return end > start;
        }

        /// <summary>Marks the whole pages inside [start, end) free.</summary>
        public void AddFreeRange(ulong start, ulong end)
        {
            start = (start + PageSize - 1) & ~(PageSize - 1);
            end &= ~(PageSize - 1);
            if (Clip(start, end, out ulong first, out ulong last))
                SetRange(first, last, used: false);
        }

        /// <summary>Marks every page touching [start, end) in use.</summary>
        public void ReserveRange(ulong start, ulong end)
        {
            start &= ~(PageSize - 1);
            end = (end + PageSize - 1) & ~(PageSize - 1);
            if (Clip(start, end, out ulong first, out ulong last))
                SetRange(first, last, used: true);
        }

        // Sets or clears the bits of frames [first, last) a word at a time, keeping the free count.
        private void SetRange(ulong first, ulong last, bool used)
        {
            ulong frame = first;
            while (frame < last)
            {
                ulong word = frame >> 6;
                int bit = (int)(frame & 63);
                ulong span = last - frame < (ulong)(64 - bit) ? last - frame : (ulong)(64 - bit);
                ulong mask = span == 64 ? ~0UL : ((1UL << (int)span) - 1) << bit;
                ulong old = _bitmap[word];
                if (used)
                {
                    _freeCount -= (ulong)PopCount(~old & mask);
                    _bitmap[word] = old | mask;
                }
                else
                {
                    _freeCount += (ulong)PopCount(old & mask);
                    _bitmap[word] = old & ~mask;
                }
                frame += span;
            }
        }

        private static int PopCount(ulong v)
        {
            v -= (v >> 1) & 0x5555555555555555UL;
            v = (v & 0x3333333333333333UL) + ((v >> 2) & 0x3333333333333333UL);
            v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0FUL;
            return (int)((v * 0x0101010101010101UL) >> 56);
        }

        /// <summary>
        /// Pages held back for the kernel's own allocations: <see cref="AllocateUserPage"/> fails once
        /// only this many are free, so that user memory and tmpfs files running out never leave the
        /// kernel without memory for the bookkeeping that lets it kill a process and carry on.
        /// </summary>
        public ulong Reserve { get; set; }

        /// <summary>
        /// One page for user space (process memory, page tables, file data): 0 when only the
        /// <see cref="Reserve"/> is left.
        /// </summary>
        public ulong AllocateUserPage() => _freeCount > Reserve ? AllocatePage() : 0;

        /// <summary>Allocates one page; returns its physical address or 0.</summary>
        public ulong AllocatePage()
        {
            ulong words = (_frameCount + 63) / 64;
            for (ulong n = 0; n < words; n++)
            {
                ulong w = (_searchHint + n) % words;
                ulong bits = _bitmap[w];
                if (bits == ~0UL)
                    continue;
                int bit = LowestClearBit(bits);
                ulong frame = w * 64 + (ulong)bit;
                if (frame >= _frameCount)
                    continue;
                SetUsed(frame);
                _freeCount--;
                _searchHint = w;
                return (_firstFrame + frame) << PageShift;
            }
            return 0;
        }

        private static int LowestClearBit(ulong bits)
        {
            int bit = 0;
            while ((bits & 1) != 0) { bits >>= 1; bit++; }
            return bit;
        }

        /// <summary>
        /// Allocates <paramref name="count"/> contiguous pages aligned to <paramref name="alignPages"/>
        /// pages (a power of two); returns the physical address of the first or 0.
        /// </summary>
        public ulong AllocatePages(ulong count, ulong alignPages = 1)
        {
            if (count == 0 || alignPages == 0 || (alignPages & (alignPages - 1)) != 0)
                return 0;
            if (count == 1 && alignPages == 1)
                return AllocatePage();
            ulong frame = 0;
            while (frame + count <= _frameCount)
            {
                ulong absolute = _firstFrame + frame;
                ulong misalign = absolute & (alignPages - 1);
                if (misalign != 0)
                {
                    frame += alignPages - misalign;
                    continue;
                }
                if (_bitmap[frame >> 6] == ~0UL && (frame & 63) == 0)
                {
                    frame += 64;
                    continue;
                }
                ulong run = 0;
                while (run < count && !IsUsed(frame + run))
                    run++;
                if (run == count)
                {
                    for (ulong i = 0; i < count; i++)
                        SetUsed(frame + i);
                    _freeCount -= count;
                    return absolute << PageShift;
                }
                frame += run + 1;
            }
            return 0;
        }

        /// <summary>Frees pages from a previous allocation. Freeing a free page is a kernel bug: returns -EINVAL.</summary>
        public int FreePages(ulong address, ulong count)
        {
            if ((address & (PageSize - 1)) != 0 || (address >> PageShift) < _firstFrame)
                return -Errno.EINVAL;
            ulong first = (address >> PageShift) - _firstFrame;
            if (first + count > _frameCount)
                return -Errno.EINVAL;
            for (ulong i = 0; i < count; i++)
                if (!IsUsed(first + i))
                    return -Errno.EINVAL;
            for (ulong i = 0; i < count; i++)
                SetFree(first + i);
            _freeCount += count;
            return 0;
        }

        public bool IsAllocated(ulong address)
        {
            ulong frame = (address >> PageShift) - _firstFrame;
            return (address >> PageShift) >= _firstFrame && frame < _frameCount && IsUsed(frame);
        }
    }
}
