using System;
using Kernel.Arch;
using Kernel.Logic.Process;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;

namespace Kernel.Processes
{
    public static unsafe partial class SignalDelivery
    {
        private static void ToRegisters(TrapFrame* frame, ref UserRegisters regs)
        {
            for (int i = 0; i < 31; i++)
                regs.X[i] = frame->X[i];
            regs.Sp = frame->Sp;
            regs.Pc = frame->Elr;
            regs.Pstate = frame->Spsr;
            regs.Fpsr = frame->Fpsr;
            regs.Fpcr = frame->Fpcr;
            for (int i = 0; i < 64; i++)
                regs.V[i] = frame->Q[i];
        }

        private static void FromRegisters(in UserRegisters regs, TrapFrame* frame)
        {
            for (int i = 0; i < 31; i++)
                frame->X[i] = regs.X[i];
            frame->Sp = regs.Sp;
            frame->Elr = regs.Pc;
            frame->Spsr = regs.Pstate;
            frame->Fpsr = regs.Fpsr;
            frame->Fpcr = regs.Fpcr;
            for (int i = 0; i < 64; i++)
                frame->Q[i] = regs.V[i];
        }

        /// <summary>Sets up a handler's frame on the user stack (or the alternate stack) and enters it.</summary>
        private static void InvokeHandler(TrapFrame* frame, Process process, int signal, SigAction action, in SigInfo info)
        {
            KernelThread thread = Scheduler.Current;
            if (thread.InSyscallReturn)
            {
                switch (Signals.RestartFor((long)frame->X[0], true, action.Flags))
                {
                    case SyscallRestart.Interrupt:
                        frame->X[0] = unchecked((ulong)(long)-Errno.EINTR);
                        break;
                    case SyscallRestart.Restart:
                        frame->X[0] = thread.SyscallOriginalX0;
                        frame->Elr -= 4;
                        break;
                }
                thread.InSyscallReturn = false;
            }
            ulong savedMask = thread.InSigsuspend ? thread.SavedMaskForSigsuspend : thread.BlockedSignals;
            ulong handlerMask = Signals.MaskForHandler(thread.BlockedSignals, signal, in action);
            thread.InSigsuspend = false;

            UserRegisters regs = default;
            ToRegisters(frame, ref regs);
            ulong originalSp = frame->Sp;
            ulong top = thread.AltStack.StackTopFor(originalSp, action.Flags);
            ulong frameVa = SignalFrame.FrameAddress(top);
            byte* buffer = stackalloc byte[SignalFrame.Size];
            var span = new Span<byte>(buffer, SignalFrame.Size);
            bool fault = signal == Signals.SIGSEGV || signal == Signals.SIGBUS || signal == Signals.SIGILL || signal == Signals.SIGFPE || signal == Signals.SIGTRAP;
            int r = SignalFrame.Build(span, frameVa, in regs, savedMask, in info, in thread.AltStack, fault ? info.Addr : 0, fault ? frame->Esr : 0);
            if (r == 0)
                r = UserMemory.CopyOut(frameVa, span);
            if (r < 0)
            {
                // No room for the frame: as Linux, the process dies of SIGSEGV.
                process.Exit(Signals.SignaledStatus(Signals.SIGSEGV, false));
                return;
            }
            ulong restorer = (action.Flags & Signals.SA_RESTORER) != 0 ? action.Restorer : SignalTrampoline.Address;
            SignalFrame.EnterHandler(ref regs, frameVa, signal, action.Handler, restorer, (action.Flags & Signals.SA_SIGINFO) != 0);
            FromRegisters(in regs, frame);
            thread.BlockedSignals = handlerMask;
            if ((action.Flags & Signals.SA_RESETHAND) != 0)
                process.Actions[signal] = default;
            if (top != originalSp)
                thread.AltStack.AfterFrameSaved();
        }

        /// <summary>rt_sigreturn: restores the registers and mask saved in the frame at SP; -EINVAL for a corrupt frame.</summary>
        public static int Return(TrapFrame* frame, Process process)
        {
            ulong sp = frame->Sp;
            if (!SignalFrame.IsValidReturnSp(sp))
                return -Errno.EINVAL;
            byte* buffer = stackalloc byte[SignalFrame.RtSigframeSize];
            var span = new Span<byte>(buffer, SignalFrame.RtSigframeSize);
            if (UserMemory.CopyIn(sp, span) < 0)
                return -Errno.EFAULT;
            int r = SignalFrame.Restore(span, out UserRegisters regs, out ulong mask, out ulong ssSp, out int ssFlags, out ulong ssSize);
            if (r < 0)
                return r;
            FromRegisters(in regs, frame);
            Scheduler.Current.BlockedSignals = mask;
            Scheduler.Current.AltStack.Change(frame->Sp, ssSp, ssSize, ssFlags);
            return 0;
        }
    }
}
