using System;
using Kernel.Arch;
using Kernel.Logic.Fs;
using Kernel.Logic.Process;
using Kernel.Logic.Tty;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Processes;
using Kernel.Threading;
using Kernel.Time;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Fs
{
    /// <summary>System calls on open files: read and write (plain, vectored, positioned), lseek, descriptors (dup, fcntl, close), pipes, ioctl, poll and select, sendfile, umask.</summary>
    public static unsafe class FileSyscalls
    {
        private const int IoChunk = 4096;
        private const int MaxIov = 1024;
        /// <summary>The most one read or write transfers (Linux's MAX_RW_COUNT: INT_MAX rounded down to a page).</summary>
        private const ulong MaxTransfer = 0x7FFFF000;

        public static void Register()
        {
            Syscalls.Register("read"u8, &Read);
            Syscalls.Register("write"u8, &Write);
            Syscalls.Register("readv"u8, &Readv);
            Syscalls.Register("writev"u8, &Writev);
            Syscalls.Register("pread64"u8, &Pread64);
            Syscalls.Register("pwrite64"u8, &Pwrite64);
            Syscalls.Register("lseek"u8, &Lseek);
            Syscalls.Register("close"u8, &Close);
            Syscalls.Register("close_range"u8, &CloseRange);
            Syscalls.Register("fadvise64"u8, &Fadvise64);
            Syscalls.Register("dup"u8, &Dup);
            Syscalls.Register("dup3"u8, &Dup3);
            Syscalls.Register("fcntl"u8, &Fcntl);
            Syscalls.Register("pipe2"u8, &Pipe2);
            Syscalls.Register("ioctl"u8, &Ioctl);
            Syscalls.Register("ppoll"u8, &Ppoll);
            Syscalls.Register("pselect6"u8, &Pselect6);
            Syscalls.Register("sync"u8, &Sync);
            Syscalls.Register("fsync"u8, &Fsync);
            Syscalls.Register("fdatasync"u8, &Fsync);
            Syscalls.Register("syncfs"u8, &Syncfs);
            Syscalls.Register("fstat"u8, &Fstat);
            Syscalls.Register("umask"u8, &Umask);
            Syscalls.Register("sendfile"u8, &Sendfile);
            Syscalls.Register("copy_file_range"u8, &CopyFileRange);
            Syscalls.Register("preadv"u8, &Preadv);
            Syscalls.Register("pwritev"u8, &Pwritev);
        }

        /// <summary>Reads through a kernel bounce buffer into user memory.</summary>
        private static long ReadInto(OpenFile file, ulong buffer, ulong count, long offset)
        {
            if (!file.CanRead)
                return -Errno.EBADF;
            if (count > MaxTransfer)
                count = MaxTransfer;
            byte* chunk = stackalloc byte[IoChunk];
            ulong done = 0;
            while (done < count)
            {
                int want = count - done > IoChunk ? IoChunk : (int)(count - done);
                Span<byte> span = new Span<byte>(chunk, want);
                // Check the destination first: data taken from a pipe or the console cannot be put back.
                if (!UserMemory.CanWrite(buffer + done, (ulong)want))
                    return done > 0 ? (long)done : -Errno.EFAULT;
                long n = offset >= 0 ? file.ReadAt(span, offset + (long)done) : file.Read(span);
                if (n < 0)
                    return done > 0 && n != -Errno.ERESTARTSYS ? (long)done : done > 0 ? (long)done : n;
                if (n > 0 && UserMemory.CopyOut(buffer + done, span.Slice(0, (int)n)) < 0)
                    return done > 0 ? (long)done : -Errno.EFAULT;
                done += (ulong)n;
                if (n < want || file.IsStream)
                    break;
            }
            return (long)done;
        }

        private static long WriteFrom(OpenFile file, ulong buffer, ulong count, long offset)
        {
            if (!file.CanWrite)
                return -Errno.EBADF;
            if (count > MaxTransfer)
                count = MaxTransfer;
            byte* chunk = stackalloc byte[IoChunk];
            ulong done = 0;
            while (done < count)
            {
                int want = count - done > IoChunk ? IoChunk : (int)(count - done);
                Span<byte> span = new Span<byte>(chunk, want);
                if (UserMemory.CopyIn(buffer + done, span) < 0)
                    return done > 0 ? (long)done : -Errno.EFAULT;
                long n = offset >= 0 ? file.WriteAt(span, offset + (long)done) : file.Write(span);
                if (n < 0)
                    return done > 0 ? (long)done : n;
                done += (ulong)n;
                if (n < want)
                    break;
            }
            if (count == 0)
            {
                long n = offset >= 0 ? file.WriteAt(default, offset) : file.Write(default);
                if (n < 0)
                    return n;
            }
            return (long)done;
        }

        private static long Read(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file.TakesWholeRequests)
            {
                if (!file.CanRead)
                    return -Errno.EBADF;
                ulong* pair = stackalloc ulong[2];
                IoVectors v = IoVectors.ForUser(pair, f->X[1], f->X[2]);
                return file.ReadVectors(ref v);
            }
            return ReadInto(file, f->X[1], f->X[2], -1);
        }

        private static long Write(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file.TakesWholeRequests)
            {
                if (!file.CanWrite)
                    return -Errno.EBADF;
                ulong* pair = stackalloc ulong[2];
                IoVectors v = IoVectors.ForUser(pair, f->X[1], f->X[2]);
                return file.WriteVectors(ref v);
            }
            return WriteFrom(file, f->X[1], f->X[2], -1);
        }

        /// <summary>readv/writev of a file that takes whole requests: the iovec array read once, then one call.</summary>
        private static long WholeVector(OpenFile file, ulong iov, int count, bool write)
        {
            if (write ? !file.CanWrite : !file.CanRead)
                return -Errno.EBADF;
            ulong[] pairs = new ulong[2 * (count > 0 ? count : 1)];
            long r;
            fixed (ulong* p = pairs)
            {
                r = IoVectors.Load(iov, count, p, out IoVectors v);
                if (r == 0)
                    r = write ? file.WriteVectors(ref v) : file.ReadVectors(ref v);
            }
            Owned.Free(pairs);
            return r;
        }

        private static long Pread64(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if ((long)f->X[3] < 0)
                return -Errno.EINVAL;
            return ReadInto(file, f->X[1], f->X[2], (long)f->X[3]);
        }

        private static long Pwrite64(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if ((long)f->X[3] < 0)
                return -Errno.EINVAL;
            return WriteFrom(file, f->X[1], f->X[2], (long)f->X[3]);
        }

        private static long Preadv(TrapFrame* f) => (long)f->X[3] < 0 ? -Errno.EINVAL : Vector(f, false, (long)f->X[3]);
        private static long Pwritev(TrapFrame* f) => (long)f->X[3] < 0 ? -Errno.EINVAL : Vector(f, true, (long)f->X[3]);

        private static long Vector(TrapFrame* f, bool write, long offset = -1)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            ulong iov = f->X[1];
            int count = Int(f, 2);
            if (count < 0 || count > MaxIov)
                return -Errno.EINVAL;
            if (file.TakesWholeRequests && offset < 0)
                return WholeVector(file, iov, count, write);
            long total = 0;
            for (int i = 0; i < count; i++)
            {
                if (UserMemory.Read(iov + (ulong)i * 16, out ulong b) < 0 || UserMemory.Read(iov + (ulong)i * 16 + 8, out ulong len) < 0)
                    return total > 0 ? total : -Errno.EFAULT;
                if ((long)len < 0)
                    return -Errno.EINVAL;
                if (len == 0)
                    continue;
                long at = offset >= 0 ? offset + total : -1;
                long n = write ? WriteFrom(file, b, len, at) : ReadInto(file, b, len, at);
                if (n < 0)
                    return total > 0 ? total : n;
                total += n;
                if ((ulong)n < len)
                    break;
            }
            return total;
        }

        private static long Readv(TrapFrame* f) => Vector(f, false);
        private static long Writev(TrapFrame* f) => Vector(f, true);

        private static long Lseek(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            int whence = Int(f, 2);
            if (whence < 0 || whence > Whence.SEEK_MAX)
                return -Errno.EINVAL;
            return file.Seek((long)f->X[1], whence);
        }

        private static long Close(TrapFrame* f) => Current.Files!.Close(Int(f, 0));

        private const uint CloseRangeUnshare = 2, CloseRangeCloexec = 4;

        /// <summary>
        /// close_range(first, last, flags): closes (or with CLOSE_RANGE_CLOEXEC marks close-on-exec) every open
        /// descriptor from first to last. CLOSE_RANGE_UNSHARE changes nothing: threads share their table and
        /// processes never do here, and the caller's own table is the one it acts on either way.
        /// </summary>
        private static long CloseRange(TrapFrame* f)
        {
            uint first = (uint)f->X[0], last = (uint)f->X[1], flags = (uint)f->X[2];
            if ((flags & ~(CloseRangeUnshare | CloseRangeCloexec)) != 0 || first > last)
                return -Errno.EINVAL;
            FdTable table = Current.Files!;
            uint end = last < (uint)table.Capacity ? last : (uint)table.Capacity - 1;
            for (uint fd = first; fd <= end && fd < (uint)table.Capacity; fd++)
            {
                if (table.Get((int)fd) == null)
                    continue;
                if ((flags & CloseRangeCloexec) != 0)
                    table.SetCloseOnExec((int)fd, true);
                else
                    table.Close((int)fd);
            }
            return 0;
        }

        /// <summary>fadvise64(fd, offset, len, advice): advice is only a hint, taken and ignored; a bad descriptor, a pipe or an unknown advice is refused as Linux refuses them.</summary>
        private static long Fadvise64(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file is PipeEnd)
                return -Errno.ESPIPE;
            int advice = Int(f, 3);
            return advice < 0 || advice > 5 || (long)f->X[2] < 0 ? -Errno.EINVAL : 0;
        }

        private static long Dup(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            file.Acquire();
            return Current.Files!.Install(file, false);
        }

        private static long Dup3(TrapFrame* f)
        {
            int oldFd = Int(f, 0), newFd = Int(f, 1), flags = Int(f, 2);
            if ((flags & ~OpenFlags.CloseOnExec) != 0 || oldFd == newFd)
                return -Errno.EINVAL;
            OpenFile? file = File(oldFd);
            if (file == null)
                return -Errno.EBADF;
            if (newFd < 0 || newFd >= Current.Files!.Limit)
                return -Errno.EBADF;
            file.Acquire();
            Current.Files!.InstallAt(newFd, file, (flags & OpenFlags.CloseOnExec) != 0);
            return newFd;
        }

        private static long Fcntl(TrapFrame* f)
        {
            int fd = Int(f, 0), command = Int(f, 1);
            FdTable table = Current.Files!;
            OpenFile? file = table.Get(fd);
            if (file == null)
                return -Errno.EBADF;
            ulong argument = f->X[2];
            switch (command)
            {
                case 0: // F_DUPFD
                case 1030: // F_DUPFD_CLOEXEC
                    if ((long)argument < 0 || argument >= (ulong)table.Limit)
                        return -Errno.EINVAL;
                    file.Acquire();
                    return table.Install(file, command == 1030, (int)argument);
                case 1: // F_GETFD
                    return table.CloseOnExec(fd) ? 1 : 0;
                case 2: // F_SETFD
                    table.SetCloseOnExec(fd, (argument & 1) != 0);
                    return 0;
                case 3: // F_GETFL
                    return file.Flags & ~OpenFlags.CloseOnExec;
                case 4: // F_SETFL
                    file.Flags = (file.Flags & ~OpenFlags.StatusFlags) | ((int)argument & OpenFlags.StatusFlags);
                    return 0;
                case 5: // F_GETLK
                    {
                        // No locks are ever held by others: report F_UNLCK (l_type at offset 0).
                        return UserMemory.Write(argument, (short)2);
                    }
                case 6: // F_SETLK
                case 7: // F_SETLKW
                    return 0;
                case 1031: // F_SETPIPE_SZ
                case 1032: // F_GETPIPE_SZ
                    return Pipe.Capacity;
                default:
                    return -Errno.EINVAL;
            }
        }

        private static long Pipe2(TrapFrame* f)
        {
            int flags = Int(f, 1);
            if ((flags & ~(OpenFlags.CloseOnExec | OpenFlags.NonBlock | 0x4000 /* O_DIRECT */)) != 0)
                return -Errno.EINVAL;
            var pipe = new Pipe();
            var reader = new PipeEnd(pipe, true, flags & OpenFlags.NonBlock);
            var writer = new PipeEnd(pipe, false, flags & OpenFlags.NonBlock);
            bool cloexec = (flags & OpenFlags.CloseOnExec) != 0;
            FdTable table = Current.Files!;
            int r = table.Install(reader, cloexec);
            if (r < 0)
            {
                writer.Release();
                return r;
            }
            int w = table.Install(writer, cloexec);
            if (w < 0)
            {
                table.Close(r);
                return w;
            }
            if (UserMemory.Write(f->X[0], r) < 0 || UserMemory.Write(f->X[0] + 4, w) < 0)
            {
                table.Close(r);
                table.Close(w);
                return -Errno.EFAULT;
            }
            return 0;
        }

        private static long Ioctl(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            uint command = (uint)f->X[1];
            if (command == TtyIoctl.FIONBIO)
            {
                if (UserMemory.Read(f->X[2], out int on) < 0)
                    return -Errno.EFAULT;
                file.Flags = on != 0 ? file.Flags | OpenFlags.NonBlock : file.Flags & ~OpenFlags.NonBlock;
                return 0;
            }
            if (command == TtyIoctl.FIOCLEX || command == TtyIoctl.FIONCLEX)
            {
                Current.Files!.SetCloseOnExec(Int(f, 0), command == TtyIoctl.FIOCLEX);
                return 0;
            }
            return file.Ioctl(command, f->X[2]);
        }

        /// <summary>
        /// Polls <paramref name="count"/> descriptors until one is ready,
        /// the deadline passes (0: none; ulong.MaxValue: do not wait) or a signal arrives.
        /// </summary>
        internal static int PollWait(int* fds, short* events, short* revents, int count, ulong deadlineNs)
        {
            object?[]? channels = null;
            int r = PollWaitWith(fds, events, revents, count, deadlineNs, ref channels);
            if (channels != null)
                Owned.Free(channels);
            return r;
        }

        /// <summary>
        /// <see cref="PollWait"/>'s loop; <paramref name="channels"/> (made at
        /// the first wait, freed by the caller) holds every polled file's wait channel, so that readiness on any
        /// of them wakes the poller at once.
        /// </summary>
        private static int PollWaitWith(int* fds, short* events, short* revents, int count, ulong deadlineNs, ref object?[]? channels)
        {
            FdTable table = Current.Files!;
            while (true)
            {
                int ready = 0;
                for (int i = 0; i < count; i++)
                {
                    revents[i] = 0;
                    if (fds[i] < 0)
                        continue;
                    OpenFile? file = table.Get(fds[i]);
                    int bits = file == null ? OpenFlags.PollNval : file.Poll() & (events[i] | OpenFlags.PollErr | OpenFlags.PollHup);
                    revents[i] = (short)bits;
                    if (bits != 0)
                        ready++;
                }
                if (ready > 0 || deadlineNs == ulong.MaxValue)
                    return ready;
                ulong now = Clock.MonotonicNanoseconds();
                if (deadlineNs != 0 && now >= deadlineNs)
                    return 0;
                // Wait on every file's channel (and, as a safety net for a file whose readiness changes without a
                // wake-up of its channel, re-check at the next tick).
                channels ??= new object?[count];
                int waited = 0;
                for (int i = 0; i < count; i++)
                {
                    OpenFile? file = fds[i] >= 0 ? table.Get(fds[i]) : null;
                    if (file != null)
                        channels[waited++] = file.WaitChannel;
                }
                ulong daif = Cpu.SaveAndDisableInterrupts();
                ulong wake = NextTickCounter();
                if (deadlineNs != 0)
                {
                    ulong d = Clock.DeadlineAfter(deadlineNs > now ? deadlineNs - now : 0);
                    if (d < wake)
                        wake = d;
                }
                int r = Waiting.WaitOnAny(channels, waited, wake);
                for (int i = 0; i < waited; i++)
                    channels[i] = null;
                Cpu.RestoreInterrupts(daif);
                if (r < 0)
                    return -Errno.ERESTARTSYS;
            }
        }

        /// <summary>
        /// Ends a wait that ran with a temporary signal mask (ppoll, pselect6, epoll_pwait). Interrupted,
        /// the handler runs with the temporary mask and <paramref name="savedMask"/> comes back after it,
        /// as for sigsuspend; otherwise it comes back now.
        /// </summary>
        internal static void EndTemporaryMask(ulong savedMask, bool interrupted)
        {
            KernelThread t = Scheduler.Current;
            if (interrupted)
            {
                t.SavedMaskForSigsuspend = savedMask;
                t.InSigsuspend = true;
            }
            else
            {
                t.BlockedSignals = savedMask;
            }
        }

        /// <summary>
        /// A poll-style timeout (a struct timespec at <paramref name="address"/>, or none when 0) as the
        /// deadline <see cref="PollWait"/> takes: 0 for none, ulong.MaxValue for a zero timeout (do not wait).
        /// </summary>
        internal static int ReadPollDeadline(ulong address, out ulong deadline)
        {
            deadline = 0;
            if (address == 0)
                return 0;
            int r = TimeSyscalls.ReadTimespec(address, out ulong ns);
            if (r < 0)
                return r;
            deadline = ns == 0 ? ulong.MaxValue : Clock.MonotonicNanoseconds() + ns;
            return 0;
        }

        private static ulong NextTickCounter() => Drivers.SystemTimer.Counter() + Drivers.SystemTimer.Frequency / Drivers.SystemTimer.Hz;

        /// <summary>Descriptors poll and select handle in arrays on the kernel stack; more go on the heap.</summary>
        private const int StackPollFds = 256;

        private static long Ppoll(TrapFrame* f)
        {
            ulong n = f->X[1];
            if (n > (ulong)Current.Files!.Limit)
                return -Errno.EINVAL; // Linux: more than RLIMIT_NOFILE entries
            int count = (int)n;
            if (count <= StackPollFds)
            {
                int* fds = stackalloc int[StackPollFds + 1];
                short* events = stackalloc short[StackPollFds + 1];
                short* revents = stackalloc short[StackPollFds + 1];
                return PpollWith(f, count, fds, events, revents);
            }
            byte[] buffer = new byte[(count + 1) * 8];
            long r;
            fixed (byte* b = buffer)
                r = PpollWith(f, count, (int*)b, (short*)(b + (count + 1) * 4), (short*)(b + (count + 1) * 6));
            Owned.Free(buffer);
            return r;
        }

        private static long PpollWith(TrapFrame* f, int count, int* fds, short* events, short* revents)
        {
            ulong fdsAddress = f->X[0];
            int timeout = ReadPollDeadline(f->X[2], out ulong deadline);
            if (timeout < 0)
                return timeout;
            for (int i = 0; i < count; i++)
            {
                if (UserMemory.Read(fdsAddress + (ulong)i * 8, out int fd) < 0 || UserMemory.Read(fdsAddress + (ulong)i * 8 + 4, out short ev) < 0)
                    return -Errno.EFAULT;
                fds[i] = fd;
                events[i] = ev;
            }
            Process p = Current;
            ulong savedMask = Scheduler.Current.BlockedSignals;
            if (f->X[3] != 0)
            {
                if (UserMemory.Read(f->X[3], out ulong mask) < 0)
                    return -Errno.EFAULT;
                Scheduler.Current.BlockedSignals = mask & ~Signals.UnblockableMask;
            }
            int ready = PollWait(fds, events, revents, count, deadline);
            if (f->X[3] != 0)
            {
                EndTemporaryMask(savedMask, ready == -Errno.ERESTARTSYS);
                if (ready == -Errno.ERESTARTSYS)
                    return -Errno.EINTR;
            }
            if (ready < 0)
                return f->X[2] != 0 && ready == -Errno.ERESTARTSYS ? -Errno.EINTR : ready;
            for (int i = 0; i < count; i++)
                if (UserMemory.Write(fdsAddress + (ulong)i * 8 + 6, revents[i]) < 0)
                    return -Errno.EFAULT;
            return ready;
        }

        private static long Pselect6(TrapFrame* f)
        {
            int n = Int(f, 0);
            if (n < 0)
                return -Errno.EINVAL;
            int capacity = Current.Files!.Capacity;
            if (n > capacity)
                n = capacity; // Linux: no descriptor lies beyond the table
            int words = (n + 63) / 64;
            if (n <= StackPollFds)
            {
                ulong* sets = stackalloc ulong[3 * (StackPollFds / 64)];
                int* fds = stackalloc int[StackPollFds];
                short* events = stackalloc short[StackPollFds];
                short* revents = stackalloc short[StackPollFds];
                return Pselect6With(f, n, words, sets, fds, events, revents);
            }
            byte[] buffer = new byte[3 * words * 8 + n * 8];
            long r;
            fixed (byte* b = buffer)
            {
                byte* arrays = b + 3 * words * 8;
                r = Pselect6With(f, n, words, (ulong*)b, (int*)arrays, (short*)(arrays + n * 4), (short*)(arrays + n * 6));
            }
            Owned.Free(buffer);
            return r;
        }

        private static long Pselect6With(TrapFrame* f, int n, int words, ulong* sets, int* fds, short* events, short* revents)
        {
            ulong readSet = f->X[1], writeSet = f->X[2], exceptSet = f->X[3];
            int timeout = ReadPollDeadline(f->X[4], out ulong deadline);
            if (timeout < 0)
                return timeout;
            ulong* rin = sets, win = sets + words, ein = sets + 2 * words;
            for (int w = 0; w < words; w++) { rin[w] = 0; win[w] = 0; ein[w] = 0; }
            for (int w = 0; w < words; w++)
            {
                if (readSet != 0 && UserMemory.Read(readSet + (ulong)w * 8, out rin[w]) < 0) return -Errno.EFAULT;
                if (writeSet != 0 && UserMemory.Read(writeSet + (ulong)w * 8, out win[w]) < 0) return -Errno.EFAULT;
                if (exceptSet != 0 && UserMemory.Read(exceptSet + (ulong)w * 8, out ein[w]) < 0) return -Errno.EFAULT;
            }
            int count = 0;
            for (int fd = 0; fd < n; fd++)
            {
                ulong bit = 1UL << (fd & 63);
                short ev = 0;
                if ((rin[fd / 64] & bit) != 0) ev |= OpenFlags.PollIn | OpenFlags.PollHup;
                if ((win[fd / 64] & bit) != 0) ev |= OpenFlags.PollOut;
                if ((ein[fd / 64] & bit) != 0) ev |= OpenFlags.PollPri;
                if (ev == 0)
                    continue;
                if (File(fd) == null)
                    return -Errno.EBADF;
                fds[count] = fd;
                events[count] = ev;
                count++;
            }
            // The sixth argument points at { const sigset_t *mask; size_t size; }.
            Process p = Current;
            ulong savedMask = Scheduler.Current.BlockedSignals;
            bool masked = false;
            if (f->X[5] != 0)
            {
                if (UserMemory.Read(f->X[5], out ulong maskAddress) < 0)
                    return -Errno.EFAULT;
                if (maskAddress != 0)
                {
                    if (UserMemory.Read(maskAddress, out ulong mask) < 0)
                        return -Errno.EFAULT;
                    Scheduler.Current.BlockedSignals = mask & ~Signals.UnblockableMask;
                    masked = true;
                }
            }
            int ready = PollWait(fds, events, revents, count, deadline);
            if (masked)
            {
                EndTemporaryMask(savedMask, ready == -Errno.ERESTARTSYS);
                if (ready == -Errno.ERESTARTSYS)
                    return -Errno.EINTR;
            }
            if (ready < 0)
                return f->X[4] != 0 && ready == -Errno.ERESTARTSYS ? -Errno.EINTR : ready;
            for (int w = 0; w < words; w++) { rin[w] = 0; win[w] = 0; ein[w] = 0; }
            int total = 0;
            for (int i = 0; i < count; i++)
            {
                int fd = fds[i];
                ulong bit = 1UL << (fd & 63);
                short rv = revents[i];
                if ((events[i] & OpenFlags.PollIn) != 0 && (rv & (OpenFlags.PollIn | OpenFlags.PollHup | OpenFlags.PollErr)) != 0) { rin[fd / 64] |= bit; total++; }
                if ((events[i] & OpenFlags.PollOut) != 0 && (rv & (OpenFlags.PollOut | OpenFlags.PollErr)) != 0) { win[fd / 64] |= bit; total++; }
                if ((events[i] & OpenFlags.PollPri) != 0 && (rv & OpenFlags.PollPri) != 0) { ein[fd / 64] |= bit; total++; }
            }
            for (int w = 0; w < words; w++)
            {
                if (readSet != 0 && UserMemory.Write(readSet + (ulong)w * 8, rin[w]) < 0) return -Errno.EFAULT;
                if (writeSet != 0 && UserMemory.Write(writeSet + (ulong)w * 8, win[w]) < 0) return -Errno.EFAULT;
                if (exceptSet != 0 && UserMemory.Write(exceptSet + (ulong)w * 8, ein[w]) < 0) return -Errno.EFAULT;
            }
            return total;
        }

        private static long Sendfile(TrapFrame* f)
        {
            OpenFile? output = File(Int(f, 0)), input = File(Int(f, 1));
            if (output == null || input == null || !input.CanRead || !output.CanWrite)
                return -Errno.EBADF;
            if (input.IsStream)
                return -Errno.EINVAL; // the input must be mmap-able (a file), as Linux requires
            ulong offsetAddress = f->X[2], count = f->X[3];
            long offset = input.Offset;
            if (offsetAddress != 0)
            {
                if (UserMemory.Read(offsetAddress, out long o) < 0)
                    return -Errno.EFAULT;
                if (o < 0)
                    return -Errno.EINVAL;
                offset = o;
            }
            long done = CopyChunks(input, offset, output, -1, count);
            if (done < 0)
                return done;
            offset += done;
            if (offsetAddress != 0)
                UserMemory.Write(offsetAddress, offset);
            else
                input.Offset = offset;
            return done;
        }

        /// <summary>
        /// The copy of sendfile and copy_file_range: reads <paramref name="input"/> from <paramref name="inPos"/>
        /// a chunk at a time and writes each chunk to <paramref name="output"/> at <paramref name="outPos"/> (or,
        /// when it is negative, where the output's own offset is), until <paramref name="count"/> bytes, the
        /// input's end, a short write or an error. The bytes copied, or the first error when nothing was.
        /// </summary>
        private static long CopyChunks(OpenFile input, long inPos, OpenFile output, long outPos, ulong count)
        {
            byte* chunk = stackalloc byte[IoChunk];
            ulong done = 0;
            while (done < count)
            {
                int want = count - done > IoChunk ? IoChunk : (int)(count - done);
                long n = input.ReadAt(new Span<byte>(chunk, want), inPos + (long)done);
                if (n <= 0)
                {
                    if (n < 0 && done == 0)
                        return n;
                    break;
                }
                var data = new ReadOnlySpan<byte>(chunk, (int)n);
                long w = outPos < 0 ? output.Write(data) : output.WriteAt(data, outPos + (long)done);
                if (w <= 0)
                {
                    if (done == 0)
                        return w;
                    break;
                }
                done += (ulong)w;
                if (w < n)
                    break;
            }
            return (long)done;
        }

        /// <summary>
        /// copy_file_range(fd_in, off_in, fd_out, off_out, len, flags): copies through read and write, with
        /// Linux 6.1's checks (vfs_copy_file_range): flags must be 0 (EINVAL); a directory is EISDIR and any
        /// other file that is not regular EINVAL; fd_in not readable, fd_out not writable or O_APPEND EBADF;
        /// files on two file systems EXDEV (5.19+: only file systems with their own copy_file_range cross);
        /// a range that wraps EOVERFLOW, a negative offset EINVAL; the copy stops at fd_in's end; overlapping
        /// ranges of one file EINVAL. A null offset pointer uses
        /// and moves the file's offset, another is read and updated instead.
        /// </summary>
        private static long CopyFileRange(TrapFrame* f)
        {
            OpenFile? input = File(Int(f, 0)), output = File(Int(f, 2));
            if (input == null || output == null)
                return -Errno.EBADF;
            ulong inAddress = f->X[1], outAddress = f->X[3], count = f->X[4];
            long inPos = input.Offset, outPos = output.Offset;
            if (inAddress != 0 && UserMemory.Read(inAddress, out inPos) < 0)
                return -Errno.EFAULT;
            if (outAddress != 0 && UserMemory.Read(outAddress, out outPos) < 0)
                return -Errno.EFAULT;
            if (f->X[5] != 0)
                return -Errno.EINVAL;
            Logic.Fs.Inode? inNode = input.Node, outNode = output.Node;
            if ((inNode != null && Logic.Fs.InodeMode.IsDirectory(inNode.Mode)) || (outNode != null && Logic.Fs.InodeMode.IsDirectory(outNode.Mode)))
                return -Errno.EISDIR;
            if (inNode == null || outNode == null || !Logic.Fs.InodeMode.IsRegular(inNode.Mode) || !Logic.Fs.InodeMode.IsRegular(outNode.Mode))
                return -Errno.EINVAL;
            if (!input.CanRead || !output.CanWrite || (output.Flags & OpenFlags.Append) != 0)
                return -Errno.EBADF;
            if (inNode.Fs != outNode.Fs)
                return -Errno.EXDEV;
            // As Linux, a range that wraps (as unsigned numbers) is EOVERFLOW, and then a negative offset EINVAL.
            if ((ulong)inPos + count < (ulong)inPos || (ulong)outPos + count < (ulong)outPos)
                return -Errno.EOVERFLOW;
            if (inPos < 0 || outPos < 0)
                return -Errno.EINVAL;
            if (count > MaxTransfer)
                count = MaxTransfer;
            // Up to the input's end; a range overlapping itself in one file is refused.
            ulong size = inNode.Size;
            count = (ulong)inPos >= size ? 0 : (count < size - (ulong)inPos ? count : size - (ulong)inPos);
            if (inNode == outNode && (ulong)outPos + count > (ulong)inPos && (ulong)outPos < (ulong)inPos + count)
                return -Errno.EINVAL;
            long done = CopyChunks(input, inPos, output, outPos, count);
            if (done <= 0)
                return done;
            long result = done;
            if (inAddress != 0)
            {
                if (UserMemory.Write(inAddress, inPos + done) < 0)
                    result = -Errno.EFAULT;
            }
            else
            {
                input.Offset = inPos + done;
            }
            if (outAddress != 0)
            {
                if (UserMemory.Write(outAddress, outPos + done) < 0)
                    result = -Errno.EFAULT;
            }
            else
            {
                output.Offset = outPos + done;
            }
            return result;
        }

        /// <summary>sync: every disk file system written back, every disk's write cache flushed. Like Linux's, it reports no error.</summary>
        private static long Sync(TrapFrame* f)
        {
            FileSystems.SyncAll();
            return 0;
        }

        /// <summary>syncfs: the file system <paramref name="f"/>'s descriptor is on, written back and its disk flushed.</summary>
        private static long Syncfs(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            if (file.Node?.Fs?.Operations is Logic.Fs.FileSystemOperations ops)
                return ops.Sync();
            return 0;
        }

        private static long Fsync(TrapFrame* f) => File(Int(f, 0)) is OpenFile file ? file.Sync() : -Errno.EBADF;

        private static long Fstat(TrapFrame* f)
        {
            OpenFile? file = File(Int(f, 0));
            if (file == null)
                return -Errno.EBADF;
            Span<byte> st = stackalloc byte[128];
            int r = file.Stat(st);
            return r < 0 ? r : UserMemory.CopyOut(f->X[1], st);
        }

        private static long Umask(TrapFrame* f)
        {
            Process p = Current;
            uint old = p.Umask;
            p.Umask = (uint)f->X[0] & InodeMode.S_IRWXUGO;
            return old;
        }
    }
}
