using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Logic;
using Kernel.Threading;

namespace Kernel.Processes
{
    /// <summary>Delivers pending signals on the way back to EL0: default actions, or a handler frame.</summary>
    public static unsafe partial class SignalDelivery
    {
        /// <summary>Takes the lowest deliverable signal and acts on it.</summary>
        public static void DeliverOne(TrapFrame* frame, Process process)
        {
            ulong deliverable = process.PendingSignals & ~process.BlockedSignals;
            deliverable |= process.PendingSignals & (Signal.Bit(Signal.SIGKILL) | Signal.Bit(Signal.SIGSTOP));
            if (deliverable == 0)
                return;
            int signal = 1;
            while ((deliverable & Signal.Bit(signal)) == 0)
                signal++;
            process.PendingSignals &= ~Signal.Bit(signal);
            SigAction action = process.Actions[signal];
            if (signal == Signal.SIGKILL || signal == Signal.SIGSTOP)
                action.Handler = 0;
            if (action.Handler == 1)
                return; // SIG_IGN
            if (action.Handler == 0)
            {
                switch (SignalDefaults.Action(signal))
                {
                    case SignalDefaults.Ignore:
                    case SignalDefaults.Continue:
                        return;
                    case SignalDefaults.Stop:
                        Stop(process, signal);
                        return;
                    case SignalDefaults.Core:
                        process.Exit(signal | 0x80);
                        return;
                    default:
                        process.Exit(signal);
                        return;
                }
            }
            InvokeHandler(frame, process, signal, action);
        }

        private static void Stop(Process process, int signal)
        {
            process.Stopped = true;
            process.StopSignal = signal;
            process.StopReported = false;
            Process? parent = process.Parent;
            if (parent != null)
            {
                const ulong SaNoCldStop = 1;
                if ((parent.Actions[Signal.SIGCHLD].Flags & SaNoCldStop) == 0)
                    parent.SendSignal(Signal.SIGCHLD);
                Scheduler.WakeAll(parent);
            }
        }
    }
}
