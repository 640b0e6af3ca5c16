using Kernel.Logic.Fs;
using Kernel.Processes;
using Kernel.Threading;

namespace Kernel.Fs.Proc
{
    /// <summary>
    /// /proc/PID/task/TID: the files that describe one thread (stat, status, comm, cmdline, statm). Its
    /// id, state, signal mask and thread-directed pending signals are the thread's own; what the thread
    /// group shares (memory, times, credentials, name) is the process's.
    /// </summary>
    public sealed class ProcThreadDir : ProcFixedDir
    {
        private Process? _process;
        private KernelThread? _thread;

        public ProcThreadDir(Process p, KernelThread t)
        {
            _process = p;
            _thread = t;
        }

        public void Build()
        {
            Process p = _process!;
            AddThreadFile("stat"u8, ProcContent.PidStat, p);
            AddThreadFile("status"u8, ProcContent.PidStatus, p);
            AddThreadFile("comm"u8, ProcContent.PidComm, p);
            AddThreadFile("cmdline"u8, ProcContent.PidCmdline, p);
            AddThreadFile("statm"u8, ProcContent.PidStatm, p);
        }

        private void AddThreadFile(System.ReadOnlySpan<byte> name, ProcContent content, Process p)
            => Add(name, new ProcFile(content, p) { Thread = _thread, Mode = InodeMode.S_IFREG | InodeMode.S_IRUGO });

        public override Inode? Parent
        {
            get
            {
                ProcPidDir? dir = _process != null ? ProcFs.DirectoryOf(_process) : null;
                return dir?.Task ?? (Inode?)ProcFs.Instance?.Root;
            }
        }

        public void Detach()
        {
            _process = null;
            _thread = null;
            ReleaseChildren();
            Nlink = 0;
            FreeIfUnused();
        }
    }
}
