using System;

namespace Kernel.Logic.Fs.Ext2
{
    // The page cache: whole pages holding copies of the file's bytes, for mappings and exec.
    // A page is a clean copy: Write and Truncate keep it equal to the file, but stores into it
    // (MAP_SHARED) are not written back to the disk.
    public sealed unsafe partial class Ext2Inode
    {
        private const int PageShift = PageAllocator.PageShift;
        private const ulong PageSize = PageAllocator.PageSize;

        // Cached pages sorted by file page index: _pages[2i] = index, _pages[2i + 1] = physical
        // address. Files are mapped a few pages at a time, so a sorted array beats a page-sized table.
        private ulong[]? _pages;
        private int _pageCount;

        /// <summary>Pages of this file in the page cache.</summary>
        public int CachedPages => _pageCount;

        /// <summary>
        /// The physical address of a page holding the file's bytes [index*4096, +4096) (the tail past
        /// the end of file zeroed), filling it from the file on the first call; 0 past the end of file,
        /// for anything but a regular file, without page memory, or when neither memory nor
        /// reclaimable pages are left. <paramref name="allocate"/> is ignored: a hole reads as zeros
        /// and takes no disk block.
        /// </summary>
        public override ulong PhysicalPage(ulong pageIndex, bool allocate)
        {
            if (!IsRegular || Raw == null || pageIndex >= (Size + PageSize - 1) >> PageShift)
                return 0;
            int at = FindPage(pageIndex, out bool found);
            if (found)
                return _pages![2 * at + 1];
            ulong phys = Ext.AllocateCachePage(this);
            if (phys == 0)
                return 0;
            byte* p = Fs!.PageAddress(phys);
            ulong offset = pageIndex << PageShift;
            ulong want = Size - offset < PageSize ? Size - offset : PageSize;
            long n = Read(offset, new Span<byte>(p, (int)want));
            if (n != (long)want)
            {
                Fs.FreePage(phys);
                return 0;
            }
            if (want < PageSize)
                new Span<byte>(p + want, (int)(PageSize - want)).Clear();
            InsertPage(at, pageIndex, phys);
            return phys;
        }

        // Binary search: the slot of `index`, or where it would go.
        private int FindPage(ulong index, out bool found)
        {
            int lo = 0, hi = _pageCount;
            while (lo < hi)
            {
                int mid = (lo + hi) >> 1;
                ulong key = _pages![2 * mid];
                if (key == index)
                {
                    found = true;
                    return mid;
                }
                if (key < index)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            found = false;
            return lo;
        }

        private void InsertPage(int at, ulong index, ulong phys)
        {
            if (_pages == null || 2 * _pageCount == _pages.Length)
            {
                ulong[] bigger = new ulong[_pages == null ? 8 : _pages.Length * 2];
                if (_pages != null)
                {
                    new ReadOnlySpan<ulong>(_pages, 0, 2 * _pageCount).CopyTo(bigger);
                    Owned.Free(_pages);
                }
                _pages = bigger;
            }
            ulong[] pages = _pages;
            for (int i = _pageCount; i > at; i--)
            {
                pages[2 * i] = pages[2 * i - 2];
                pages[2 * i + 1] = pages[2 * i - 1];
            }
            pages[2 * at] = index;
            pages[2 * at + 1] = phys;
            _pageCount++;
        }

        private byte* CachedPageAddress(ulong index)
        {
            if (_pageCount == 0)
                return null;
            int at = FindPage(index, out bool found);
            return found ? Fs!.PageAddress(_pages![2 * at + 1]) : null;
        }

        /// <summary>Write: copies the bytes written at <paramref name="offset"/> into the cached pages covering them.</summary>
        private void UpdateCachedPages(ulong offset, ReadOnlySpan<byte> written)
        {
            if (_pageCount == 0)
                return;
            int done = 0;
            while (done < written.Length)
            {
                ulong pos = offset + (ulong)done;
                int inPage = (int)(pos & (PageSize - 1));
                int chunk = (int)PageSize - inPage;
                if (chunk > written.Length - done)
                    chunk = written.Length - done;
                byte* page = CachedPageAddress(pos >> PageShift);
                if (page != null)
                    written.Slice(done, chunk).CopyTo(new Span<byte>(page + inPage, chunk));
                done += chunk;
            }
        }

        /// <summary>
        /// Zeroes the cached page bytes from <paramref name="from"/> to the end of its page: called when
        /// the end of file moves to or past <paramref name="from"/> (the bytes there read as zeros on
        /// disk, whatever a mapping stored in the page).
        /// </summary>
        private void ZeroCachedTail(ulong from)
        {
            int inPage = (int)(from & (PageSize - 1));
            if (inPage == 0)
                return;
            byte* page = CachedPageAddress(from >> PageShift);
            if (page != null)
                new Span<byte>(page + inPage, (int)PageSize - inPage).Clear();
        }

        /// <summary>Frees the cached pages with index at or above <paramref name="first"/>; returns how many.</summary>
        internal int FreeCachedPagesFrom(ulong first)
        {
            if (_pageCount == 0)
                return 0;
            int keep = FindPage(first, out _);
            int freed = _pageCount - keep;
            for (int i = keep; i < _pageCount; i++)
                Fs!.FreePage(_pages![2 * i + 1]);
            _pageCount = keep;
            if (keep == 0)
            {
                Owned.Free(_pages);
                _pages = null;
            }
            return freed;
        }

        /// <summary>The file changes size from <paramref name="oldSize"/> to <see cref="Inode.Size"/>: drops or clears what the pages hold past the end.</summary>
        private void ResizeCachedPages(ulong oldSize)
        {
            if (_pageCount == 0)
                return;
            if (Size < oldSize)
            {
                FreeCachedPagesFrom((Size + PageSize - 1) >> PageShift);
                ZeroCachedTail(Size);
            }
            else if (Size > oldSize)
                ZeroCachedTail(oldSize);
        }
    }
}
