using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Memory;

namespace Kernel.Fs
{
    /// <summary>A file's pages as mappings see them; holds the inode while any mapping uses it.</summary>
    public sealed class InodePages : PageSource
    {
        private readonly Inode _node;
        private int _holders = 1;

        public InodePages(Inode node)
        {
            _node = node;
            node.Acquire();
        }

        public override ulong Size => _node.Size;

        public override ulong PageAt(ulong index)
            => index * PageAllocator.PageSize < _node.Size ? _node.PhysicalPage(index, true) : 0;

        public override void MappedWritable(ulong index) => _node.PageMappedWritable(index);

        public override int Sync() => _node.Fs?.Operations is FileSystemOperations ops ? ops.FsyncInode(_node) : 0;

        public override void Hold() => _holders++;

        public override void Drop()
        {
            if (--_holders > 0)
                return;
            _node.Release();
            Owned.Free(this);
        }
    }
}
