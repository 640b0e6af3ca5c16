using System;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Processes;
using Kernel.Threading;

namespace Kernel.Fs.Proc
{
    /// <summary>/proc/self, /proc/PID/{exe,cwd,root,fd/N}.</summary>
    public sealed class ProcLink : Inode
    {
        public enum Kind { Self, Exe, Cwd, Root, Fd }

        private readonly Kind _kind;
        public Process? Process;
        public int Fd;

        public ProcLink(Kind kind, Process? p)
        {
            _kind = kind;
            Process = p;
        }

        public override int ReadLink(Span<byte> dst)
        {
            if (_kind != Kind.Self && Process != null && !PtraceAccess.MayInspect(Scheduler.Current.Process, Process))
                return -Errno.EACCES; // proc_pid_readlink: ptrace access to the process
            Span<byte> text = stackalloc byte[512];
            int n = Render(text);
            if (n < 0)
                return n;
            int count = n < dst.Length ? n : dst.Length;
            text.Slice(0, count).CopyTo(dst);
            return count;
        }

        private int Render(Span<byte> text)
        {
            var t = new TextBuilder(text);
            switch (_kind)
            {
                case Kind.Self:
                    {
                        Process? me = Scheduler.Current.Process;
                        if (me == null)
                            return -Errno.ENOENT;
                        t.Decimal((ulong)me.Pid);
                        return t.Length;
                    }
                case Kind.Exe:
                    if (Process?.ExecutablePath == null)
                        return -Errno.ENOENT;
                    t.Append(new ReadOnlySpan<byte>(Process.ExecutablePath, 0, Process.ExecutablePathLength));
                    return t.Length;
                case Kind.Cwd:
                case Kind.Root:
                    if (Process?.Fs == null)
                        return -Errno.ENOENT;
                    return FileSystems.PathOf(_kind == Kind.Cwd ? Process.Fs.Cwd : Process.Fs.Root, Process.Fs.Root, text);
                default:
                    {
                        OpenFile? f = Process?.Files?.Get(Fd);
                        if (f == null)
                            return -Errno.ENOENT;
                        return f.Describe(text, Process!.Fs!.Root);
                    }
            }
        }

        public override Inode? JumpTarget()
        {
            if (_kind == Kind.Self)
                return null;
            if (_kind == Kind.Exe)
                return Process?.Executable;
            if (_kind == Kind.Cwd)
                return Process?.Fs?.Cwd;
            if (_kind == Kind.Root)
                return Process?.Fs?.Root;
            OpenFile? file = Process?.Files?.Get(Fd);
            if (file is PipeEnd { Node: null } end)
                return NamedPipes.NodeFor(end.Pipe, Process!.Euid, Process.Egid); // an anonymous pipe: reopened as Linux reopens pipefs's inode
            return file?.Node;
        }
    }
}
