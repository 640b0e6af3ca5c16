namespace Kernel.Memory
{
    /// <summary>Pages a file mapping reads from (a file's page cache); held while a mapping uses it.</summary>
    public abstract class PageSource
    {
        /// <summary>Physical address of the page holding bytes [index*4096, +4096) of the file, or 0.</summary>
        public abstract ulong PageAt(ulong index);
        public abstract void Hold();
        public abstract void Drop();
    }
}
