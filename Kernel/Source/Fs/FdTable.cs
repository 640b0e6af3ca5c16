using Kernel.Logic;

namespace Kernel.Fs
{
    /// <summary>A process's descriptor table (shared by nothing: fork copies it).</summary>
    public sealed class FdTable
    {
        public const int Max = 256;
        private readonly OpenFile?[] _files = new OpenFile?[Max];
        private readonly bool[] _closeOnExec = new bool[Max];

        public OpenFile? Get(int fd) => fd >= 0 && fd < Max ? _files[fd] : null;

        public bool CloseOnExec(int fd) => fd >= 0 && fd < Max && _closeOnExec[fd];
        public void SetCloseOnExec(int fd, bool value) { if (fd >= 0 && fd < Max) _closeOnExec[fd] = value; }

        /// <summary>RLIMIT_NOFILE: descriptors at or above it are not handed out.</summary>
        public int Limit = Max;

        /// <summary>Installs <paramref name="file"/> (taking over one reference) at the lowest free fd ≥ <paramref name="min"/>.</summary>
        public int Install(OpenFile file, bool closeOnExec, int min = 0)
        {
            for (int fd = min; fd < Limit && fd < Max; fd++)
            {
                if (_files[fd] == null)
                {
                    _files[fd] = file;
                    _closeOnExec[fd] = closeOnExec;
                    return fd;
                }
            }
            file.Release();
            return -Errno.EMFILE;
        }

        /// <summary>Puts <paramref name="file"/> at <paramref name="fd"/>, closing what was there.</summary>
        public void InstallAt(int fd, OpenFile file, bool closeOnExec)
        {
            OpenFile? old = _files[fd];
            _files[fd] = file;
            _closeOnExec[fd] = closeOnExec;
            old?.Release();
        }

        public int Close(int fd)
        {
            OpenFile? f = Get(fd);
            if (f == null)
                return -Errno.EBADF;
            _files[fd] = null;
            _closeOnExec[fd] = false;
            f.Release();
            return 0;
        }

        public FdTable Clone()
        {
            var copy = new FdTable { Limit = Limit };
            for (int i = 0; i < Max; i++)
            {
                OpenFile? f = _files[i];
                if (f != null)
                {
                    f.Acquire();
                    copy._files[i] = f;
                    copy._closeOnExec[i] = _closeOnExec[i];
                }
            }
            return copy;
        }

        public void CloseOnExecAll()
        {
            for (int i = 0; i < Max; i++)
                if (_closeOnExec[i])
                    Close(i);
        }

        public void CloseAll()
        {
            for (int i = 0; i < Max; i++)
                if (_files[i] != null)
                    Close(i);
        }

        public int OpenCount
        {
            get
            {
                int n = 0;
                for (int i = 0; i < Max; i++)
                    if (_files[i] != null)
                        n++;
                return n;
            }
        }

        public void Free()
        {
            CloseAll();
            Owned.Free(_files);
            Owned.Free(_closeOnExec);
            Owned.Free(this);
        }
    }
}
