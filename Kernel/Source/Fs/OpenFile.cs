using System;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;

namespace Kernel.Fs
{
    /// <summary>
    /// An open file description: shared by every descriptor dup'ed or inherited from it (reference
    /// counted), holding the flags and, for seekable files, the offset. Subclasses are pipes, the
    /// console, devices, file-system files and directories.
    /// </summary>
    public abstract class OpenFile
    {
        /// <summary>st_dev of files that are in no mounted file system (as fstat has always shown them here).</summary>
        protected const ulong AnonymousInodeDevice = 0, DevtmpfsDevice = 6, PipefsDevice = 0x0C;

        public int References = 1;
        public int Flags;
        public long Offset;
        /// <summary>The inode this was opened through (held), if any.</summary>
        public Logic.Fs.Inode? Node;

        public bool CanRead => (Flags & OpenFlags.AccessMode) != OpenFlags.WriteOnly;
        public bool CanWrite => (Flags & OpenFlags.AccessMode) != OpenFlags.ReadOnly;
        public bool NonBlocking => (Flags & OpenFlags.NonBlock) != 0;

        /// <summary>Reads into a kernel buffer; may block; -EAGAIN when non-blocking and nothing is ready.</summary>
        public virtual long Read(Span<byte> destination) => -Errno.EINVAL;
        public virtual long Write(ReadOnlySpan<byte> source) => -Errno.EINVAL;
        public virtual long ReadAt(Span<byte> destination, long offset) => -Errno.ESPIPE;
        public virtual long WriteAt(ReadOnlySpan<byte> source, long offset) => -Errno.ESPIPE;
        public virtual long Seek(long offset, int whence) => -Errno.ESPIPE;

        /// <summary>read(2) of a file with a position: <see cref="ReadAt"/> at <see cref="Offset"/>, which moves past what was read.</summary>
        protected long ReadAtOffset(Span<byte> destination)
        {
            long n = ReadAt(destination, Offset);
            if (n > 0)
                Offset += n;
            return n;
        }

        /// <summary>write(2) of a file with a position: <see cref="WriteAt"/> at <see cref="Offset"/>, which moves past what was written.</summary>
        protected long WriteAtOffset(ReadOnlySpan<byte> source)
        {
            long n = WriteAt(source, Offset);
            if (n > 0)
                Offset += n;
            return n;
        }

        /// <summary>
        /// lseek with SEEK_SET, SEEK_CUR or SEEK_END on a file of <paramref name="size"/> bytes: moves <see cref="Offset"/>
        /// and returns it; -EINVAL for another whence or a negative offset, and past the end when <paramref name="withinSize"/>.
        /// </summary>
        protected long SeekInSize(long offset, int whence, long size, bool withinSize)
        {
            long target;
            switch (whence)
            {
                case Whence.SEEK_SET: target = offset; break;
                case Whence.SEEK_CUR: target = Offset + offset; break;
                case Whence.SEEK_END: target = size + offset; break;
                default: return -Errno.EINVAL;
            }
            if (target < 0 || (withinSize && target > size))
                return -Errno.EINVAL;
            Offset = target;
            return target;
        }

        /// <summary>
        /// Whether read(2), write(2), readv and writev hand the whole request to <see cref="ReadVectors"/>
        /// and <see cref="WriteVectors"/> at once instead of in chunks through <see cref="Read"/> and
        /// <see cref="Write"/> (sockets: a datagram is one call, however many buffers make it up).
        /// </summary>
        public virtual bool TakesWholeRequests => false;
        public virtual long ReadVectors(ref IoVectors vectors) => -Errno.EINVAL;
        public virtual long WriteVectors(ref IoVectors vectors) => -Errno.EINVAL;

        public virtual int Ioctl(uint command, ulong argument) => -Errno.ENOTTY;
        /// <summary>fsync: makes written data durable (a disk's flush). Pipes, sockets and character devices have nothing to sync: EINVAL, as on Linux.</summary>
        public virtual int Sync() => -Errno.EINVAL;
        /// <summary>Readiness now (poll bits).</summary>
        public virtual int Poll() => OpenFlags.PollIn | OpenFlags.PollOut;
        /// <summary>What a poller blocks on: woken through <see cref="Scheduler.WakeAll"/>.</summary>
        public virtual object WaitChannel => this;
        /// <summary>Fills a struct stat (128 bytes).</summary>
        public virtual int Stat(Span<byte> stat) => Node != null ? StatLayout.WriteStat(Node, stat) : StatLayout.WriteStat(stat, 0, 0, 0, 0);

        private byte[]? _path;

        /// <summary>The path it was opened by (canonical), for /proc/PID/fd.</summary>
        public void SetPath(ReadOnlySpan<byte> path)
        {
            Owned.Free(_path);
            _path = new byte[path.Length];
            path.CopyTo(_path);
        }

        /// <summary>What /proc/PID/fd/N shows (readlink); returns the length.</summary>
        public virtual int Describe(Span<byte> text, Logic.Fs.Inode root)
        {
            if (_path != null)
            {
                int n = _path.Length < text.Length ? _path.Length : text.Length;
                new ReadOnlySpan<byte>(_path, 0, n).CopyTo(text);
                return n;
            }
            return Node != null ? Fs.FileSystems.PathOf(Node, root, text) : -Errno.ENOENT;
        }

        /// <summary>Called when the last reference goes.</summary>
        protected virtual void Closed()
        {
            Node?.Release();
            Node = null;
            Owned.Free(_path);
            _path = null;
        }
        /// <summary>mmap of this file makes anonymous memory (/dev/zero).</summary>
        public virtual bool MapsAnonymous => false;
        /// <summary>The file's pages for mmap, or null when it cannot be mapped.</summary>
        public virtual PageSource? Pages => null;
        public virtual long Size => 0;
        /// <summary>Whether a read of a whole request may stop early (pipes, terminals).</summary>
        public virtual bool IsStream => true;

        public void Acquire() => References++;

        public void Release()
        {
            if (--References > 0)
                return;
            Closed();
            FreeObject();
        }

        /// <summary>Frees the object after <see cref="Closed"/>; a file others may still point at while they wait (a socket) defers it.</summary>
        protected virtual void FreeObject() => Owned.Free(this);
    }
}
