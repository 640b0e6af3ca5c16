using Kernel.Arch;
using Kernel.Logic.Process;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;
using Kernel.Processes;
using Kernel.Time;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Fs
{
    /// <summary>epoll_create1, epoll_ctl, epoll_pwait and epoll_pwait2 over <see cref="EpollFile"/>.</summary>
    public static unsafe class EpollSyscalls
    {
        private const uint EPOLLET = 1u << 31, EPOLLONESHOT = 1u << 30, EPOLLEXCLUSIVE = 1u << 28, EPOLLWAKEUP = 1u << 29;
        private const uint EpollPollBits = 0xFFFF;
        /// <summary>Interest-list entries one epoll_wait looks at (arrays on the kernel stack).</summary>
        private const int MaxScan = 256;
        private const int EpollEventSize = 16; // struct epoll_event on arm64: u32 events, (pad), u64 data

        public static void Register()
        {
            Syscalls.Register("epoll_create1"u8, &EpollCreate1);
            Syscalls.Register("epoll_ctl"u8, &EpollCtl);
            Syscalls.Register("epoll_pwait"u8, &EpollPwait);
            Syscalls.Register("epoll_pwait2"u8, &EpollPwait2);
        }

        private static long EpollCreate1(TrapFrame* f)
        {
            int flags = Int(f, 0);
            if ((flags & ~OpenFlags.CloseOnExec) != 0)
                return -Errno.EINVAL;
            var epoll = new EpollFile(0);
            return Current.Files!.Install(epoll, (flags & OpenFlags.CloseOnExec) != 0);
        }

        private static long EpollCtl(TrapFrame* f)
        {
            int epfd = Int(f, 0), op = Int(f, 1), fd = Int(f, 2);
            OpenFile? ep = File(epfd);
            OpenFile? target = File(fd);
            if (ep == null || target == null)
                return -Errno.EBADF;
            // Regular files and directories are always ready: Linux refuses them (before the other checks).
            if (target.Node != null && (target.Node.IsRegular || target.Node.IsDirectory))
                return -Errno.EPERM;
            if (ep is not EpollFile epoll || ep == target || op < 1 || op > 3)
                return -Errno.EINVAL;
            uint events = 0;
            ulong data = 0;
            if (op != 2)
            {
                if (UserMemory.Read(f->X[3], out events) < 0 || UserMemory.Read(f->X[3] + 8, out data) < 0)
                    return -Errno.EFAULT;
                if ((events & EPOLLEXCLUSIVE) != 0 && op == 3)
                    return -Errno.EINVAL;
            }
            EpollFile.Entry? entry = epoll.Find(fd, target);
            switch (op)
            {
                case 1: // EPOLL_CTL_ADD
                    if (entry != null)
                        return -Errno.EEXIST;
                    if (target is EpollFile)
                        return -Errno.EINVAL; // nested epoll is not supported
                    epoll.Add(new EpollFile.Entry { Fd = fd, File = target, Events = events, Data = data });
                    return 0;
                case 2: // EPOLL_CTL_DEL
                    if (entry == null)
                        return -Errno.ENOENT;
                    epoll.Remove(entry);
                    return 0;
                default: // EPOLL_CTL_MOD
                    if (entry == null)
                        return -Errno.ENOENT;
                    entry.Events = events;
                    entry.Data = data;
                    return 0;
            }
        }

        private static long EpollPwait(TrapFrame* f)
        {
            long timeoutMs = Int(f, 3);
            ulong deadline = timeoutMs < 0 ? 0 : timeoutMs == 0 ? ulong.MaxValue : Clock.MonotonicNanoseconds() + (ulong)timeoutMs * 1_000_000;
            return EpollWait(f, deadline);
        }

        private static long EpollPwait2(TrapFrame* f)
        {
            int r = FileSyscalls.ReadPollDeadline(f->X[3], out ulong deadline);
            return r < 0 ? r : EpollWait(f, deadline);
        }

        /// <summary>epoll_pwait(2) and epoll_pwait2(2) once the deadline is known (0: none; MaxValue: do not wait).</summary>
        private static long EpollWait(TrapFrame* f, ulong deadline)
        {
            int epfd = Int(f, 0), max = Int(f, 2);
            ulong events = f->X[1];
            OpenFile? ep = File(epfd);
            if (ep == null)
                return -Errno.EBADF;
            if (ep is not EpollFile epoll || max <= 0 || max > int.MaxValue / EpollEventSize)
                return -Errno.EINVAL;
            if (!UserMemory.CanWrite(events, (ulong)max * EpollEventSize))
                return -Errno.EFAULT;
            Process p = Current;
            ulong savedMask = Scheduler.Current.BlockedSignals;
            bool masked = false;
            if (f->X[4] != 0)
            {
                if (f->X[5] != 8)
                    return -Errno.EINVAL;
                if (UserMemory.Read(f->X[4], out ulong mask) < 0)
                    return -Errno.EFAULT;
                Scheduler.Current.BlockedSignals = mask & ~Signals.UnblockableMask;
                masked = true;
            }
            int* fds = stackalloc int[MaxScan];
            short* wanted = stackalloc short[MaxScan];
            short* revents = stackalloc short[MaxScan];
            FdTable table = p.Files!;
            long result;
            while (true)
            {
                // Entries whose descriptor was closed (or now names another file) are gone, as on Linux.
                int count = 0;
                EpollFile.Entry? e = epoll.First;
                while (e != null)
                {
                    EpollFile.Entry? next = e.Next;
                    if (table.Get(e.Fd) != e.File)
                        epoll.Remove(e);
                    else if (count < MaxScan)
                    {
                        // A one-shot entry that has fired reports nothing (not even HUP) until re-armed.
                        bool disarmed = (e.Events & EPOLLONESHOT) != 0 && (e.Events & EpollPollBits) == 0;
                        fds[count] = disarmed ? -1 : e.Fd;
                        wanted[count] = (short)(e.Events & EpollPollBits);
                        count++;
                    }
                    e = next;
                }
                ulong generation = epoll.Generation;
                int ready = FileSyscalls.PollWait(fds, wanted, revents, count, deadline);
                if (ready < 0)
                {
                    result = -Errno.EINTR;
                    break;
                }
                if (epoll.Generation != generation)
                    continue; // another process sharing the instance changed the list meanwhile: look again
                // Report in interest-list order, at most max; the list is walked the same way as above.
                int reported = 0;
                int i = 0;
                result = 0;
                for (e = epoll.First; e != null && i < count && reported < max; e = e.Next, i++)
                {
                    int bits = revents[i] & ~OpenFlags.PollNval;
                    if (fds[i] < 0 || bits == 0)
                        continue;
                    ulong at = events + (ulong)reported * EpollEventSize;
                    if (UserMemory.Write(at, (uint)bits) < 0 || UserMemory.Write(at + 8, e.Data) < 0)
                    {
                        result = -Errno.EFAULT;
                        break;
                    }
                    if ((e.Events & EPOLLONESHOT) != 0)
                        e.Events &= EPOLLONESHOT | EPOLLET | EPOLLWAKEUP; // disarmed until EPOLL_CTL_MOD
                    reported++;
                }
                if (result < 0)
                    break;
                result = reported;
                // PollWait returns nothing ready only once the deadline has passed.
                break;
            }
            if (masked)
                FileSyscalls.EndTemporaryMask(savedMask, result == -Errno.EINTR);
            return result;
        }
    }
}
