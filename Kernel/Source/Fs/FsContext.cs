using Kernel.Logic;

namespace Kernel.Processes.Fs
{
    /// <summary>A process's root and working directory.</summary>
    public sealed class FsContext
    {
        public FsContext Clone() => new FsContext();
        public void Free() => Owned.Free(this);
    }
}
