using Kernel.Arch;
using Kernel.Logic;

namespace Kernel.Threading
{
    /// <summary>Blocking helpers for files: wait until a condition holds, a signal arrives or time runs out.</summary>
    public static class Waiting
    {
        /// <summary>Blocks once on <paramref name="channel"/>; returns -EINTR when a signal is pending.</summary>
        public static int WaitOn(object channel, ulong wakeAtCounter = 0)
        {
            KernelThread t = Scheduler.Current;
            if (t.Process != null && t.HasDeliverableSignal())
                return -Errno.EINTR;
            Scheduler.Block(channel, wakeAtCounter);
            if (t.Process != null && t.HasDeliverableSignal())
                return -Errno.EINTR;
            return 0;
        }

        /// <summary>
        /// The end of one round of a blocking read or write that found nothing to do, called with interrupts
        /// masked (<paramref name="daif"/> as saved): -EAGAIN for a non-blocking file, else one wait on
        /// <paramref name="channel"/> (-ERESTARTSYS when a signal came). Interrupts are restored either way;
        /// 0 means: check again.
        /// </summary>
        public static int BlockUnlessNonBlocking(object channel, bool nonBlocking, ulong daif, ulong wakeAtCounter = 0)
        {
            int r = nonBlocking ? -Errno.EAGAIN : WaitOn(channel, wakeAtCounter) < 0 ? -Errno.ERESTARTSYS : 0;
            Cpu.RestoreInterrupts(daif);
            return r;
        }

        /// <summary>Blocks once until any of the first <paramref name="count"/> channels is woken; -EINTR when a signal is pending.</summary>
        public static int WaitOnAny(object?[] channels, int count, ulong wakeAtCounter = 0)
        {
            KernelThread t = Scheduler.Current;
            if (t.Process != null && t.HasDeliverableSignal())
                return -Errno.EINTR;
            Scheduler.BlockOnAny(channels, count, wakeAtCounter);
            if (t.Process != null && t.HasDeliverableSignal())
                return -Errno.EINTR;
            return 0;
        }
    }
}
