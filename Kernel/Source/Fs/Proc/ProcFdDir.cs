using System;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Processes;
using Kernel.Threading;

namespace Kernel.Fs.Proc
{
    /// <summary>/proc/PID/fd: a link per open descriptor.</summary>
    public sealed class ProcFdDir : Inode
    {
        private Process? _process;
        private ProcLink?[]? _links;

        public ProcFdDir(Process p) { _process = p; }

        public override Inode? Parent => _process != null ? ProcFs.DirectoryOf(_process) : ProcFs.Instance?.Root;

        public void Detach()
        {
            _process = null;
            if (_links == null)
                return;
            for (int i = 0; i < _links.Length; i++)
            {
                ProcLink? l = _links[i];
                if (l == null)
                    continue;
                _links[i] = null;
                l.Process = null;
                l.Nlink = 0;
                l.FreeIfUnused();
            }
        }

        protected override void FreeStorage()
        {
            Detach();
            Owned.Free(_links);
            _links = null;
        }

        /// <summary>Linux's fd directory is mode 0500 owned by the process's user: others get EACCES.</summary>
        private bool Allowed => _process == null || PtraceAccess.MayInspect(Scheduler.Current.Process, _process);

        public override int CheckOpen() => Allowed ? 0 : -Errno.EACCES;

        public override int Lookup(ReadOnlySpan<byte> name, out Inode? node)
        {
            node = null;
            if (_process == null)
                return -Errno.ENOENT;
            if (!Allowed)
                return -Errno.EACCES;
            int fd = 0;
            if (name.Length == 0 || name.Length > 7)
                return -Errno.ENOENT;
            for (int i = 0; i < name.Length; i++)
            {
                if (name[i] < '0' || name[i] > '9')
                    return -Errno.ENOENT;
                fd = fd * 10 + name[i] - '0';
            }
            if (_process.Files?.Get(fd) == null)
                return -Errno.ENOENT;
            if (_links == null || fd >= _links.Length)
            {
                var links = new ProcLink?[_process.Files!.Capacity];
                if (_links != null)
                {
                    for (int i = 0; i < _links.Length; i++)
                        links[i] = _links[i];
                    Owned.Free(_links);
                }
                _links = links;
            }
            if (_links[fd] == null)
            {
                var link = new ProcLink(ProcLink.Kind.Fd, _process) { Mode = InodeMode.S_IFLNK | 0x1C0, Fd = fd };
                Fs!.InitInode(link, link.Mode, Uid, Gid);
                link.Nlink = 1;
                _links[fd] = link;
            }
            node = _links[fd];
            return 0;
        }

        public override int ReadDir(ulong cookie, ref DirEntry entry)
        {
            if (_process?.Files == null)
                return 0;
            if (!Allowed)
                return -Errno.EACCES;
            for (ulong fd = cookie < 2 ? 0 : cookie - 2; fd < (ulong)_process.Files.Capacity; fd++)
            {
                if (_process.Files.Get((int)fd) == null)
                    continue;
                Span<byte> name = stackalloc byte[8];
                var t = new TextBuilder(name);
                t.Decimal(fd);
                entry.Ino = 0x200000 + fd;
                entry.Type = InodeMode.DT_LNK;
                entry.NextCookie = fd + 3;
                entry.SetName(t.Text);
                return 1;
            }
            return 0;
        }
    }
}
