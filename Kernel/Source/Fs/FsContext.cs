using Kernel.Logic;
using Kernel.Logic.Fs;

namespace Kernel.Fs
{
    /// <summary>A process's root and working directory (both held).</summary>
    public sealed class FsContext
    {
        public Inode Root;
        public Inode Cwd;

        public FsContext(Inode root, Inode cwd)
        {
            Root = root;
            Cwd = cwd;
            root.Acquire();
            cwd.Acquire();
        }

        public FsContext Clone() => new FsContext(Root, Cwd);

        public void SetCwd(Inode dir)
        {
            dir.Acquire();
            Cwd.Release();
            Cwd = dir;
        }

        public void Free()
        {
            Root.Release();
            Cwd.Release();
            Owned.Free(this);
        }
    }
}
