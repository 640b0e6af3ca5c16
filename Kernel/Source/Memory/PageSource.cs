namespace Kernel.Memory
{
    /// <summary>Pages a file mapping reads from (a file's page cache); held while a mapping uses it.</summary>
    public abstract class PageSource
    {
        /// <summary>Physical address of the page holding bytes [index*4096, +4096) of the file, or 0.</summary>
        public abstract ulong PageAt(ulong index);

        /// <summary>
        /// Bytes the source holds now. <see cref="PageAt"/> gives 0 past them (no page: mappings see zeros
        /// or SIGBUS there); a 0 for a page below them means the page could not be had (no memory, a
        /// disk's read error), which callers must report instead of showing zeros.
        /// </summary>
        public abstract ulong Size { get; }

        /// <summary>Page <paramref name="index"/> is mapped writable by a shared mapping: its stores belong to the file.</summary>
        public virtual void MappedWritable(ulong index)
        {
        }

        /// <summary>msync: writes what shared mappings stored back to the file's storage and waits for it; 0 or -errno.</summary>
        public virtual int Sync() => 0;
        public abstract void Hold();
        public abstract void Drop();
    }
}
