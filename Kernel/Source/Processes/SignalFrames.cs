using Kernel.Diagnostics;
using Kernel.Logic;

namespace Kernel.Processes
{
    public static unsafe partial class SignalDelivery
    {
        private static void InvokeHandler(TrapFrame* frame, Process process, int signal, SigAction action)
        {
            process.Exit(signal);
        }

        public static int Return(TrapFrame* frame, Process process) => -Errno.EINVAL;
    }
}
