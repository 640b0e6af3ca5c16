using Kernel.Logic.Fs;

namespace Kernel.Fs.Proc
{
    /// <summary>/proc/sys: only its kernel directory (what procps and others read), read-only.</summary>
    public sealed class ProcSysDir : ProcFixedDir
    {
        public void Build()
        {
            var kernel = new ProcSysKernelDir { Mode = InodeMode.S_IFDIR | InodeMode.S_IRUGO | InodeMode.S_IXUGO };
            Add("kernel"u8, kernel);
            kernel.Nlink = 2;
            kernel.Build();
        }

        public override Inode? Parent => ProcFs.Instance?.Root;
    }
}
