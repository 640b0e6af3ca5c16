namespace Kernel.Logic.Fs
{
    /// <summary>
    /// One file system instance (a superblock): its root, device number, inode numbers, clock and,
    /// for tmpfs, the physical pages file data lives in. Path operations that cross file systems are
    /// in <see cref="Vfs"/>.
    /// </summary>
    public sealed unsafe class FileSystem
    {
        private Inode? _root;
        private ulong _nextIno = 1;
        private ulong _liveInodes;
        private ulong _pagesInUse;
        private delegate*<void*, ulong, void> _clear;

        /// <summary>A file system whose root the caller sets with <see cref="SetRoot"/> (for /proc, /dev and the like).</summary>
        public FileSystem(ulong dev)
        {
            Dev = dev;
        }

        private FileSystem(ulong dev, PageAllocator pages, ulong linearOffset, delegate*<void*, ulong, void> clear)
        {
            Dev = dev;
            Pages = pages;
            LinearOffset = linearOffset;
            _clear = clear;
        }

        /// <summary>
        /// A tmpfs: an empty root directory (mode 0755, ino 1); file data in whole pages from
        /// <paramref name="pages"/>, seen at physical + <paramref name="linearOffset"/>.
        /// <paramref name="clear"/> zeroes memory fast (the kernel passes a DC ZVA loop); null means a plain loop.
        /// </summary>
        public static FileSystem CreateTmpfs(PageAllocator pages, ulong linearOffset, ulong dev, delegate*<void*, ulong, void> clear = null)
        {
            var fs = new FileSystem(dev, pages, linearOffset, clear);
            var root = new TmpDirectory(null);
            fs.InitInode(root, InodeMode.S_IFDIR | 0x1ED, 0, 0);
            root.Nlink = 2;
            fs.SetRoot(root);
            return fs;
        }

        /// <summary>st_dev of every inode here (<see cref="DeviceNumber"/> encoding).</summary>
        public ulong Dev { get; }

        public Inode Root => _root!;

        /// <summary>Mounted read-only: the system calls refuse every change with EROFS.</summary>
        public bool ReadOnly { get; set; }

        /// <summary>
        /// The disk file system behind this instance (ext2/ext4), or null for tmpfs and the kernel's
        /// own file systems: sync, statfs, fsync and unmount go through it.
        /// </summary>
        public FileSystemOperations? Operations { get; set; }

        /// <summary>Sets the root and holds a reference to it for the life of the file system.</summary>
        public void SetRoot(Inode root)
        {
            root.Acquire();
            _root?.Release();
            _root = root;
        }

        // ---- time ----

        /// <summary>When set, the source of every timestamp (the kernel's realtime clock).</summary>
        public delegate*<Timespec> Clock;

        /// <summary>The time used when <see cref="Clock"/> is null; the kernel may update it from its tick.</summary>
        public Timespec CurrentTime;

        public Timespec Now() => Clock != null ? Clock() : CurrentTime;

        // ---- inodes ----

        public ulong AllocateIno() => _nextIno++;

        /// <summary>Inodes made by <see cref="InitInode"/> and not freed yet.</summary>
        public ulong LiveInodes => _liveInodes;

        /// <summary>Makes <paramref name="node"/> part of this file system: a new inode number, the mode and owner, all three times now, no links yet.</summary>
        public void InitInode(Inode node, uint mode, uint uid, uint gid)
        {
            node.Fs = this;
            node.Ino = AllocateIno();
            node.Mode = mode;
            node.Uid = uid;
            node.Gid = gid;
            Timespec now = Now();
            node.Atime = now;
            node.Mtime = now;
            node.Ctime = now;
            _liveInodes++;
        }

        internal void InodeFreed() => _liveInodes--;

        /// <summary>Counts an inode a disk file system built itself (it frees it through <see cref="Inode.FreeIfUnused"/> or evicts it with <see cref="InodeEvicted"/>).</summary>
        internal void InodeLoaded() => _liveInodes++;

        /// <summary>Counts an inode a disk file system dropped from its cache.</summary>
        internal void InodeEvicted() => _liveInodes--;

        // ---- pages (tmpfs data, a disk file system's page cache) ----

        public PageAllocator? Pages { get; private set; }

        /// <summary>
        /// Gives a disk file system (ext2/ext4) the memory of its page cache, as a tmpfs gets it at
        /// creation: pages from <paramref name="pages"/>, seen at physical + <paramref name="linearOffset"/>;
        /// <paramref name="clear"/> zeroes whole pages fast (null: a plain loop). Without it, a disk
        /// file's <see cref="Inode.PhysicalPage"/> answers 0. Only while no page is held.
        /// </summary>
        public void SetPageMemory(PageAllocator pages, ulong linearOffset, delegate*<void*, ulong, void> clear = null)
        {
            if (_pagesInUse != 0)
                Fatal.Panic("fs: changing the page memory while pages are in use");
            Pages = pages;
            LinearOffset = linearOffset;
            _clear = clear;
        }

        /// <summary>Virtual = physical + LinearOffset for file pages (the kernel changes it when it switches maps).</summary>
        public ulong LinearOffset { get; set; }

        /// <summary>Pages this file system holds: file data and the files' page-index tables.</summary>
        public ulong PagesInUse => _pagesInUse;

        /// <summary>
        /// Most pages this file system may hold (a tmpfs's size; 0: no limit). Past it, writes fail
        /// with ENOSPC instead of taking the memory every process and the kernel need.
        /// </summary>
        public ulong PageLimit { get; set; }

        internal byte* PageAddress(ulong phys) => (byte*)(phys + LinearOffset);

        /// <summary>True when <see cref="PageLimit"/> is reached.</summary>
        internal bool AtPageLimit => PageLimit != 0 && _pagesInUse >= PageLimit;

        /// <summary>A page with undefined contents, or 0 when memory or the size limit is exhausted (or there is no page memory).</summary>
        internal ulong AllocatePage()
        {
            if (Pages == null || AtPageLimit)
                return 0;
            ulong phys = Pages.AllocateUserPage();
            if (phys == 0)
                return 0;
            _pagesInUse++;
            return phys;
        }

        /// <summary>A zeroed page, or 0 when memory or the size limit is exhausted (or there is no page memory).</summary>
        internal ulong AllocateZeroedPage()
        {
            ulong phys = AllocatePage();
            if (phys == 0)
                return 0;
            byte* p = PageAddress(phys);
            if (_clear != null)
                _clear(p, PageAllocator.PageSize);
            else
                for (ulong* q = (ulong*)p, end = (ulong*)(p + PageAllocator.PageSize); q < end; q++)
                    *q = 0;
            return phys;
        }

        internal void FreePage(ulong phys)
        {
            if (Pages!.FreePages(phys, 1) < 0)
                Fatal.Panic("fs: freeing a page twice");
            _pagesInUse--;
        }
    }
}
