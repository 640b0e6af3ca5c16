namespace Kernel.Logic
{
    /// <summary>
    /// AArch64 stage-1 translation tables for one half of the address space: 4 KiB granule, four
    /// levels, 48-bit virtual addresses (ARM ARM D8.3). Maps with 1 GiB and 2 MiB blocks where
    /// alignment allows, splits blocks when a part of one is changed, and reports every virtual page
    /// whose old translation must be invalidated through <c>invalidate</c> (the architecture layer
    /// issues the TLBI; tests record the calls). Table pages come from a <see cref="PageAllocator"/>
    /// and are reached through the linear map (virtual = physical + linearOffset).
    /// MAIR layout assumed: index 0 Device-nGnRE, index 1 Normal write-back.
    /// Changing part of a block goes through break-before-make: for a moment the whole block is
    /// unmapped, so never split a block that holds the running code, the current stack or the
    /// tables themselves.
    /// </summary>
    public sealed unsafe class PageTable
    {
        public const ulong Valid = 1UL << 0;
        public const ulong TableOrPage = 1UL << 1;
        public const ulong AttrDevice = 0UL << 2;
        public const ulong AttrNormal = 1UL << 2;
        public const ulong ApUser = 1UL << 6;
        public const ulong ApReadOnly = 1UL << 7;
        public const ulong ShareInner = 3UL << 8;
        public const ulong AccessFlag = 1UL << 10;
        public const ulong NotGlobal = 1UL << 11;
        public const ulong Pxn = 1UL << 53;
        public const ulong Uxn = 1UL << 54;
        public const ulong AddressMask = 0x0000_FFFF_FFFF_F000UL;
        private const ulong AttributeMask = ~AddressMask & ~3UL;

        private readonly PageAllocator _pages;
        /// <summary>Where table pages are visible: virtual = physical + LinearOffset (changes when the kernel switches to its own map).</summary>
        public ulong LinearOffset { get; set; }
        private readonly delegate*<ulong, void> _invalidate;

        /// <summary>Physical address of the level-0 table (the TTBR value).</summary>
        public ulong RootPhysical { get; }
        public ulong TablePages { get; private set; }

        public PageTable(PageAllocator pages, ulong linearOffset, delegate*<ulong, void> invalidate)
        {
            _pages = pages;
            LinearOffset = linearOffset;
            _invalidate = invalidate;
            RootPhysical = NewTable();
            if (RootPhysical == 0)
                Fatal.Panic("page table: no memory for the root");
        }

        private ulong NewTable()
        {
            ulong phys = _pages.AllocatePage();
            if (phys == 0)
                return 0;
            ulong* t = (ulong*)(phys + LinearOffset);
            for (int i = 0; i < 512; i++)
                t[i] = 0;
            TablePages++;
            return phys;
        }

        private ulong* Table(ulong phys) => (ulong*)(phys + LinearOffset);

        private static int IndexAt(ulong va, int level) => (int)((va >> (39 - 9 * level)) & 511);
        private static ulong LevelSize(int level) => 1UL << (39 - 9 * level);

        /// <summary>The descriptor attribute bits for <paramref name="flags"/> (block/page type bits excluded).</summary>
        public static ulong Attributes(PageFlags flags)
        {
            ulong a = AccessFlag;
            a |= (flags & PageFlags.Device) != 0 ? AttrDevice : AttrNormal | ShareInner;
            if ((flags & PageFlags.Write) == 0) a |= ApReadOnly;
            if ((flags & PageFlags.User) != 0) a |= ApUser | NotGlobal; else a |= Uxn;
            if ((flags & PageFlags.Execute) == 0 || (flags & PageFlags.Device) != 0) a |= Pxn | Uxn;
            return a;
        }

        /// <summary>The flags a descriptor's attributes stand for.</summary>
        public static PageFlags FlagsOf(ulong descriptor)
        {
            PageFlags f = PageFlags.Read;
            if ((descriptor & ApReadOnly) == 0) f |= PageFlags.Write;
            if ((descriptor & (7UL << 2)) == AttrDevice) f |= PageFlags.Device;
            if ((descriptor & Pxn) == 0) f |= PageFlags.Execute;
            if ((descriptor & ApUser) != 0) f |= PageFlags.User;
            return f;
        }

        /// <summary>
        /// Maps [va, va+size) to [pa, pa+size). All three must be page aligned. Existing translations in
        /// the range are replaced (break-before-make, with invalidation). Returns 0 or -errno.
        /// </summary>
        public int Map(ulong va, ulong pa, ulong size, PageFlags flags, bool allowBlocks = true)
        {
            if (((va | pa | size) & (PageAllocator.PageSize - 1)) != 0 || size == 0)
                return -Errno.EINVAL;
            ulong attributes = Attributes(flags);
            while (size != 0)
            {
                int level = 3;
                if (allowBlocks)
                {
                    for (int l = 1; l <= 2; l++)
                    {
                        ulong s = LevelSize(l);
                        if (((va | pa) & (s - 1)) == 0 && size >= s) { level = l; break; }
                    }
                }
                int r = SetEntry(va, level, (pa & AddressMask) | attributes | (level == 3 ? Valid | TableOrPage : Valid));
                if (r < 0)
                    return r;
                ulong step = LevelSize(level);
                va += step;
                pa += step;
                size -= step;
            }
            return 0;
        }

        /// <summary>Removes translations for [va, va+size); unmapped holes are fine.</summary>
        public int Unmap(ulong va, ulong size)
        {
            if (((va | size) & (PageAllocator.PageSize - 1)) != 0)
                return -Errno.EINVAL;
            ulong end = va + size;
            while (va < end)
            {
                ulong* slot = Walk(va, out int level);
                ulong step = LevelSize(level);
                if (slot == null || (*slot & Valid) == 0)
                {
                    va = (va & ~(step - 1)) + step; // nothing mapped at this level
                    continue;
                }
                if ((va & (step - 1)) != 0 || end - va < step)
                {
                    // Part of a block: split it into the next level and retry.
                    int r = Split(slot, level, va);
                    if (r < 0) return r;
                    continue;
                }
                *slot = 0;
                InvalidateRange(va, step);
                va += step;
            }
            return 0;
        }

        /// <summary>Changes the permissions of mapped pages in [va, va+size); -EFAULT if a page is unmapped.</summary>
        public int Protect(ulong va, ulong size, PageFlags flags)
        {
            if (((va | size) & (PageAllocator.PageSize - 1)) != 0)
                return -Errno.EINVAL;
            ulong attributes = Attributes(flags);
            ulong end = va + size;
            while (va < end)
            {
                ulong* slot = Walk(va, out int level);
                if (slot == null || (*slot & Valid) == 0)
                    return -Errno.EFAULT;
                ulong step = LevelSize(level);
                if ((va & (step - 1)) != 0 || end - va < step)
                {
                    int r = Split(slot, level, va);
                    if (r < 0) return r;
                    continue;
                }
                ulong old = *slot;
                ulong updated = (old & (AddressMask | 3UL)) | attributes;
                *slot = 0; // break before make
                InvalidateRange(va, step);
                *slot = updated;
                va += step;
            }
            return 0;
        }

        /// <summary>Translates a virtual address; returns false when it is not mapped.</summary>
        public bool Translate(ulong va, out ulong pa, out PageFlags flags)
        {
            pa = 0;
            flags = 0;
            ulong* slot = Walk(va, out int level);
            if (slot == null || (*slot & Valid) == 0)
                return false;
            ulong step = LevelSize(level);
            pa = (*slot & AddressMask & ~(step - 1)) | (va & (step - 1));
            flags = FlagsOf(*slot);
            return true;
        }

        /// <summary>The level of the leaf that maps <paramref name="va"/> (1 = 1 GiB block, 2 = 2 MiB, 3 = page), or -1.</summary>
        public int LeafLevel(ulong va)
        {
            ulong* slot = Walk(va, out int level);
            return slot == null || (*slot & Valid) == 0 ? -1 : level;
        }

        // Walks towards va and returns the slot where the walk stops: a block or page descriptor, or
        // an invalid slot (level tells which level it is at).
        private ulong* Walk(ulong va, out int level)
        {
            ulong table = RootPhysical;
            for (level = 0; level <= 3; level++)
            {
                ulong* slot = Table(table) + IndexAt(va, level);
                ulong d = *slot;
                if (level == 3 || (d & Valid) == 0 || (d & TableOrPage) == 0)
                    return slot;
                table = d & AddressMask;
            }
            level = 3;
            return null;
        }

        private int SetEntry(ulong va, int targetLevel, ulong descriptor)
        {
            ulong table = RootPhysical;
            for (int level = 0; level < targetLevel; level++)
            {
                ulong* slot = Table(table) + IndexAt(va, level);
                ulong d = *slot;
                if ((d & Valid) == 0)
                {
                    ulong next = NewTable();
                    if (next == 0) return -Errno.ENOMEM;
                    *slot = next | Valid | TableOrPage;
                    table = next;
                }
                else if ((d & TableOrPage) == 0)
                {
                    int r = Split(slot, level, va);
                    if (r < 0) return r;
                    table = *slot & AddressMask;
                }
                else
                {
                    table = d & AddressMask;
                }
            }
            ulong* target = Table(table) + IndexAt(va, targetLevel);
            ulong old = *target;
            if ((old & Valid) != 0)
            {
                if (targetLevel < 3 && (old & TableOrPage) != 0)
                    FreeSubtree(old & AddressMask, targetLevel + 1);
                *target = 0;
                InvalidateRange(va, LevelSize(targetLevel));
            }
            *target = descriptor;
            return 0;
        }

        // Replaces a block descriptor by a table of next-level entries with the same translation.
        private int Split(ulong* slot, int level, ulong va)
        {
            if (level >= 3)
                return -Errno.EINVAL;
            ulong block = *slot;
            ulong next = NewTable();
            if (next == 0)
                return -Errno.ENOMEM;
            ulong childSize = LevelSize(level + 1);
            ulong basePa = block & AddressMask & ~(LevelSize(level) - 1);
            ulong attributes = block & AttributeMask;
            ulong type = level + 1 == 3 ? Valid | TableOrPage : Valid;
            ulong* t = Table(next);
            for (int i = 0; i < 512; i++)
                t[i] = (basePa + (ulong)i * childSize) | attributes | type;
            ulong blockVa = va & ~(LevelSize(level) - 1);
            *slot = 0; // break before make
            InvalidateRange(blockVa, LevelSize(level));
            *slot = next | Valid | TableOrPage;
            return 0;
        }

        private void FreeSubtree(ulong tablePhys, int level)
        {
            ulong* t = Table(tablePhys);
            if (level < 3)
                for (int i = 0; i < 512; i++)
                    if ((t[i] & (Valid | TableOrPage)) == (Valid | TableOrPage))
                        FreeSubtree(t[i] & AddressMask, level + 1);
            _pages.FreePages(tablePhys, 1);
            TablePages--;
        }

        private void InvalidateRange(ulong va, ulong size)
        {
            if (_invalidate == null)
                return;
            // Large ranges: one call with the block's base; the architecture layer invalidates by VA
            // for pages and everything for blocks.
            _invalidate(va);
        }
    }
}
