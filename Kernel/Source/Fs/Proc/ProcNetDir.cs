using Kernel.Logic.Fs;

namespace Kernel.Fs.Proc
{
    /// <summary>/proc/net: the network stack's files (dev).</summary>
    public sealed class ProcNetDir : ProcFixedDir
    {
        public void Build() => AddFile("dev"u8, ProcContent.NetDev, null);

        public override Inode? Parent => ProcFs.Instance?.Root;
    }
}
