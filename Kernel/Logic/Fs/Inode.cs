using System;

namespace Kernel.Logic.Fs
{
    /// <summary>
    /// A file of any kind in any file system. The attributes are plain fields the owner keeps up to
    /// date; the operations are virtual so the kernel can subclass for /proc files and devices.
    /// Defaults: a non-directory refuses directory operations with -ENOTDIR; a directory that does
    /// not override them refuses changes with -EPERM (a read-only directory).
    ///
    /// Lifetime: names in directories are counted by <see cref="Nlink"/>, holders (open files,
    /// current directories, mounts, a subdirectory's link to its parent) by <see cref="Acquire"/>/
    /// <see cref="Release"/>. When both reach zero the inode frees its storage and itself.
    /// Inodes returned by lookups are borrowed: acquire one to keep it past the next operation that
    /// could remove a name.
    /// </summary>
    public abstract class Inode
    {
        public FileSystem? Fs;
        public ulong Ino;
        /// <summary>S_IFMT type bits and permission bits.</summary>
        public uint Mode;
        public uint Uid, Gid;
        /// <summary>Names referring to this inode; a directory counts 2 + its subdirectories.</summary>
        public uint Nlink;
        /// <summary>Bytes (regular files), target length (symlinks), 0 or fs-defined (others).</summary>
        public ulong Size;
        /// <summary>Device number of a character or block device (<see cref="DeviceNumber"/>).</summary>
        public ulong Rdev;
        public Timespec Atime, Mtime, Ctime;

        /// <summary>The root of the file system mounted on this directory, or null.</summary>
        public Inode? MountedHere;
        /// <summary>For the root of a mounted file system: the directory it is mounted on.</summary>
        public Inode? MountPoint;

        private int _refs;
        private bool _freed;

        public int RefCount => _refs;
        public uint Type => Mode & InodeMode.S_IFMT;
        public bool IsDirectory => (Mode & InodeMode.S_IFMT) == InodeMode.S_IFDIR;
        public bool IsRegular => (Mode & InodeMode.S_IFMT) == InodeMode.S_IFREG;
        public bool IsSymlink => (Mode & InodeMode.S_IFMT) == InodeMode.S_IFLNK;
        /// <summary>st_dev: the owning file system's device number.</summary>
        public ulong Dev => Fs != null ? Fs.Dev : 0;

        public void Acquire() => _refs++;

        public void Release()
        {
            if (_refs <= 0)
                Fatal.Panic("inode: release without acquire");
            _refs--;
            FreeIfUnused();
        }

        /// <summary>Frees the inode when no name and no holder is left. Call after lowering <see cref="Nlink"/>.</summary>
        public void FreeIfUnused()
        {
            if (_refs != 0 || Nlink != 0 || _freed)
                return;
            _freed = true;
            FreeStorage();
            if (Fs != null)
                Fs.InodeFreed();
            Owned.Free(this);
        }

        /// <summary>Releases what the inode owns (pages, names, its parent); called once, just before it is freed.</summary>
        protected virtual void FreeStorage()
        {
        }

        private int NotDirectory => IsDirectory ? -Errno.EPERM : -Errno.ENOTDIR;

        // ---- data ----

        /// <summary>Reads at <paramref name="offset"/>; returns bytes read (0 at end of file) or -errno.</summary>
        public virtual long Read(ulong offset, Span<byte> dst) => IsDirectory ? -Errno.EISDIR : -Errno.EINVAL;

        /// <summary>Writes at <paramref name="offset"/>; returns bytes written or -errno.</summary>
        public virtual long Write(ulong offset, ReadOnlySpan<byte> src) => IsDirectory ? -Errno.EISDIR : -Errno.EINVAL;

        /// <summary>Sets the size (regular files); 0 or -errno.</summary>
        public virtual int Truncate(ulong size) => IsDirectory ? -Errno.EISDIR : -Errno.EINVAL;

        /// <summary>
        /// The physical address of the page backing file page <paramref name="pageIndex"/>, allocating
        /// a zeroed page for a hole when <paramref name="allocate"/>; 0 when there is none (or no memory).
        /// The page belongs to the file: a mapping of it must not outlive the file's data (truncate and
        /// the last release free it).
        /// </summary>
        public virtual ulong PhysicalPage(ulong pageIndex, bool allocate) => 0;

        /// <summary>
        /// Page <paramref name="pageIndex"/> (from <see cref="PhysicalPage"/>) is now mapped writable
        /// by a shared mapping: stores into it are the file's new bytes, which a file system that keeps
        /// copies (a disk's page cache) must write back. Nothing to do where the page is the file's data.
        /// </summary>
        public virtual void PageMappedWritable(ulong pageIndex)
        {
        }

        /// <summary>Storage in 512-byte units (st_blocks).</summary>
        public virtual ulong Blocks => 0;

        /// <summary>
        /// A check of the file's own before it is opened (beyond the permission bits the caller checks):
        /// 0, or -errno (/proc files about another user's process refuse with EACCES).
        /// </summary>
        public virtual int CheckOpen() => 0;

        // ---- symbolic links ----

        /// <summary>Copies the link target (not NUL-terminated, cut to the buffer as readlink does); returns its length or -EINVAL.</summary>
        public virtual int ReadLink(Span<byte> dst) => -Errno.EINVAL;

        /// <summary>
        /// For "magic" links (like /proc/self/exe): the inode path resolution jumps to instead of
        /// reading a target. Null for ordinary symlinks.
        /// </summary>
        public virtual Inode? JumpTarget() => null;

        // ---- directories ----

        /// <summary>The directory ".." names inside this file system (a root returns itself); null for non-directories.</summary>
        public virtual Inode? Parent => null;

        /// <summary>True for a directory without entries (other than "." and "..").</summary>
        public virtual bool IsEmptyDirectory => false;

        /// <summary>Finds <paramref name="name"/> (never "." or ".."); 0 or -ENOENT/-ENOTDIR.</summary>
        public virtual int Lookup(ReadOnlySpan<byte> name, out Inode? node)
        {
            node = null;
            return IsDirectory ? -Errno.ENOENT : -Errno.ENOTDIR;
        }

        /// <summary>
        /// Fills <paramref name="entry"/> with the first entry whose cookie is at least
        /// <paramref name="cookie"/> (cookies start at 2: the VFS serves "." and ".." as 0 and 1).
        /// Returns 1 (entry filled), 0 (no more) or -errno.
        /// </summary>
        public virtual int ReadDir(ulong cookie, ref DirEntry entry) => IsDirectory ? 0 : -Errno.ENOTDIR;

        /// <summary>Creates a regular file, directory, device, FIFO or socket named <paramref name="name"/> (type from <paramref name="mode"/>).</summary>
        public virtual int CreateNode(ReadOnlySpan<byte> name, uint mode, ulong rdev, uint uid, uint gid, out Inode? node)
        {
            node = null;
            return NotDirectory;
        }

        public virtual int CreateSymlink(ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, uint uid, uint gid, out Inode? node)
        {
            node = null;
            return NotDirectory;
        }

        /// <summary>Adds a name for an existing non-directory inode of the same file system.</summary>
        public virtual int Link(ReadOnlySpan<byte> name, Inode target) => NotDirectory;

        /// <summary>Removes the entry <paramref name="name"/> (a file, or an empty directory); the VFS has checked the kind.</summary>
        public virtual int Remove(ReadOnlySpan<byte> name) => NotDirectory;

        /// <summary>Moves (or with RENAME_EXCHANGE swaps) an entry; the VFS has done the Linux checks.</summary>
        public virtual int Rename(ReadOnlySpan<byte> oldName, Inode newDir, ReadOnlySpan<byte> newName, uint flags) => NotDirectory;

        // ---- helpers for subclasses ----

        /// <summary>The owning file system's clock (or zero without one).</summary>
        protected Timespec Now() => Fs != null ? Fs.Now() : default;

        public void TouchModified()
        {
            Timespec now = Now();
            Mtime = now;
            Ctime = now;
        }

        public void TouchChanged() => Ctime = Now();
    }
}
