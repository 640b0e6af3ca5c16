using Kernel.Logic;

namespace Kernel.Memory
{
    /// <summary>Physically contiguous memory (the initrd) seen as a file's pages.</summary>
    public sealed class ContiguousPages : PageSource
    {
        private readonly ulong _physical, _size;
        public ContiguousPages(ulong physical, ulong size) { _physical = physical; _size = size; }
        public override ulong Size => _size;

        public override ulong PageAt(ulong index) => index * PageAllocator.PageSize < _size ? _physical + index * PageAllocator.PageSize : 0;
        public override void Hold() { }
        public override void Drop() { }
    }
}
