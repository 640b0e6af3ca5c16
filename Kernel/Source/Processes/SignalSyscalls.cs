using System;
using Kernel.Arch;
using Kernel.Logic.Process;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;
using Kernel.Time;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Processes
{
    /// <summary>Signal system calls: actions, masks, sending (kill, tkill, tgkill, sigqueue), waiting (sigsuspend, sigtimedwait), sigaltstack, rt_sigreturn.</summary>
    public static unsafe class SignalSyscalls
    {

        public static void Register()
        {
            Syscalls.Register("rt_sigaction"u8, &RtSigaction);
            Syscalls.Register("rt_sigprocmask"u8, &RtSigprocmask);
            Syscalls.Register("rt_sigreturn"u8, &RtSigreturn);
            Syscalls.Register("rt_sigpending"u8, &RtSigpending);
            Syscalls.Register("rt_sigsuspend"u8, &RtSigsuspend);
            Syscalls.Register("kill"u8, &Kill);
            Syscalls.Register("tkill"u8, &Tkill);
            Syscalls.Register("tgkill"u8, &Tgkill);
            Syscalls.Register("sigaltstack"u8, &Sigaltstack);
            Syscalls.Register("rt_sigqueueinfo"u8, &RtSigqueueinfo);
            Syscalls.Register("rt_sigtimedwait"u8, &RtSigtimedwait);
        }

        private static long RtSigaction(TrapFrame* f)
        {
            int signal = Int(f, 0);
            if (signal < 1 || signal > Signals.NSIG || f->X[3] != 8)
                return -Errno.EINVAL;
            Process p = Current;
            SigAction old = p.Actions[signal];
            if (f->X[1] != 0)
            {
                if (signal == Signals.SIGKILL || signal == Signals.SIGSTOP)
                    return -Errno.EINVAL;
                if (UserMemory.Read(f->X[1], out SigAction action) < 0)
                    return -Errno.EFAULT;
                action.Mask &= ~Signals.UnblockableMask;
                p.Actions[signal] = action;
                // Setting SIG_IGN (or SIG_DFL for a default-ignored signal) discards what is pending.
                if (action.Handler == 1 || (action.Handler == 0 && Signals.Default(signal) == DefaultAction.Ignore))
                {
                    p.PendingSignals &= ~Signals.Bit(signal);
                    for (KernelThread? t = p.Thread; t != null; t = t.NextInGroup)
                        t.PendingSignals &= ~Signals.Bit(signal);
                }
            }
            if (f->X[2] != 0 && UserMemory.Write(f->X[2], old) < 0)
                return -Errno.EFAULT;
            return 0;
        }

        private static long RtSigprocmask(TrapFrame* f)
        {
            int how = Int(f, 0);
            if (f->X[3] != 8)
                return -Errno.EINVAL;
            KernelThread t = Scheduler.Current;
            ulong old = t.BlockedSignals;
            if (f->X[1] != 0)
            {
                if (UserMemory.Read(f->X[1], out ulong set) < 0)
                    return -Errno.EFAULT;
                switch (how)
                {
                    case 0: t.BlockedSignals |= set; break;   // SIG_BLOCK
                    case 1: t.BlockedSignals &= ~set; break;  // SIG_UNBLOCK
                    case 2: t.BlockedSignals = set; break;    // SIG_SETMASK
                    default: return -Errno.EINVAL;
                }
                t.BlockedSignals &= ~Signals.UnblockableMask;
            }
            if (f->X[2] != 0 && UserMemory.Write(f->X[2], old) < 0)
                return -Errno.EFAULT;
            return 0;
        }

        private static long RtSigreturn(TrapFrame* f)
        {
            Process p = Current;
            if (SignalDelivery.Return(f, p) < 0)
            {
                // A corrupt frame: as Linux, the process gets SIGSEGV.
                p.Actions[Signals.SIGSEGV].Handler = 0;
                p.ForceSignal(Signals.SIGSEGV);
            }
            return (long)f->X[0];
        }

        private static long RtSigpending(TrapFrame* f)
        {
            if (f->X[1] != 8)
                return -Errno.EINVAL;
            KernelThread t = Scheduler.Current;
            return UserMemory.Write(f->X[0], (t.PendingSignals | Current.PendingSignals) & t.BlockedSignals);
        }

        private static long RtSigsuspend(TrapFrame* f)
        {
            if (f->X[1] != 8)
                return -Errno.EINVAL;
            if (UserMemory.Read(f->X[0], out ulong mask) < 0)
                return -Errno.EFAULT;
            KernelThread t = Scheduler.Current;
            t.SavedMaskForSigsuspend = t.BlockedSignals;
            t.InSigsuspend = true;
            t.BlockedSignals = mask & ~Signals.UnblockableMask;
            ulong daif = Cpu.SaveAndDisableInterrupts();
            while (!t.HasDeliverableSignal())
                Scheduler.Block(Current.SignalChannel);
            Cpu.RestoreInterrupts(daif);
            return -Errno.EINTR;
        }

        /// <summary>
        /// Whether <paramref name="sender"/> may signal <paramref name="target"/> (kill(2)): root may; others
        /// when their real or effective uid is the target's real or saved uid; SIGCONT within a session.
        /// </summary>
        private static int Permitted(Process sender, Process target, int signal)
            => sender.Euid == 0 || sender.Euid == target.Uid || sender.Euid == target.Suid || sender.Uid == target.Uid ||
               sender.Uid == target.Suid || signal == Signals.SIGCONT && sender.Sid == target.Sid
                ? 0 : -Errno.EPERM;

        private static long Kill(TrapFrame* f)
        {
            int pid = Int(f, 0), signal = Int(f, 1);
            if (signal < 0 || signal > Signals.NSIG)
                return -Errno.EINVAL;
            Process self = Current;
            if (pid > 0)
            {
                // A thread's id names its process too, as on Linux.
                Process? target = Process.Find(pid) ?? Process.FindThread(pid)?.Process;
                if (target == null || target.State != ProcessState.Alive)
                    return target == null ? -Errno.ESRCH : 0;
                int r = Permitted(self, target, signal);
                if (r == 0 && signal != 0)
                    target.SendSignal(signal, SigInfo.SI_USER, self);
                return r;
            }
            bool any = false;
            for (Process? p = Process.First; p != null; p = p.NextInTable)
            {
                if (p.State != ProcessState.Alive || p == Process.Init && pid == -1)
                    continue;
                bool match = pid == 0 ? p.Pgid == self.Pgid : pid == -1 ? p != self : p.Pgid == -pid;
                if (!match || Permitted(self, p, signal) < 0)
                    continue;
                any = true;
                if (signal != 0)
                    p.SendSignal(signal, SigInfo.SI_USER, self);
            }
            return any ? 0 : -Errno.ESRCH;
        }

        private static long Tkill(TrapFrame* f)
        {
            int tid = Int(f, 0), signal = Int(f, 1);
            if (tid <= 0 || signal < 0 || signal > Signals.NSIG)
                return -Errno.EINVAL;
            return SignalThread(Process.FindThread(tid), signal);
        }

        private static long SignalThread(KernelThread? thread, int signal)
        {
            Process? target = thread?.Process;
            if (target == null || target.State != ProcessState.Alive)
                return -Errno.ESRCH;
            int r = Permitted(Current, target, signal);
            if (r == 0 && signal != 0)
                target.SendToThread(thread!, signal, SigInfo.SI_TKILL, Current);
            return r;
        }

        private static long Tgkill(TrapFrame* f)
        {
            int tgid = Int(f, 0), tid = Int(f, 1), signal = Int(f, 2);
            if (tgid <= 0 || tid <= 0 || signal < 0 || signal > Signals.NSIG)
                return -Errno.EINVAL;
            KernelThread? thread = Process.FindThread(tid);
            if (thread == null || thread.Process?.Pid != tgid)
                return -Errno.ESRCH;
            return SignalThread(thread, signal);
        }

        private static long RtSigqueueinfo(TrapFrame* f)
        {
            int pid = Int(f, 0), signal = Int(f, 1);
            if (signal < 0 || signal > Signals.NSIG)
                return -Errno.EINVAL;
            Span<byte> raw = stackalloc byte[SigInfo.Size];
            if (UserMemory.CopyIn(f->X[2], raw) < 0)
                return -Errno.EFAULT;
            SigInfo info = SigInfo.Read(raw);
            Process self = Current;
            Process? target = Process.Find(pid);
            if (target == null || target.State != ProcessState.Alive)
                return -Errno.ESRCH;
            // Only the kernel may claim kernel codes (>= 0) for another process (Linux's rule).
            if ((info.Code >= 0 || info.Code == SigInfo.SI_TKILL) && target != self)
                return -Errno.EPERM;
            int r = Permitted(self, target, signal);
            if (r < 0 || signal == 0)
                return r;
            target.SendSignal(signal, info.Code, self, 0, 0, info.Value);
            return 0;
        }

        private static long RtSigtimedwait(TrapFrame* f)
        {
            if (f->X[3] != 8)
                return -Errno.EINVAL;
            if (UserMemory.Read(f->X[0], out ulong set) < 0)
                return -Errno.EFAULT;
            set &= ~Signals.UnblockableMask;
            ulong deadline = 0;
            bool poll = false;
            if (f->X[2] != 0)
            {
                int t = TimeSyscalls.ReadTimespec(f->X[2], out ulong ns);
                if (t < 0)
                    return t;
                poll = ns == 0;
                deadline = Clock.MonotonicNanoseconds() + ns;
            }
            Process p = Current;
            KernelThread thread = Scheduler.Current;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                int signal = p.TakePending(thread, set, out SigInfo info);
                if (signal > 0)
                {
                    Cpu.RestoreInterrupts(daif);
                    if (f->X[1] != 0)
                    {
                        Span<byte> raw = stackalloc byte[SigInfo.Size];
                        info.Write(raw);
                        if (UserMemory.CopyOut(f->X[1], raw) < 0)
                            return -Errno.EFAULT;
                    }
                    return signal;
                }
                if (thread.HasDeliverableSignal())
                {
                    Cpu.RestoreInterrupts(daif);
                    return -Errno.EINTR;
                }
                ulong now = Clock.MonotonicNanoseconds();
                if (poll || (deadline != 0 && now >= deadline))
                {
                    Cpu.RestoreInterrupts(daif);
                    return -Errno.EAGAIN;
                }
                thread.WaitingForSignals = set;
                Scheduler.Block(p.SignalChannel, deadline != 0 ? Clock.DeadlineAfter(deadline - now) : 0);
                thread.WaitingForSignals = 0;
                Cpu.RestoreInterrupts(daif);
            }
        }

        private static long Sigaltstack(TrapFrame* f)
        {
            KernelThread p = Scheduler.Current;
            ulong sp = f->Sp;
            if (f->X[1] != 0)
            {
                Span<byte> old = stackalloc byte[AltStack.Size];
                old.Clear();
                LittleEndian.Put64(old, AltStack.SpOffset, p.AltStack.Sp);
                LittleEndian.Put32(old, AltStack.FlagsOffset, (uint)p.AltStack.ReportedFlags(sp));
                LittleEndian.Put64(old, AltStack.SizeOffset, p.AltStack.StackSize);
                if (UserMemory.CopyOut(f->X[1], old) < 0)
                    return -Errno.EFAULT;
            }
            if (f->X[0] != 0)
            {
                if (UserMemory.Read(f->X[0], out ulong ssSp) < 0 || UserMemory.Read(f->X[0] + 8, out int flags) < 0 || UserMemory.Read(f->X[0] + 16, out ulong size) < 0)
                    return -Errno.EFAULT;
                return p.AltStack.Change(sp, ssSp, size, flags);
            }
            return 0;
        }
    }
}
