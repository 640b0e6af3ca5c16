using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Drivers;
using Kernel.Logic.Process;
using Kernel.Logic;
using Kernel.Processes;
using Kernel.Threading;

namespace Kernel.Traps
{
    /// <summary>
    /// Exceptions from EL0: system calls, page faults (demand paging, copy-on-write, or a signal),
    /// other synchronous faults as signals, and interrupts. Every return to EL0 passes through
    /// <see cref="ReturnToUser"/>: pending signals are delivered and the tick's preemption happens there.
    /// </summary>
    public static unsafe class UserTraps
    {
        private const ulong SyncFromUser = 8, IrqFromUser = 9;
        private static RateLimit s_unhandledLimit;

        public static void Handle(TrapFrame* frame, ulong kind)
        {
            KernelThread thread = Scheduler.Current;
            Process? process = thread.Process;
            if (process == null)
                Panic.FromTrap(frame, kind);
            if (kind == IrqFromUser)
            {
                Interrupts.HandleFromUser();
            }
            else if (kind == SyncFromUser)
            {
                Synchronous(frame, process!);
            }
            else
            {
                // FIQ/SError from EL0 or any AArch32 state: nothing we support.
                process!.ForceSignal(Signals.SIGILL);
            }
            ReturnToUser(frame, process!);
        }

        private static void Synchronous(TrapFrame* frame, Process process)
        {
            ulong esr = frame->Esr;
            uint ec = ExceptionSyndrome.ExceptionClass(esr);
            switch (ec)
            {
                case ExceptionSyndrome.EcSvc64:
                    Cpu.EnableInterrupts();
                    Syscalls.Dispatch(frame, process);
                    Cpu.DisableInterrupts();
                    return;
                case ExceptionSyndrome.EcInstructionAbortLower:
                case ExceptionSyndrome.EcDataAbortLower:
                    {
                        uint fsc = ExceptionSyndrome.FaultStatus(esr);
                        bool write = ec == ExceptionSyndrome.EcDataAbortLower && ExceptionSyndrome.IsWrite(esr);
                        bool exec = ec == ExceptionSyndrome.EcInstructionAbortLower;
                        ulong va = frame->Far;
                        if (ExceptionSyndrome.IsPageFault(fsc))
                        {
                            Cpu.EnableInterrupts();
                            int r = process.Memory!.HandleFault(va, write, exec);
                            Cpu.DisableInterrupts();
                            if (r == 0)
                            {
                                process.MinorFaults++;
                                return;
                            }
                            if (r == -Errno.EIO)
                            {
                                ForceSignal(process, Signals.SIGBUS, va);
                                return;
                            }
                            if (r == -Errno.ENOMEM)
                            {
                                Log.Line($"out of memory: killing pid {process.Pid}");
                                process.ForceSignal(Signals.SIGKILL);
                                return;
                            }
                            ForceSignal(process, Signals.SIGSEGV, va);
                            return;
                        }
                        if (fsc == ExceptionSyndrome.FscAlignment)
                        {
                            ForceSignal(process, Signals.SIGBUS, va);
                            return;
                        }
                        ForceSignal(process, Signals.SIGSEGV, va);
                        return;
                    }
                case ExceptionSyndrome.EcPcAlignment:
                case ExceptionSyndrome.EcSpAlignment:
                    ForceSignal(process, Signals.SIGBUS, frame->Far);
                    return;
                case ExceptionSyndrome.EcFpException64:
                    ForceSignal(process, Signals.SIGFPE, frame->Elr);
                    return;
                case ExceptionSyndrome.EcBrk64:
                case ExceptionSyndrome.EcBreakpointLower:
                case ExceptionSyndrome.EcStepLower:
                case ExceptionSyndrome.EcWatchpointLower:
                    ForceSignal(process, Signals.SIGTRAP, frame->Elr);
                    return;
                default: // unknown instruction, trapped system registers, ...
                    ForceSignal(process, Signals.SIGILL, frame->Elr);
                    return;
            }
        }

        /// <summary>A fault's signal: cannot be blocked or ignored away (a blocked/ignored one kills, as Linux).</summary>
        private static void ForceSignal(Process process, int signal, ulong address)
        {
            TrapFrame* frame = Scheduler.Current.UserFrame;
            if (process.Actions[signal].Handler <= 1)
            {
                // Linux (arm64_show_signal) rate-limits these lines: 10 every 5 s, then a count of the rest.
                if (s_unhandledLimit.Interval == 0)
                    s_unhandledLimit = new RateLimit(RateLimit.DefaultIntervalSeconds * SystemTimer.Frequency, RateLimit.DefaultBurst);
                bool show = s_unhandledLimit.Allow(SystemTimer.Counter(), out int suppressed);
                if (suppressed > 0)
                    Log.Line($"show_signal: {suppressed} callbacks suppressed");
                if (show)
                    Log.Line($"{new ReadOnlySpan<byte>(process.Name, 0, process.NameLength)}[{process.Pid}]: unhandled signal {signal} at pc {frame->Elr:x}, address {address:x}, esr {frame->Esr:x}");
            }
            ulong bit = Signals.Bit(signal);
            KernelThread thread = Scheduler.Current;
            if ((thread.BlockedSignals & bit) != 0 || process.Actions[signal].Handler == 1)
            {
                thread.BlockedSignals &= ~bit;
                process.Actions[signal].Handler = 0;
            }
            int code = signal == Signals.SIGSEGV ? SigInfo.SEGV_MAPERR : signal == Signals.SIGBUS ? (process.Memory!.FindArea(address) != null ? SigInfo.BUS_ADRERR : SigInfo.BUS_ADRALN)
                : signal == Signals.SIGILL ? SigInfo.ILL_ILLOPC : signal == Signals.SIGTRAP ? SigInfo.TRAP_BRKPT : SigInfo.FPE_FLTINV;
            if (signal == Signals.SIGSEGV && process.Memory!.FindArea(address) != null)
                code = SigInfo.SEGV_ACCERR;
            process.ForceSignal(signal, code, address);
        }

        /// <summary>On every way back to EL0: preemption, stops, signal delivery, syscall restarts.</summary>
        public static void ReturnToUser(TrapFrame* frame, Process process)
        {
            KernelThread thread = Scheduler.Current;
            while (true)
            {
                if (Scheduler.NeedResched)
                    Scheduler.Yield();
                Cpu.DisableInterrupts();
                if (!thread.HasDeliverableSignal() && !process.Stopped)
                    break;
                if (thread.ExitRequested)
                {
                    Cpu.EnableInterrupts();
                    process.ExitThread(0);
                }
                if (process.Stopped)
                {
                    Scheduler.Block(process.StopChannel);
                    continue;
                }
                SignalDelivery.DeliverOne(frame, process);
            }
            // A restartable call interrupted without a handler running: run it again.
            if (thread.InSyscallReturn && (long)frame->X[0] == -Errno.ERESTARTSYS)
            {
                frame->X[0] = thread.SyscallOriginalX0;
                frame->Elr -= 4;
            }
            thread.InSyscallReturn = false;
        }
    }
}
