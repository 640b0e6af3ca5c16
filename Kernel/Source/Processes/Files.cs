using System;
using Kernel.Arch;
using Kernel.Logic;
using Kernel.Logic.Process;
using Kernel.Threading;

namespace Kernel.Processes
{
    /// <summary>Open-file flags and poll bits (Linux values on arm64).</summary>
    public static class OpenFlags
    {
        public const int ReadOnly = 0, WriteOnly = 1, ReadWrite = 2, AccessMode = 3;
        public const int Create = 0x40, Exclusive = 0x80, NoCtty = 0x100, Truncate = 0x200, Append = 0x400;
        public const int NonBlock = 0x800, Directory = 0x4000, NoFollow = 0x8000, CloseOnExec = 0x80000, Path = 0x200000;
        public const int StatusFlags = Append | NonBlock;

        public const int PollIn = 1, PollPri = 2, PollOut = 4, PollErr = 8, PollHup = 0x10, PollNval = 0x20;
        public const int PollRdNorm = 0x40, PollWrNorm = 0x100;
    }

    /// <summary>
    /// An open file description: shared by every descriptor dup'ed or inherited from it (reference
    /// counted), holding the flags and, for seekable files, the offset. Subclasses are pipes, the
    /// console, devices, file-system files and directories.
    /// </summary>
    public abstract class OpenFile
    {
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
        public virtual int Ioctl(uint command, ulong argument) => -Errno.ENOTTY;
        /// <summary>Readiness now (poll bits).</summary>
        public virtual int Poll() => OpenFlags.PollIn | OpenFlags.PollOut;
        /// <summary>What a poller blocks on: woken through <see cref="Scheduler.WakeAll"/>.</summary>
        public virtual object WaitChannel => this;
        /// <summary>Fills a struct stat (128 bytes).</summary>
        public virtual int Stat(Span<byte> stat) => Node != null ? Logic.Fs.StatLayout.WriteStat(Node, stat) : StatWriter.Fill(stat, 0, 0, 0, 1, 0, 0);

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
            Owned.Free(this);
        }
    }

    /// <summary>A process's descriptor table (shared by nothing: fork copies it).</summary>
    public sealed class FdTable
    {
        public const int Max = 256;
        private readonly OpenFile?[] _files = new OpenFile?[Max];
        private readonly bool[] _closeOnExec = new bool[Max];

        public OpenFile? Get(int fd) => fd >= 0 && fd < Max ? _files[fd] : null;

        public bool CloseOnExec(int fd) => fd >= 0 && fd < Max && _closeOnExec[fd];
        public void SetCloseOnExec(int fd, bool value) { if (fd >= 0 && fd < Max) _closeOnExec[fd] = value; }

        /// <summary>Installs <paramref name="file"/> (taking over one reference) at the lowest free fd ≥ min.</summary>
        /// <summary>RLIMIT_NOFILE: descriptors at or above it are not handed out.</summary>
        public int Limit = Max;

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

    /// <summary>Blocking helpers for files: wait until a condition holds, a signal arrives or time runs out.</summary>
    public static class Waiting
    {
        /// <summary>Blocks once on <paramref name="channel"/>; returns -EINTR when a signal is pending.</summary>
        public static int WaitOn(object channel, ulong wakeAtCounter = 0)
        {
            KernelThread t = Scheduler.Current;
            if (t.Process != null && t.Process.HasDeliverableSignal())
                return -Errno.EINTR;
            Scheduler.Block(channel, wakeAtCounter);
            if (t.Process != null && t.Process.HasDeliverableSignal())
                return -Errno.EINTR;
            return 0;
        }
    }

    /// <summary>A pipe's shared buffer: 64 KiB ring, reader and writer counts.</summary>
    public sealed unsafe class Pipe
    {
        public const int Capacity = 65536;
        private readonly byte[] _ring = new byte[Capacity];
        private int _head, _count;
        public int Readers, Writers;
        public readonly ulong Ino;
        public bool Named;
        public int Opens, WriterOpens;
        private static ulong s_nextIno = 0x10000;

        public Pipe() { Ino = s_nextIno++; }

        public int Available => _count;
        public int Space => Capacity - _count;

        public int Take(Span<byte> destination)
        {
            int n = destination.Length < _count ? destination.Length : _count;
            for (int i = 0; i < n; i++)
                destination[i] = _ring[(_head + i) % Capacity];
            _head = (_head + n) % Capacity;
            _count -= n;
            return n;
        }

        public int Put(ReadOnlySpan<byte> source)
        {
            int n = source.Length < Space ? source.Length : Space;
            int tail = (_head + _count) % Capacity;
            for (int i = 0; i < n; i++)
                _ring[(tail + i) % Capacity] = source[i];
            _count += n;
            return n;
        }

        public void Free()
        {
            Owned.Free(_ring);
            Owned.Free(this);
        }
    }

    /// <summary>FIFOs in file systems: one pipe per FIFO inode while it is open.</summary>
    public static class NamedPipes
    {
        private sealed class Entry
        {
            public Logic.Fs.Inode Node = null!;
            public Pipe Pipe = null!;
            public Entry? Next;
        }

        private static Entry? s_open;

        /// <summary>open(2) of a FIFO: O_RDONLY waits for a writer, O_WRONLY for a reader (O_NONBLOCK: ENXIO without one).</summary>
        public static int Open(Logic.Fs.Inode node, int flags, out OpenFile? file)
        {
            file = null;
            Entry? e = s_open;
            while (e != null && e.Node != node)
                e = e.Next;
            if (e == null)
            {
                e = new Entry { Node = node, Pipe = new Pipe(), Next = s_open };
                e.Pipe.Named = true;
                s_open = e;
            }
            int access = flags & OpenFlags.AccessMode;
            bool reader = access != OpenFlags.WriteOnly;
            bool nonBlocking = (flags & OpenFlags.NonBlock) != 0;
            Pipe pipe = e.Pipe;
            if (access == OpenFlags.WriteOnly && nonBlocking && pipe.Readers == 0)
            {
                Forget(pipe);
                return -Errno.ENXIO;
            }
            var end = new PipeEnd(pipe, reader, flags);
            if (access == OpenFlags.ReadWrite)
                pipe.Writers++; // O_RDWR: both ends at once (Linux allows it)
            pipe.Opens++;
            Scheduler.WakeAll(pipe);
            if (!nonBlocking && access != OpenFlags.ReadWrite)
            {
                // Wait for the other side (one open of it since we started waiting).
                while (reader ? pipe.Writers == 0 && pipe.WriterOpens == 0 : pipe.Readers == 0)
                {
                    ulong daif = Cpu.SaveAndDisableInterrupts();
                    int r = Waiting.WaitOn(pipe);
                    Cpu.RestoreInterrupts(daif);
                    if (r < 0)
                    {
                        end.Release();
                        return -Errno.ERESTARTSYS;
                    }
                }
            }
            if (!reader)
                pipe.WriterOpens++;
            end.Node = node;
            node.Acquire();
            file = end;
            return 0;
        }

        /// <summary>The pipe's last end closed: the FIFO starts empty next time.</summary>
        public static void Forget(Pipe pipe)
        {
            Entry? previous = null;
            for (Entry? e = s_open; e != null; previous = e, e = e.Next)
            {
                if (e.Pipe != pipe)
                    continue;
                if (previous == null) s_open = e.Next; else previous.Next = e.Next;
                Owned.Free(e);
                return;
            }
        }
    }

    /// <summary>One end of a pipe.</summary>
    public sealed class PipeEnd : OpenFile
    {
        private readonly Pipe _pipe;
        private readonly bool _reader;

        public PipeEnd(Pipe pipe, bool reader, int flags)
        {
            _pipe = pipe;
            _reader = reader;
            Flags = (flags & OpenFlags.AccessMode) == OpenFlags.ReadWrite ? flags : (flags & ~OpenFlags.AccessMode) | (reader ? OpenFlags.ReadOnly : OpenFlags.WriteOnly);
            if (reader) pipe.Readers++; else pipe.Writers++;
        }

        public override object WaitChannel => _pipe;

        public override long Read(Span<byte> destination)
        {
            if (!CanRead)
                return -Errno.EBADF;
            if (destination.Length == 0)
                return 0;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (_pipe.Available > 0)
                {
                    int n = _pipe.Take(destination);
                    Cpu.RestoreInterrupts(daif);
                    Scheduler.WakeAll(_pipe);
                    return n;
                }
                if (_pipe.Writers == 0)
                {
                    Cpu.RestoreInterrupts(daif);
                    return 0;
                }
                if (NonBlocking)
                {
                    Cpu.RestoreInterrupts(daif);
                    return -Errno.EAGAIN;
                }
                int r = Waiting.WaitOn(_pipe);
                Cpu.RestoreInterrupts(daif);
                if (r < 0)
                    return -Errno.ERESTARTSYS;
            }
        }

        public override long Write(ReadOnlySpan<byte> source)
        {
            if (!CanWrite)
                return -Errno.EBADF;
            int done = 0;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (_pipe.Readers == 0)
                {
                    Cpu.RestoreInterrupts(daif);
                    Scheduler.Current.Process?.SendSignal(Signals.SIGPIPE);
                    return done > 0 ? done : -Errno.EPIPE;
                }
                // Writes up to PIPE_BUF (4096) are atomic: wait for room for all of it.
                int need = source.Length - done <= 4096 ? source.Length - done : 1;
                if (_pipe.Space >= need)
                {
                    done += _pipe.Put(source.Slice(done));
                    Cpu.RestoreInterrupts(daif);
                    Scheduler.WakeAll(_pipe);
                    if (done == source.Length)
                        return done;
                    continue;
                }
                if (NonBlocking)
                {
                    Cpu.RestoreInterrupts(daif);
                    return done > 0 ? done : -Errno.EAGAIN;
                }
                int r = Waiting.WaitOn(_pipe);
                Cpu.RestoreInterrupts(daif);
                if (r < 0)
                    return done > 0 ? done : -Errno.ERESTARTSYS;
            }
        }

        public override int Poll()
        {
            int bits = 0;
            if (_reader)
            {
                if (_pipe.Available > 0) bits |= OpenFlags.PollIn | OpenFlags.PollRdNorm;
                if (_pipe.Writers == 0) bits |= OpenFlags.PollHup;
            }
            else
            {
                if (_pipe.Space > 0) bits |= OpenFlags.PollOut | OpenFlags.PollWrNorm;
                if (_pipe.Readers == 0) bits |= OpenFlags.PollErr;
            }
            return bits;
        }

        public override int Ioctl(uint command, ulong argument)
        {
            if (command == 0x541B) // FIONREAD
                return UserMemory.Write(argument, _pipe.Available);
            return -Errno.ENOTTY;
        }

        public override int Stat(Span<byte> stat)
            => Node != null ? base.Stat(stat) : StatWriter.Fill(stat, 0x0C, _pipe.Ino, 0x1000 | 0x180, 1, 0, 0);

        public override int Describe(Span<byte> text, Logic.Fs.Inode root)
        {
            if (Node != null)
                return base.Describe(text, root);
            var t = new TextBuilder(text);
            t.Append("pipe:["u8);
            t.Decimal(_pipe.Ino);
            t.Append((byte)']');
            return t.Length;
        }

        protected override void Closed()
        {
            base.Closed();
            if (_reader) _pipe.Readers--; else _pipe.Writers--;
            if (_reader && (Flags & OpenFlags.AccessMode) == OpenFlags.ReadWrite)
                _pipe.Writers--;
            Scheduler.WakeAll(_pipe);
            if (_pipe.Readers == 0 && _pipe.Writers == 0)
            {
                if (_pipe.Named)
                    NamedPipes.Forget(_pipe);
                _pipe.Free();
            }
        }
    }

    /// <summary>struct stat (asm-generic, 128 bytes) for files that are not in a file system.</summary>
    public static class StatWriter
    {
        public static int Fill(Span<byte> st, ulong dev, ulong ino, uint mode, uint nlink, ulong rdev, long size)
        {
            st.Slice(0, 128).Clear();
            Put64(st, 0, dev);
            Put64(st, 8, ino);
            Put32(st, 16, mode);
            Put32(st, 20, nlink);
            Put64(st, 32, rdev);
            Put64(st, 48, (ulong)size);
            Put32(st, 56, 4096);
            return 0;
        }

        public static void Put64(Span<byte> b, int at, ulong v)
        {
            for (int i = 0; i < 8; i++)
                b[at + i] = (byte)(v >> (8 * i));
        }

        public static void Put32(Span<byte> b, int at, uint v)
        {
            for (int i = 0; i < 4; i++)
                b[at + i] = (byte)(v >> (8 * i));
        }
    }
}
