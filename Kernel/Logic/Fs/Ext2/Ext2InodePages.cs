using System;

namespace Kernel.Logic.Fs.Ext2
{
    // The page cache: whole pages holding copies of the file's bytes, for mappings and exec.
    // Write and Truncate keep a page equal to the file. A page a shared mapping may store into is
    // marked (PageMappedWritable): Read takes those bytes from the page, and WriteBackMappedPages
    // writes what differs from the disk into the file's blocks (at sync, fsync, msync, eviction).
    public sealed unsafe partial class Ext2Inode
    {
        private const int PageShift = PageAllocator.PageShift;
        private const ulong PageSize = PageAllocator.PageSize;

        // Cached pages sorted by file page index: _pages[2i] = index, _pages[2i + 1] = physical
        // address, with MappedWritable set in its (page-aligned) low bits for a page a shared
        // mapping can store into. Files are mapped a few pages at a time, so a sorted array beats a
        // page-sized table.
        private ulong[]? _pages;
        private int _pageCount;
        private int _writablePages;
        private const ulong MappedWritable = 1;

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
                return _pages![2 * at + 1] & ~MappedWritable;
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
            return found ? Fs!.PageAddress(_pages![2 * at + 1] & ~MappedWritable) : null;
        }

        public override void PageMappedWritable(ulong pageIndex)
        {
            if (_pageCount == 0)
                return;
            int at = FindPage(pageIndex, out bool found);
            if (!found || (_pages![2 * at + 1] & MappedWritable) != 0)
                return;
            _pages[2 * at + 1] |= MappedWritable;
            _writablePages++;
        }

        /// <summary>
        /// Read: fills <paramref name="to"/> with the file's bytes from <paramref name="pos"/> (within one
        /// page) out of the page holding them when a shared mapping may have stored into it (its bytes
        /// are newer than the disk's until written back); false when the disk has the file's bytes.
        /// </summary>
        private bool ReadMappedPage(ulong pos, Span<byte> to)
        {
            if (_writablePages == 0)
                return false;
            int at = FindPage(pos >> PageShift, out bool found);
            if (!found || (_pages![2 * at + 1] & MappedWritable) == 0)
                return false;
            byte* page = Fs!.PageAddress(_pages[2 * at + 1] & ~MappedWritable);
            new ReadOnlySpan<byte>(page + (pos & (PageSize - 1)), to.Length).CopyTo(to);
            return true;
        }

        /// <summary>
        /// Writes the bytes of the pages shared mappings can store into (up to the end of file) into the
        /// file's blocks where they differ from them, allocating blocks for holes that now hold data, and
        /// marks the file modified if anything changed. The pages stay marked while mapped. 0 or -errno
        /// (-ENOSPC: a hole could not be filled).
        /// </summary>
        internal int WriteBackMappedPages()
        {
            if (_writablePages == 0 || Ext.ReadOnly || Raw == null)
                return 0;
            int bs = Ext.BlockSize;
            bool changed = false;
            int rc = 0;
            for (int i = 0; i < _pageCount && rc == 0; i++)
            {
                ulong entry = _pages![2 * i + 1];
                ulong start = _pages[2 * i] << PageShift;
                if ((entry & MappedWritable) == 0 || start >= Size)
                    continue;
                byte* page = Fs!.PageAddress(entry & ~MappedWritable);
                ulong length = Size - start < PageSize ? Size - start : PageSize;
                // Blocks are 1 to 4 KiB: a page holds whole blocks, the last one cut at the end of file.
                for (ulong off = 0; off < length && rc == 0; off += (ulong)bs)
                {
                    int n = length - off < (ulong)bs ? (int)(length - off) : bs;
                    rc = WriteBackBlock((start + off) >> Ext.BlockShift, new ReadOnlySpan<byte>(page + off, n), ref changed);
                }
            }
            if (changed)
                TouchModified();
            return rc;
        }

        // One block's bytes from a mapped page: written into the block (allocated if a hole) when they differ.
        private int WriteBackBlock(ulong fileBlock, ReadOnlySpan<byte> bytes, ref bool changed)
        {
            int rc = MapBlock(fileBlock, false, out ulong block, out _);
            if (rc < 0)
                return rc;
            if (block == 0)
            {
                if (AllZero(bytes))
                    return 0;
                rc = MapBlock(fileBlock, true, out block, out bool fresh);
                if (rc < 0)
                    return rc;
                rc = fresh ? Ext.Cache.GetZeroed(block, out int z, Ino) : Ext.Cache.Get(block, out z);
                if (rc < 0)
                    return rc;
                bytes.CopyTo(Ext.Cache.Data(z));
                Ext.Cache.MarkDirty(z, Ino);
                Ext.Cache.Put(z);
                changed = true;
                return 0;
            }
            rc = Ext.Cache.Get(block, out int h);
            if (rc < 0)
                return rc;
            Span<byte> data = Ext.Cache.Data(h);
            if (!Bytes.Equal(data.Slice(0, bytes.Length), bytes))
            {
                bytes.CopyTo(data);
                Ext.Cache.MarkDirty(h, Ino);
                changed = true;
            }
            Ext.Cache.Put(h);
            return 0;
        }

        private static bool AllZero(ReadOnlySpan<byte> bytes)
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] != 0)
                    return false;
            }
            return true;
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
            {
                if ((_pages![2 * i + 1] & MappedWritable) != 0)
                    _writablePages--;
                Fs!.FreePage(_pages[2 * i + 1] & ~MappedWritable);
            }
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
