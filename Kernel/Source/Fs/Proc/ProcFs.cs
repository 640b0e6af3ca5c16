using System;
using Kernel.Logic.Fs;
using Kernel.Processes;
using Kernel.Threading;

namespace Kernel.Fs.Proc
{
    /// <summary>
    /// /proc: system files (meminfo, uptime, mounts, cpuinfo, stat, loadavg, version, filesystems),
    /// "self", and a directory per process. A process's directory is made at its first lookup, kept
    /// by the process and cut loose when the process is reaped (open files of it then read nothing).
    /// Text is generated at every read, so offsets index a fresh, consistent rendering.
    /// </summary>
    public static class ProcFs
    {
        public static FileSystem? Instance;

        public static FileSystem Create(ulong dev)
        {
            var fs = new FileSystem(dev);
            var root = new ProcRoot();
            fs.InitInode(root, InodeMode.S_IFDIR | InodeMode.S_IRUGO | InodeMode.S_IXUGO, 0, 0);
            root.Nlink = 2;
            root.Build();
            fs.SetRoot(root);
            Instance = fs;
            return fs;
        }

        /// <summary>A pid's directory (created on demand, owned by the process).</summary>
        public static ProcPidDir? DirectoryOf(Process p)
        {
            if (p.ProcDirectory == null && Instance != null)
            {
                var dir = new ProcPidDir(p);
                Instance.InitInode(dir, InodeMode.S_IFDIR | InodeMode.S_IRUGO | InodeMode.S_IXUGO, p.Uid, p.Gid);
                dir.Nlink = 2;
                dir.Build();
                p.ProcDirectory = dir;
            }
            return p.ProcDirectory;
        }

        /// <summary>At reap: the directory no longer describes a live process.</summary>
        public static void Detach(Process p)
        {
            ProcPidDir? dir = p.ProcDirectory;
            if (dir == null)
                return;
            p.ProcDirectory = null;
            dir.Detach();
        }

        /// <summary>A thread's /proc/PID/task/TID directory (created on demand, owned by the thread).</summary>
        public static ProcThreadDir? DirectoryOf(KernelThread t)
        {
            Process? p = t.Process;
            if (t.ProcDirectory == null && Instance != null && p != null)
            {
                var dir = new ProcThreadDir(p, t);
                Instance.InitInode(dir, InodeMode.S_IFDIR | InodeMode.S_IRUGO | InodeMode.S_IXUGO, p.Uid, p.Gid);
                dir.Nlink = 2;
                dir.Build();
                t.ProcDirectory = dir;
            }
            return t.ProcDirectory as ProcThreadDir;
        }

        /// <summary>When the thread leaves its process: its directory no longer describes a live thread.</summary>
        public static void DetachThread(KernelThread t)
        {
            var dir = t.ProcDirectory as ProcThreadDir;
            if (dir == null)
                return;
            t.ProcDirectory = null;
            dir.Detach();
        }

        internal static bool ParsePid(ReadOnlySpan<byte> name, out int pid)
        {
            pid = 0;
            if (name.Length == 0 || name.Length > 7)
                return false;
            for (int i = 0; i < name.Length; i++)
            {
                if (name[i] < '0' || name[i] > '9')
                    return false;
                pid = pid * 10 + (name[i] - '0');
            }
            return pid > 0;
        }
    }
}
