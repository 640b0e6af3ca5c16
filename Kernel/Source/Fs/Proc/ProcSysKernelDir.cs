using Kernel.Logic.Fs;

namespace Kernel.Fs.Proc
{
    /// <summary>/proc/sys/kernel: the names uname(2) gives (ostype, osrelease, version, hostname) and pid_max, read-only.</summary>
    public sealed class ProcSysKernelDir : ProcFixedDir
    {
        private Inode? _parent;

        public void Build()
        {
            AddFile("ostype"u8, ProcContent.SysOsType, null);
            AddFile("osrelease"u8, ProcContent.SysOsRelease, null);
            AddFile("version"u8, ProcContent.SysVersion, null);
            AddFile("hostname"u8, ProcContent.SysHostName, null);
            AddFile("pid_max"u8, ProcContent.SysPidMax, null);
        }

        public override Inode? Parent
        {
            get
            {
                if (_parent == null && ProcFs.Instance?.Root is Inode root && root.Lookup("sys"u8, out Inode? sys) == 0)
                    _parent = sys;
                return _parent;
            }
        }
    }
}
