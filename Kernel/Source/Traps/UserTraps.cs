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

        public static void Handle(TrapFrame* frame, ulong kind)
        {
            KernelThread thread = Scheduler.Current;
            Process? process = thread.Process;
            if (process == null)
                Panic.FromTrap(frame, kind);
            if (kind == IrqFromUser)
            {
                Exceptions.HandleInterruptFromUser();
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
            uint ec = (uint)(esr >> 26);
            switch (ec)
            {
                case 0x15: // SVC64
                    Cpu.EnableInterrupts();
                    Syscalls.Dispatch(frame, process);
                    Cpu.DisableInterrupts();
                    return;
                case 0x20: // instruction abort from EL0
                case 0x24: // data abort from EL0
                    {
                        uint dfsc = (uint)(esr & 0x3F);
                        bool write = ec == 0x24 && (esr & (1 << 6)) != 0;
                        bool exec = ec == 0x20;
                        ulong va = frame->Far;
                        // Translation (0b0001xx), access flag (0b0010xx) and permission (0b0011xx) faults.
                        if (dfsc >= 0x04 && dfsc <= 0x0F)
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
                        if (dfsc == 0x21) // alignment fault
                        {
                            ForceSignal(process, Signals.SIGBUS, va);
                            return;
                        }
                        ForceSignal(process, Signals.SIGSEGV, va);
                        return;
                    }
                case 0x22: // PC alignment
                case 0x26: // SP alignment
                    ForceSignal(process, Signals.SIGBUS, frame->Far);
                    return;
                case 0x2C: // floating-point exception (trapped)
                    ForceSignal(process, Signals.SIGFPE, frame->Elr);
                    return;
                case 0x3C: // BRK
                case 0x30:
                case 0x32:
                case 0x34: // breakpoints, step, watchpoints
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
                Log.Line($"{new ReadOnlySpan<byte>(process.Name, 0, process.NameLength)}[{process.Pid}]: unhandled signal {signal} at pc {frame->Elr:x}, address {address:x}, esr {frame->Esr:x}");
            ulong bit = Signals.Bit(signal);
            if ((process.BlockedSignals & bit) != 0 || process.Actions[signal].Handler == 1)
            {
                process.BlockedSignals &= ~bit;
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
            while (true)
            {
                if (Scheduler.NeedResched)
                    Scheduler.Yield();
                Cpu.DisableInterrupts();
                if (!process.HasDeliverableSignal() && !process.Stopped)
                    break;
                if (process.Stopped)
                {
                    Scheduler.Block(process.StopChannel);
                    continue;
                }
                SignalDelivery.DeliverOne(frame, process);
            }
            // A restartable call interrupted without a handler running: run it again.
            if (process.InSyscallReturn && (long)frame->X[0] == -Errno.ERESTARTSYS)
            {
                frame->X[0] = process.SyscallOriginalX0;
                frame->Elr -= 4;
            }
            process.InSyscallReturn = false;
        }
    }
}
