using Kernel.Logic;

namespace Kernel.Fs
{
    /// <summary>
    /// A process's descriptor table (shared by nothing: fork copies it). It starts with room for
    /// <see cref="InitialCapacity"/> descriptors and doubles when a descriptor beyond it is installed,
    /// up to the RLIMIT_NOFILE in <see cref="Limit"/>, as Linux's fdtable grows (expand_files).
    /// </summary>
    public sealed class FdTable
    {
        /// <summary>Linux's first table size (NR_OPEN_DEFAULT, BITS_PER_LONG).</summary>
        public const int InitialCapacity = 64;
        /// <summary>RLIMIT_NOFILE's defaults as Linux sets them for init: soft 1,024 (INR_OPEN_CUR), hard 4,096 (INR_OPEN_MAX).</summary>
        public const int DefaultSoftLimit = 1024, DefaultHardLimit = 4096;
        /// <summary>fs.nr_open: the highest RLIMIT_NOFILE even root may set (1,048,576).</summary>
        public const int NrOpen = 1024 * 1024;

        private OpenFile?[] _files = new OpenFile?[InitialCapacity];
        private bool[] _closeOnExec = new bool[InitialCapacity];

        /// <summary>Descriptors the table holds room for now (/proc/PID/status FDSize).</summary>
        public int Capacity => _files.Length;

        public OpenFile? Get(int fd) => fd >= 0 && fd < _files.Length ? _files[fd] : null;

        public bool CloseOnExec(int fd) => fd >= 0 && fd < _files.Length && _closeOnExec[fd];
        public void SetCloseOnExec(int fd, bool value) { if (fd >= 0 && fd < _files.Length) _closeOnExec[fd] = value; }

        /// <summary>RLIMIT_NOFILE: descriptors at or above it are not handed out.</summary>
        public int Limit = DefaultSoftLimit;

        /// <summary>Makes room for descriptor <paramref name="fd"/>: the capacity doubles until it fits.</summary>
        private void Reserve(int fd)
        {
            if (fd < _files.Length)
                return;
            int capacity = _files.Length;
            while (capacity <= fd)
                capacity *= 2;
            var files = new OpenFile?[capacity];
            var closeOnExec = new bool[capacity];
            for (int i = 0; i < _files.Length; i++)
            {
                files[i] = _files[i];
                closeOnExec[i] = _closeOnExec[i];
            }
            Owned.Free(_files);
            Owned.Free(_closeOnExec);
            _files = files;
            _closeOnExec = closeOnExec;
        }

        /// <summary>Installs <paramref name="file"/> (taking over one reference) at the lowest free fd ≥ <paramref name="min"/>.</summary>
        public int Install(OpenFile file, bool closeOnExec, int min = 0)
        {
            for (int fd = min; fd < Limit; fd++)
            {
                if (fd >= _files.Length)
                    Reserve(fd);
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

        /// <summary>Puts <paramref name="file"/> at <paramref name="fd"/> (below <see cref="Limit"/>), closing what was there.</summary>
        public void InstallAt(int fd, OpenFile file, bool closeOnExec)
        {
            Reserve(fd);
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
            // Only as much room as the open descriptors need (Linux copies the open ones' range).
            int last = -1;
            for (int i = 0; i < _files.Length; i++)
                if (_files[i] != null)
                    last = i;
            copy.Reserve(last);
            for (int i = 0; i <= last; i++)
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
            for (int i = 0; i < _files.Length; i++)
                if (_closeOnExec[i])
                    Close(i);
        }

        public void CloseAll()
        {
            for (int i = 0; i < _files.Length; i++)
                if (_files[i] != null)
                    Close(i);
        }

        public int OpenCount
        {
            get
            {
                int n = 0;
                for (int i = 0; i < _files.Length; i++)
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
