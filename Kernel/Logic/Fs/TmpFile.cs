using System;

namespace Kernel.Logic.Fs
{
    /// <summary>
    /// A tmpfs regular file. Its data lives in whole physical pages from the file system's page
    /// allocator, found through a radix tree of page-sized index tables (512 entries each, like page
    /// tables; the tree grows a level at a time). Missing pages are holes and read as zeros.
    /// </summary>
    public sealed unsafe class TmpFile : Inode
    {
        private const int PageShift = PageAllocator.PageShift;
        private const ulong PageSize = PageAllocator.PageSize;
        private const int IndexBits = 9;
        private const int MaxLevels = 4;
        /// <summary>Largest file size: what four table levels reach (2^48 bytes).</summary>
        public const ulong MaxSize = 1UL << (PageShift + IndexBits * MaxLevels);

        private ulong _table;  // physical address of the top table, 0 when the file has no pages
        private int _levels;   // table levels under _table (1: _table points to data pages)
        private ulong _dataPages;

        /// <summary>Data pages allocated (holes excluded).</summary>
        public ulong DataPages => _dataPages;

        public override ulong Blocks => _dataPages << (PageShift - 9);

        private ulong* Table(ulong phys) => (ulong*)Fs!.PageAddress(phys);

        private static ulong Capacity(int levels) => 1UL << (IndexBits * levels); // in pages

        public override ulong PhysicalPage(ulong pageIndex, bool allocate)
        {
            if (pageIndex >= (MaxSize >> PageShift))
                return 0;
            FileSystem fs = Fs!;
            if (_table == 0)
            {
                if (!allocate)
                    return 0;
                int levels = 1;
                while (Capacity(levels) <= pageIndex)
                    levels++;
                ulong top = fs.AllocateZeroedPage();
                if (top == 0)
                    return 0;
                _table = top;
                _levels = levels;
            }
            while (Capacity(_levels) <= pageIndex)
            {
                if (!allocate)
                    return 0;
                ulong top = fs.AllocateZeroedPage();
                if (top == 0)
                    return 0;
                Table(top)[0] = _table;
                _table = top;
                _levels++;
            }
            ulong* t = Table(_table);
            for (int level = _levels; level > 1; level--)
            {
                ulong slot = (pageIndex >> (IndexBits * (level - 1))) & 511;
                if (t[slot] == 0)
                {
                    if (!allocate)
                        return 0;
                    ulong next = fs.AllocateZeroedPage();
                    if (next == 0)
                        return 0;
                    t[slot] = next;
                }
                t = Table(t[slot]);
            }
            ulong leaf = pageIndex & 511;
            if (t[leaf] == 0)
            {
                if (!allocate)
                    return 0;
                ulong page = fs.AllocateZeroedPage();
                if (page == 0)
                    return 0;
                t[leaf] = page;
                _dataPages++;
            }
            return t[leaf];
        }

        public override long Read(ulong offset, Span<byte> dst)
        {
            if (offset >= Size || dst.Length == 0)
                return 0;
            ulong end = offset + (ulong)dst.Length;
            if (end > Size || end < offset)
                end = Size;
            ulong pos = offset;
            fixed (byte* d = dst)
            {
                while (pos < end)
                {
                    ulong inPage = pos & (PageSize - 1);
                    ulong chunk = PageSize - inPage;
                    if (chunk > end - pos)
                        chunk = end - pos;
                    byte* to = d + (pos - offset);
                    ulong phys = PhysicalPage(pos >> PageShift, false);
                    if (phys == 0)
                        Zero(to, chunk);
                    else
                        Copy(to, Fs!.PageAddress(phys) + inPage, chunk);
                    pos += chunk;
                }
            }
            UpdateAtime();
            return (long)(end - offset);
        }

        // relatime: update the access time only when it is not newer than the last change, or a day old.
        private void UpdateAtime()
        {
            Timespec now = Now();
            if (Timespec.Compare(Atime, Mtime) <= 0 || Timespec.Compare(Atime, Ctime) <= 0 || now.Sec - Atime.Sec >= 86400)
                Atime = now;
        }

        public override long Write(ulong offset, ReadOnlySpan<byte> src)
        {
            if (src.Length == 0)
                return 0;
            if (offset >= MaxSize)
                return -Errno.EFBIG;
            ulong end = offset + (ulong)src.Length;
            if (end > MaxSize)
                end = MaxSize;
            if (offset > Size)
                ZeroTail(Size);
            ulong pos = offset;
            fixed (byte* s = src)
            {
                while (pos < end)
                {
                    ulong inPage = pos & (PageSize - 1);
                    ulong chunk = PageSize - inPage;
                    if (chunk > end - pos)
                        chunk = end - pos;
                    ulong phys = PhysicalPage(pos >> PageShift, true);
                    if (phys == 0)
                        break;
                    Copy(Fs!.PageAddress(phys) + inPage, s + (pos - offset), chunk);
                    pos += chunk;
                }
            }
            if (pos == offset)
                return -Errno.ENOSPC;
            if (pos > Size)
                Size = pos;
            TouchModified();
            return (long)(pos - offset);
        }

        public override int Truncate(ulong size)
        {
            if (size > MaxSize)
                return -Errno.EFBIG;
            if (size < Size)
            {
                FreeFrom((size + PageSize - 1) >> PageShift);
                ZeroTail(size);
            }
            else if (size > Size)
                ZeroTail(Size);
            Size = size;
            TouchModified();
            return 0;
        }

        // Zeroes the rest of the page holding byte `from` (bytes past the end of file must read as zeros
        // once the file grows again, even if a mapping wrote there).
        private void ZeroTail(ulong from)
        {
            ulong inPage = from & (PageSize - 1);
            if (inPage == 0)
                return;
            ulong phys = PhysicalPage(from >> PageShift, false);
            if (phys != 0)
                Zero(Fs!.PageAddress(phys) + inPage, PageSize - inPage);
        }

        protected override void FreeStorage() => FreeFrom(0);

        // Frees every data page with index >= first, and tables left empty.
        private void FreeFrom(ulong first)
        {
            if (_table == 0)
                return;
            if (FreeSubtree(_table, _levels, 0, first))
            {
                Fs!.FreePage(_table);
                _table = 0;
                _levels = 0;
            }
        }

        // Returns true when the table is left empty (the caller frees it).
        private bool FreeSubtree(ulong table, int level, ulong firstIndex, ulong first)
        {
            ulong* t = Table(table);
            ulong span = 1UL << (IndexBits * (level - 1));
            bool empty = true;
            for (ulong slot = 0; slot < 512; slot++)
            {
                if (t[slot] == 0)
                    continue;
                ulong lo = firstIndex + slot * span;
                if (lo + span <= first)
                {
                    empty = false;
                    continue;
                }
                if (level == 1)
                {
                    Fs!.FreePage(t[slot]);
                    t[slot] = 0;
                    _dataPages--;
                }
                else if (FreeSubtree(t[slot], level - 1, lo, first))
                {
                    Fs!.FreePage(t[slot]);
                    t[slot] = 0;
                }
                else
                    empty = false;
            }
            return empty;
        }

        private static void Zero(byte* p, ulong n)
        {
            while (n > 0 && ((ulong)p & 7) != 0)
            {
                *p++ = 0;
                n--;
            }
            while (n >= 8)
            {
                *(ulong*)p = 0;
                p += 8;
                n -= 8;
            }
            while (n-- > 0)
                *p++ = 0;
        }

        internal static void Copy(byte* dst, byte* src, ulong n)
        {
            while (n >= 8)
            {
                *(ulong*)dst = *(ulong*)src;
                dst += 8;
                src += 8;
                n -= 8;
            }
            while (n-- > 0)
                *dst++ = *src++;
        }
    }
}
