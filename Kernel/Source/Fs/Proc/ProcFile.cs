using System;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Processes;
using Kernel.Threading;

namespace Kernel.Fs.Proc
{
    /// <summary>A generated text file.</summary>
    public sealed unsafe class ProcFile : Inode
    {
        private const int MaxText = 65536;
        private readonly ProcContent _content;
        public Process? Process;
        /// <summary>For a /proc/PID/task/TID file: the thread it describes (null: the process, as its leader).</summary>
        public KernelThread? Thread;

        public ProcFile(ProcContent content, Process? process)
        {
            _content = content;
            Process = process;
        }

        /// <summary>maps needs ptrace access to the process (proc_maps_open: mm_access), as on Linux.</summary>
        public override int CheckOpen()
            => _content == ProcContent.PidMaps && Process != null && !PtraceAccess.MayInspect(Scheduler.Current.Process, Process) ? -Errno.EACCES : 0;

        public override long Read(ulong offset, Span<byte> dst)
        {
            byte[] buffer = new byte[MaxText];
            var t = new TextBuilder(buffer);
            ProcText.Render(_content, Process, Thread, ref t);
            long n = 0;
            if (offset < (ulong)t.Length)
            {
                n = t.Length - (long)offset;
                if (n > dst.Length)
                    n = dst.Length;
                t.Text.Slice((int)offset, (int)n).CopyTo(dst);
            }
            Owned.Free(buffer);
            return n;
        }
    }
}
