using Kernel.Arch;
using Kernel.Logic.Process;
using Kernel.Threading;

namespace Kernel.Processes
{
    /// <summary>Delivers pending signals on the way back to EL0: default actions, or a handler frame.</summary>
    public static unsafe partial class SignalDelivery
    {
        /// <summary>Takes the lowest deliverable signal and acts on it.</summary>
        public static void DeliverOne(TrapFrame* frame, Process process)
        {
            KernelThread thread = Scheduler.Current;
            int signal = process.TakePending(thread, ~thread.BlockedSignals | Signals.UnblockableMask, out SigInfo info);
            if (signal <= 0)
                return;
            SigAction action = process.Actions[signal];
            if (signal == Signals.SIGKILL || signal == Signals.SIGSTOP)
                action.Handler = 0;
            if (action.Handler == 1)
                return; // SIG_IGN
            if (action.Handler == 0)
            {
                switch (Signals.Default(signal))
                {
                    case DefaultAction.Ignore:
                    case DefaultAction.Continue:
                        return;
                    case DefaultAction.Stop:
                        Stop(process, signal);
                        return;
                    default:
                        // Core-action signals end the process like Terminate ones: no core file is
                        // written (Linux with the default RLIMIT_CORE of 0), so no core flag.
                        process.Exit(Signals.SignaledStatus(signal, false));
                        return;
                }
            }
            InvokeHandler(frame, process, signal, action, in info);
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
                if ((parent.Actions[Signals.SIGCHLD].Flags & SaNoCldStop) == 0)
                    parent.SendSignal(Signals.SIGCHLD);
                Scheduler.WakeAll(parent);
            }
        }
    }
}
