using Kernel.Arch;
using Kernel.Logic;

namespace Kernel.Memory
{
    /// <summary>
    /// A process's lower-half address space: 4 KiB pages in a four-level TTBR0 table tagged with an
    /// ASID, the list of mapped ranges, demand paging and copy-on-write. Anonymous pages carry a
    /// reference count (<see cref="PageRefs"/>) shared by every address space that maps them;
    /// pages that belong to someone else (file pages mapped read-only, the zero page) are marked
    /// with a software bit and never freed here. Shared anonymous mappings are populated when made,
    /// so a fork shares the very pages.
    /// </summary>
    public sealed unsafe class AddressSpace
    {
        public const ulong UserTop = 1UL << 47;
        /// <summary>
        /// vm.mmap_min_addr as Debian's arm64 kernel enforces it for users without CAP_SYS_RAWIO
        /// (CONFIG_DEFAULT_MMAP_MIN_ADDR=4096): nothing of theirs is mapped below it.
        /// </summary>
        public const ulong MmapMinAddr = 4096;
        public const ulong MmapTop = 0x0000_7F00_0000_0000UL;
        public const ulong StackTop = 0x0000_7FFF_FFFF_F000UL;

        /// <summary>membarrier's registrations for this memory (the REGISTER_* commands' bits): a new program starts with none.</summary>
        public int MembarrierRegistrations;
        public const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;

        private const ulong Valid = 1, Table = 2, Page = 2;
        private const ulong AttrNormal = 1UL << 2, ApUser = 1UL << 6, ApReadOnly = 1UL << 7, ShareInner = 3UL << 8;
        private const ulong AccessFlag = 1UL << 10, NotGlobal = 1UL << 11, Pxn = 1UL << 53, Uxn = 1UL << 54;
        private const ulong SwForeign = 1UL << 55;   // page not owned by this mapping (file page, zero page)
        private const ulong SwShared = 1UL << 56;    // page of a shared mapping: fork shares it writable
        private const ulong AddressMask = 0x0000_FFFF_FFFF_F000UL;
        private const ulong PageSize = PageAllocator.PageSize;

        private static ulong s_zeroPage;
        private static ulong s_asidBitmap0, s_asidBitmap1, s_asidBitmap2, s_asidBitmap3;

        private ulong _root;
        private readonly ulong _asid;
        public Vma? Areas;
        public ulong BrkStart, Brk;
        public ulong TablePages;
        public ulong ResidentPages;

        public ulong Ttbr0 => _root | (_asid << 48);

        private AddressSpace(ulong root, ulong asid)
        {
            _root = root;
            _asid = asid;
            TablePages = 1;
        }

        public static AddressSpace? Create()
        {
            if (s_zeroPage == 0)
            {
                s_zeroPage = MemoryManager.Pages.AllocatePage();
                Cpu.ZeroPages((void*)MemoryManager.PhysicalToVirtual(s_zeroPage), PageSize);
            }
            ulong root = NewTable();
            if (root == 0)
                return null;
            return new AddressSpace(root, AllocateAsid());
        }

        // ---- ASIDs: 1..255 tagged; 0 when all are taken (such spaces flush on every switch). ----

        private static ulong AllocateAsid()
        {
            for (int word = 0; word < 4; word++)
            {
                ulong bits = word switch { 0 => s_asidBitmap0 | 1, 1 => s_asidBitmap1, 2 => s_asidBitmap2, _ => s_asidBitmap3 };
                if (bits == ulong.MaxValue)
                    continue;
                int bit = 0;
                while ((bits & (1UL << bit)) != 0)
                    bit++;
                SetAsidBit(word, bit, true);
                return (ulong)(word * 64 + bit);
            }
            return 0;
        }

        private static void SetAsidBit(int word, int bit, bool value)
        {
            ulong mask = 1UL << bit;
            switch (word)
            {
                case 0: s_asidBitmap0 = value ? s_asidBitmap0 | mask : s_asidBitmap0 & ~mask; break;
                case 1: s_asidBitmap1 = value ? s_asidBitmap1 | mask : s_asidBitmap1 & ~mask; break;
                case 2: s_asidBitmap2 = value ? s_asidBitmap2 | mask : s_asidBitmap2 & ~mask; break;
                default: s_asidBitmap3 = value ? s_asidBitmap3 | mask : s_asidBitmap3 & ~mask; break;
            }
        }

        /// <summary>Makes this the current user address space.</summary>
        public void Activate()
        {
            Cpu.SetUserTables(Ttbr0);
            if (_asid == 0)
                Cpu.InvalidateTlbAsid(0);
        }

        private void FlushPage(ulong va) => Cpu.InvalidateTlbUserPage(va, _asid);
        private void FlushAll() => Cpu.InvalidateTlbAsid(_asid);

        // ---- Tables ----

        private static ulong NewTable()
        {
            ulong phys = MemoryManager.Pages.AllocateUserPage();
            if (phys != 0)
                Cpu.ZeroPages((void*)MemoryManager.PhysicalToVirtual(phys), PageSize);
            return phys;
        }

        private static ulong* TableAt(ulong phys) => (ulong*)MemoryManager.PhysicalToVirtual(phys);

        /// <summary>The level-3 entry for <paramref name="va"/>, creating tables when asked; null if absent.</summary>
        private ulong* Entry(ulong va, bool create)
        {
            ulong table = _root;
            for (int level = 0; level < 3; level++)
            {
                ulong* t = TableAt(table);
                int index = (int)((va >> (39 - 9 * level)) & 511);
                ulong d = t[index];
                if ((d & Valid) == 0)
                {
                    if (!create)
                        return null;
                    ulong next = NewTable();
                    if (next == 0)
                        return null;
                    TablePages++;
                    t[index] = next | Valid | Table;
                    d = t[index];
                }
                table = d & AddressMask;
            }
            return TableAt(table) + ((va >> 12) & 511);
        }

        private static ulong Descriptor(ulong pa, int prot, bool writable)
        {
            ulong d = pa | Valid | Page | AttrNormal | ShareInner | AccessFlag | NotGlobal | Pxn;
            if ((prot & (ProtRead | ProtWrite | ProtExec)) != 0)
                d |= ApUser; // PROT_NONE: the page stays, EL0 may not touch it
            if (!writable)
                d |= ApReadOnly;
            if ((prot & ProtExec) == 0)
                d |= Uxn;
            return d;
        }

        private static bool IsWritable(ulong d) => (d & ApReadOnly) == 0;

        // ---- Areas ----

        public ulong MappedBytes
        {
            get
            {
                ulong total = 0;
                for (Vma? v = Areas; v != null; v = v.Next)
                    total += v.End - v.Start;
                return total;
            }
        }

        public Vma? FindArea(ulong va)
        {
            for (Vma? v = Areas; v != null && v.Start <= va; v = v.Next)
                if (va < v.End)
                    return v;
            return null;
        }

        private void Insert(Vma area)
        {
            if (Areas == null || area.Start < Areas.Start)
            {
                area.Next = Areas;
                Areas = area;
                return;
            }
            Vma v = Areas;
            while (v.Next != null && v.Next.Start < area.Start)
                v = v.Next;
            area.Next = v.Next;
            v.Next = area;
        }

        /// <summary>Whether [start, end) overlaps no area.</summary>
        public bool IsFree(ulong start, ulong end)
        {
            for (Vma? v = Areas; v != null && v.Start < end; v = v.Next)
                if (v.End > start)
                    return false;
            return true;
        }

        /// <summary>A free range of <paramref name="length"/> bytes, searched downwards from the mmap top; 0 if none.</summary>
        public ulong FindFree(ulong length)
        {
            ulong top = MmapTop;
            while (top >= length + 0x10000)
            {
                ulong start = top - length;
                Vma? blocker = null;
                for (Vma? v = Areas; v != null && v.Start < top; v = v.Next)
                    if (v.End > start)
                        blocker = v; // the highest overlapping area
                if (blocker == null)
                    return start;
                top = blocker.Start;
            }
            return 0;
        }

        /// <summary>Adds a mapping; the range must be free (callers unmap first for MAP_FIXED).</summary>
        public int Map(ulong start, ulong length, int prot, bool shared, PageSource? file, ulong fileOffset, ulong fileBytes, bool busBeyondEof = false)
        {
            if (length == 0 || (start & (PageSize - 1)) != 0 || start + length > UserTop || start + length < start)
                return -Errno.EINVAL;
            ulong end = start + ((length + PageSize - 1) & ~(PageSize - 1));
            if (!IsFree(start, end))
                return -Errno.EEXIST;
            file?.Hold();
            var area = new Vma { Start = start, End = end, Prot = prot, Shared = shared, File = file, FileOffset = fileOffset, FileBytes = fileBytes, BusBeyondEof = busBeyondEof };
            Insert(area);
            if (shared && file == null)
            {
                // Shared anonymous memory exists from the start, so forks share the same pages.
                for (ulong va = start; va < end; va += PageSize)
                    if (Populate(area, va, (prot & ProtWrite) != 0) < 0)
                        return -Errno.ENOMEM;
            }
            return 0;
        }

        /// <summary>Removes every mapping in [start, end), splitting areas at the edges.</summary>
        public int Unmap(ulong start, ulong end)
        {
            SplitAt(start);
            SplitAt(end);
            Vma? previous = null;
            Vma? v = Areas;
            while (v != null)
            {
                Vma? next = v.Next;
                if (v.Start >= start && v.End <= end)
                {
                    if (previous == null) Areas = next; else previous.Next = next;
                    ReleasePages(v.Start, v.End);
                    v.File?.Drop();
                    Owned.Free(v);
                }
                else
                {
                    previous = v;
                }
                v = next;
            }
            return 0;
        }

        /// <summary>Changes protection of [start, end); -ENOMEM when part of it is unmapped (as Linux).</summary>
        public int Protect(ulong start, ulong end, int prot)
        {
            for (ulong a = start; a < end;)
            {
                Vma? v = FindArea(a);
                if (v == null)
                    return -Errno.ENOMEM;
                a = v.End;
            }
            SplitAt(start);
            SplitAt(end);
            for (Vma? v = Areas; v != null && v.Start < end; v = v.Next)
            {
                if (v.End <= start)
                    continue;
                v.Prot = prot;
                for (ulong va = v.Start; va < v.End; va += PageSize)
                {
                    ulong* e = Entry(va, false);
                    if (e == null)
                    {
                        va = (va | (0x200000 - 1));
                        va -= PageSize - 1;
                        continue;
                    }
                    ulong d = *e;
                    if ((d & Valid) == 0)
                        continue;
                    // Writable only when the page is this mapping's alone; others stay copy-on-write.
                    bool writable = (prot & ProtWrite) != 0 && (d & SwForeign) == 0
                        && ((d & SwShared) != 0 || PageRefs.Get(d & AddressMask) == 1);
                    *e = Descriptor(d & AddressMask, prot, writable) | (d & (SwForeign | SwShared));
                    FlushPage(va);
                }
            }
            Merge();
            return 0;
        }

        /// <summary>Grows <paramref name="area"/> (ending at <paramref name="from"/>) up to <paramref name="to"/>.</summary>
        public int Extend(Vma area, ulong from, ulong to)
        {
            if (area.End != from || (area.Shared && area.File == null))
                return -Errno.ENOMEM;
            area.End = to;
            return 0;
        }

        /// <summary>mremap's move: the pages of [old, old+oldSize) go to <paramref name="target"/>, the area grows to newSize.</summary>
        public int Move(ulong old, ulong oldSize, ulong target, ulong newSize)
        {
            SplitAt(old);
            SplitAt(old + oldSize);
            Vma? area = FindArea(old);
            if (area == null || area.Start != old || area.End != old + oldSize)
                return -Errno.EFAULT;
            if (area.Shared && area.File == null && newSize > oldSize)
                return -Errno.ENOMEM;
            // Unlink the area, move its translations, relink it at the new place.
            if (Areas == area)
                Areas = area.Next;
            else
                for (Vma? v = Areas; v != null; v = v.Next)
                    if (v.Next == area) { v.Next = area.Next; break; }
            area.Next = null;
            for (ulong offset = 0; offset < oldSize; offset += PageSize)
            {
                ulong* from = Entry(old + offset, false);
                if (from == null || (*from & Valid) == 0)
                    continue;
                ulong d = *from;
                *from = 0;
                FlushPage(old + offset);
                ulong* to = Entry(target + offset, true);
                if (to == null)
                {
                    DropPage(d);
                    continue;
                }
                *to = d;
            }
            area.Start = target;
            area.End = target + newSize;
            Insert(area);
            return 0;
        }

        /// <summary>
        /// msync: with <paramref name="write"/>, each shared file mapping in [start, end) has its file
        /// write back what mappings stored (and wait for the disk). -ENOMEM when part of the range is
        /// unmapped (after the mapped parts, as Linux), else the first error, or 0.
        /// </summary>
        public int SyncFiles(ulong start, ulong end, bool write)
        {
            int rc = 0;
            ulong covered = start;
            for (Vma? v = Areas; v != null && v.Start < end; v = v.Next)
            {
                if (v.End <= start)
                    continue;
                if (v.Start > covered)
                    rc = rc < 0 ? rc : -Errno.ENOMEM;
                covered = v.End;
                if (write && v.Shared && v.File != null)
                {
                    int r = v.File.Sync();
                    if (r < 0 && rc == 0)
                        rc = r;
                }
            }
            return covered < end && rc == 0 ? -Errno.ENOMEM : rc;
        }

        /// <summary>MADV_DONTNEED: private pages in [start, end) are dropped (they read as zeros or file data again).</summary>
        public void Discard(ulong start, ulong end)
        {
            for (Vma? v = Areas; v != null && v.Start < end; v = v.Next)
            {
                if (v.End <= start || v.Shared)
                    continue;
                ReleasePages(v.Start > start ? v.Start : start, v.End < end ? v.End : end);
            }
        }

        private void SplitAt(ulong address)
        {
            Vma? v = FindArea(address);
            if (v == null || v.Start == address)
                return;
            Vma upper = v.Clone();
            upper.Start = address;
            ulong delta = address - v.Start;
            upper.FileOffset = v.FileOffset + delta;
            upper.FileBytes = v.FileBytes > delta ? v.FileBytes - delta : 0;
            v.End = address;
            if (v.FileBytes > delta)
                v.FileBytes = delta;
            upper.Next = v.Next;
            v.Next = upper;
        }

        /// <summary>Joins neighbouring anonymous private areas with the same protection.</summary>
        private void Merge()
        {
            Vma? v = Areas;
            while (v != null && v.Next != null)
            {
                Vma n = v.Next;
                if (v.End == n.Start && v.File == null && n.File == null && v.Prot == n.Prot && v.Shared == n.Shared)
                {
                    v.End = n.End;
                    v.Next = n.Next;
                    Owned.Free(n);
                }
                else
                {
                    v = n;
                }
            }
        }

        private void ReleasePages(ulong start, ulong end)
        {
            for (ulong va = start; va < end; va += PageSize)
            {
                ulong* e = Entry(va, false);
                if (e == null)
                {
                    ulong next = (va + 0x200000) & ~(0x200000UL - 1);
                    va = next - PageSize;
                    continue;
                }
                ulong d = *e;
                if ((d & Valid) == 0)
                    continue;
                *e = 0;
                FlushPage(va);
                DropPage(d);
            }
        }

        private void DropPage(ulong d)
        {
            if ((d & SwForeign) != 0)
                return;
            ResidentPages--;
            PageRefs.Release(d & AddressMask);
        }

        // ---- Faults ----

        /// <summary>
        /// Resolves a fault at <paramref name="va"/> (demand paging or copy-on-write). Returns 0 when the
        /// access may be retried, -EFAULT when it is a genuine violation (SIGSEGV), -ENOMEM when out of memory.
        /// </summary>
        public int HandleFault(ulong va, bool write, bool execute)
        {
            Vma? v = FindArea(va);
            if (v == null)
                return -Errno.EFAULT;
            if ((write && (v.Prot & ProtWrite) == 0) || (execute && (v.Prot & ProtExec) == 0) || (!write && !execute && (v.Prot & (ProtRead | ProtWrite | ProtExec)) == 0))
                return -Errno.EFAULT;
            va &= ~(PageSize - 1);
            if (v.BusBeyondEof && va - v.Start >= ((v.FileBytes + PageSize - 1) & ~(PageSize - 1)))
                return -Errno.EIO; // SIGBUS: no file data behind this page
            ulong* e = Entry(va, false);
            if (e != null && (*e & Valid) != 0)
            {
                ulong d = *e;
                if (!write || IsWritable(d))
                    return 0; // already resolved (e.g. by another path)
                if (v.Shared && (d & SwShared) != 0)
                    return WriteShared(v, va, e, d);
                return CopyOnWrite(v, va, e, d);
            }
            int rc = Populate(v, va, write);
            if (rc == 0 && !write && v.File != null)
                MapAround(v, va);
            return rc;
        }

        /// <summary>Pages fault-around maps: a 64 KiB window, as Linux's fault_around_bytes.</summary>
        private const ulong FaultAroundWindow = 16 * PageSize;

        /// <summary>
        /// Fault-around: after a read or execute fault in a file mapping, the file's other whole pages in
        /// the same 64 KiB window are mapped too, read-only (a write still faults: copy-on-write, or the
        /// shared page made writable), so a program's start takes one fault per 16 pages of its files
        /// instead of one per page. Pages the file cannot give are left to their own faults.
        /// </summary>
        private void MapAround(Vma v, ulong va)
        {
            ulong from = va & ~(FaultAroundWindow - 1), to = from + FaultAroundWindow;
            if (from < v.Start)
                from = v.Start;
            if (to > v.End)
                to = v.End;
            for (ulong a = from; a < to; a += PageSize)
            {
                ulong offsetInArea = a - v.Start;
                if (offsetInArea + PageSize > v.FileBytes)
                    return; // only whole pages of file data: the rest is zeros or SIGBUS, decided at its fault
                ulong filePage = v.FileOffset + offsetInArea;
                if ((filePage & (PageSize - 1)) != 0)
                    return;
                ulong* e = Entry(a, false);
                if (a == va || e == null || (*e & Valid) != 0)
                    continue;
                ulong source = v.File!.PageAt(filePage >> 12);
                if (source == 0)
                    return;
                *e = Descriptor(source, v.Prot, false) | SwForeign | (v.Shared ? SwShared : 0);
            }
        }

        /// <summary>
        /// A write to a shared mapping's page mapped read-only (PROT_WRITE added by mprotect): the page
        /// itself becomes writable, never a copy, and a file's page is then one its stores belong to.
        /// </summary>
        private int WriteShared(Vma v, ulong va, ulong* e, ulong d)
        {
            if (v.File != null && (d & SwForeign) != 0)
                v.File.MappedWritable((v.FileOffset + (va - v.Start)) >> 12);
            *e = Descriptor(d & AddressMask, v.Prot, true) | (d & (SwForeign | SwShared));
            FlushPage(va);
            return 0;
        }

        private int CopyOnWrite(Vma v, ulong va, ulong* e, ulong d)
        {
            ulong old = d & AddressMask;
            if ((d & SwForeign) == 0 && PageRefs.Get(old) == 1)
            {
                *e = Descriptor(old, v.Prot, true) | (d & SwShared);
                FlushPage(va);
                return 0;
            }
            ulong fresh = MemoryManager.Pages.AllocateUserPage();
            if (fresh == 0)
                return -Errno.ENOMEM;
            PageRefs.Set(fresh, 1);
            CopyPage(fresh, old);
            *e = Descriptor(fresh, v.Prot, true) | (d & SwShared);
            FlushPage(va);
            if ((d & SwForeign) == 0)
                PageRefs.Release(old);
            ResidentPages++;
            return 0;
        }

        private static void CopyPage(ulong to, ulong from)
        {
            ulong* dst = (ulong*)MemoryManager.PhysicalToVirtual(to);
            ulong* src = (ulong*)MemoryManager.PhysicalToVirtual(from);
            for (int i = 0; i < 512; i += 4)
            {
                dst[i] = src[i];
                dst[i + 1] = src[i + 1];
                dst[i + 2] = src[i + 2];
                dst[i + 3] = src[i + 3];
            }
        }

        private int Populate(Vma v, ulong va, bool write)
        {
            ulong* e = Entry(va, true);
            if (e == null)
                return -Errno.ENOMEM;
            ulong offsetInArea = va - v.Start;
            if (v.File != null && offsetInArea < v.FileBytes)
            {
                ulong filePage = v.FileOffset + offsetInArea;
                bool aligned = (filePage & (PageSize - 1)) == 0;
                bool whole = aligned && offsetInArea + PageSize <= v.FileBytes;
                ulong source = v.File.PageAt(filePage >> 12);
                // A shared mapping maps the file's own page even when the file ends inside it (what lies
                // past the end reads as the page holds it, zeros for tmpfs): a copy would share nothing.
                if (source != 0 && (whole || (aligned && v.Shared)) && (!write || v.Shared))
                {
                    // Map the file's own page: read-only for private mappings (copied on the first write).
                    bool writable = v.Shared && (v.Prot & ProtWrite) != 0;
                    if (writable)
                        v.File.MappedWritable(filePage >> 12);
                    *e = Descriptor(source, v.Prot, writable) | SwForeign | (v.Shared ? SwShared : 0);
                    return 0;
                }
                ulong fresh = MemoryManager.Pages.AllocateUserPage();
                if (fresh == 0)
                    return -Errno.ENOMEM;
                PageRefs.Set(fresh, 1);
                byte* dst = (byte*)MemoryManager.PhysicalToVirtual(fresh);
                Cpu.ZeroPages(dst, PageSize);
                ulong count = v.FileBytes - offsetInArea;
                if (count > PageSize)
                    count = PageSize;
                // The file data may straddle two file pages when the offset is not page aligned.
                for (ulong done = 0; done < count;)
                {
                    ulong off = filePage + done;
                    ulong inPage = off & (PageSize - 1);
                    ulong chunk = PageSize - inPage;
                    if (chunk > count - done)
                        chunk = count - done;
                    ulong src = v.File.PageAt(off >> 12);
                    if (src == 0 && off < v.File.Size)
                    {
                        // The file's page could not be had: fail the fault rather than show zeros.
                        PageRefs.Release(fresh);
                        return -Errno.ENOMEM;
                    }
                    if (src != 0)
                    {
                        byte* s = (byte*)MemoryManager.PhysicalToVirtual(src) + inPage;
                        for (ulong i = 0; i < chunk; i++)
                            dst[done + i] = s[i];
                    }
                    done += chunk;
                }
                *e = Descriptor(fresh, v.Prot, (v.Prot & ProtWrite) != 0);
                ResidentPages++;
                return 0;
            }
            if (!write && !v.Shared)
            {
                *e = Descriptor(s_zeroPage, v.Prot, false) | SwForeign;
                return 0;
            }
            ulong page = MemoryManager.Pages.AllocateUserPage();
            if (page == 0)
                return -Errno.ENOMEM;
            PageRefs.Set(page, 1);
            Cpu.ZeroPages((void*)MemoryManager.PhysicalToVirtual(page), PageSize);
            *e = Descriptor(page, v.Prot, (v.Prot & ProtWrite) != 0) | (v.Shared ? SwShared : 0);
            ResidentPages++;
            return 0;
        }

        /// <summary>
        /// The kernel address of user byte <paramref name="va"/> for an access of the given kind,
        /// resolving demand paging and copy-on-write as a user access would; 0 when the access is not allowed.
        /// </summary>
        public ulong KernelAddress(ulong va, bool write)
        {
            if (va >= UserTop)
                return 0;
            ulong* e = Entry(va, false);
            if (e == null || (*e & Valid) == 0 || (*e & ApUser) == 0 || (write && !IsWritable(*e)))
            {
                if (HandleFault(va, write, false) < 0)
                    return 0;
                e = Entry(va, false);
                if (e == null)
                    return 0;
            }
            return MemoryManager.PhysicalToVirtual(*e & AddressMask) + (va & (PageSize - 1));
        }

        // ---- Fork and teardown ----

        /// <summary>A copy of this address space: private pages become copy-on-write in both.</summary>
        public AddressSpace? Fork()
        {
            AddressSpace? child = Create();
            if (child == null)
                return null;
            Vma? last = null;
            for (Vma? v = Areas; v != null; v = v.Next)
            {
                Vma c = v.Clone();
                if (last == null) child.Areas = c; else last.Next = c;
                last = c;
            }
            child.BrkStart = BrkStart;
            child.Brk = Brk;
            if (CopyTable(TableAt(_root), TableAt(child._root), 0, child) < 0)
            {
                child.Destroy();
                return null;
            }
            child.ResidentPages = ResidentPages;
            FlushAll(); // the parent's private pages are read-only now
            return child;
        }

        private int CopyTable(ulong* src, ulong* dst, int level, AddressSpace child)
        {
            for (int i = 0; i < 512; i++)
            {
                ulong d = src[i];
                if ((d & Valid) == 0)
                    continue;
                if (level < 3)
                {
                    ulong table = NewTable();
                    if (table == 0)
                        return -Errno.ENOMEM;
                    child.TablePages++;
                    dst[i] = table | Valid | Table;
                    if (CopyTable(TableAt(d & AddressMask), TableAt(table), level + 1, child) < 0)
                        return -Errno.ENOMEM;
                    continue;
                }
                if ((d & SwForeign) == 0)
                    PageRefs.Acquire(d & AddressMask);
                if ((d & SwShared) == 0 && IsWritable(d))
                {
                    d |= ApReadOnly;
                    src[i] = d;
                }
                dst[i] = d;
            }
            return 0;
        }

        /// <summary>Frees every page, table, area and the ASID.</summary>
        public void Destroy()
        {
            FreeTable(_root, 0);
            _root = 0;
            Vma? v = Areas;
            while (v != null)
            {
                Vma? next = v.Next;
                v.File?.Drop();
                Owned.Free(v);
                v = next;
            }
            Areas = null;
            Cpu.InvalidateTlbAsid(_asid);
            if (_asid != 0)
                SetAsidBit((int)(_asid / 64), (int)(_asid % 64), false);
        }

        private static void FreeTable(ulong table, int level)
        {
            ulong* t = TableAt(table);
            for (int i = 0; i < 512; i++)
            {
                ulong d = t[i];
                if ((d & Valid) == 0)
                    continue;
                if (level < 3)
                    FreeTable(d & AddressMask, level + 1);
                else if ((d & SwForeign) == 0)
                    PageRefs.Release(d & AddressMask);
            }
            MemoryManager.Pages.FreePages(table, 1);
        }
    }
}
