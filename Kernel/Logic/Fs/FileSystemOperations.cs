namespace Kernel.Logic.Fs
{
    /// <summary>
    /// What a disk file system adds to <see cref="FileSystem"/>: write-back, statfs, fsync and
    /// unmount. Every call returns 0 or -errno.
    /// </summary>
    public abstract class FileSystemOperations
    {
        /// <summary>Writes every dirty inode and block back and flushes the disk (sync(2), syncfs(2)).</summary>
        public abstract int Sync();

        /// <summary>Writes back what <paramref name="node"/> needs to be durable (its data and the metadata) and flushes (fsync(2)).</summary>
        public abstract int FsyncInode(Inode node);

        /// <summary>The numbers of statfs(2).</summary>
        public abstract int StatFs(out StatFsInfo info);

        /// <summary>
        /// Drops unreferenced inodes from the inode cache above its bound. Call only where no
        /// borrowed inode of this file system is in use (between system calls).
        /// </summary>
        public abstract void Trim();

        /// <summary>
        /// Syncs, marks the file system clean on disk and frees every cache. The caller has detached
        /// it from the tree (<see cref="Vfs.Unmount"/>) and checked that no file is open (EBUSY
        /// otherwise): the file system must not be used afterwards.
        /// </summary>
        public abstract int Unmount();

        /// <summary>
        /// mount -o remount: changes between read-write and read-only. Going read-only writes everything
        /// back and leaves the disk clean; going read-write is refused with -EROFS when the device or the
        /// file system's features allow only reading. 0 or -errno.
        /// </summary>
        public abstract int Remount(bool readOnly);

        /// <summary>
        /// True while anything outside the file system holds one of its inodes (an open file, a working
        /// directory, a mapping): umount answers EBUSY then. Asked while it is still mounted.
        /// </summary>
        public abstract bool Busy { get; }
    }
}
