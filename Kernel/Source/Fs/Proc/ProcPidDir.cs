using Kernel.Logic.Fs;
using Kernel.Processes;

namespace Kernel.Fs.Proc
{
    /// <summary>/proc/PID (and /proc/TID of any of its threads): the files that describe one process (stat, status, cmdline, maps, fd, exe, cwd, root, task).</summary>
    public sealed class ProcPidDir : ProcFixedDir
    {
        private Process? _process;

        public ProcPidDir(Process p) { _process = p; }

        /// <summary>Its task directory (null once detached).</summary>
        public ProcTaskDir? Task { get; private set; }

        public void Build()
        {
            Process p = _process!;
            AddFile("stat"u8, ProcContent.PidStat, p);
            AddFile("status"u8, ProcContent.PidStatus, p);
            AddFile("cmdline"u8, ProcContent.PidCmdline, p);
            AddFile("comm"u8, ProcContent.PidComm, p);
            AddFile("maps"u8, ProcContent.PidMaps, p);
            AddFile("statm"u8, ProcContent.PidStatm, p);
            AddFile("mounts"u8, ProcContent.Mounts, p);
            Add("exe"u8, new ProcLink(ProcLink.Kind.Exe, p) { Mode = InodeMode.S_IFLNK | InodeMode.S_IRWXUGO });
            Add("cwd"u8, new ProcLink(ProcLink.Kind.Cwd, p) { Mode = InodeMode.S_IFLNK | InodeMode.S_IRWXUGO });
            Add("root"u8, new ProcLink(ProcLink.Kind.Root, p) { Mode = InodeMode.S_IFLNK | InodeMode.S_IRWXUGO });
            var fd = new ProcFdDir(p) { Mode = InodeMode.S_IFDIR | InodeMode.S_IRUGO | InodeMode.S_IXUGO };
            Add("fd"u8, fd);
            fd.Nlink = 2;
            var task = new ProcTaskDir(p) { Mode = InodeMode.S_IFDIR | InodeMode.S_IRUGO | InodeMode.S_IXUGO };
            Add("task"u8, task);
            Task = task;
            task.Nlink = 2;
        }

        public override Inode? Parent => ProcFs.Instance?.Root;

        public void Detach()
        {
            _process = null;
            Task = null;
            ReleaseChildren();
            Nlink = 0;
            FreeIfUnused();
        }
    }
}
