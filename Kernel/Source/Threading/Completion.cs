using Kernel.Arch;

namespace Kernel.Threading
{
    /// <summary>
    /// A one-shot event an interrupt handler signals and a thread waits for (a device request's end).
    /// The waiting thread blocks in the scheduler; the boot thread, which is also the idle thread and
    /// cannot block (it mounts the root before anything else runs), sleeps in WFI until it is signalled.
    /// The wait cannot be interrupted by signals, as a disk wait on Linux (state D).
    /// </summary>
    public sealed class Completion
    {
        private volatile bool _done;

        public bool Done => _done;

        public void Reset() => _done = false;

        /// <summary>From the interrupt handler (or with interrupts masked): marks it done and wakes the waiter.</summary>
        public void Signal()
        {
            _done = true;
            Scheduler.WakeAll(this);
        }

        /// <summary>Returns once <see cref="Signal"/> was called; restores the caller's interrupt mask.</summary>
        public void Wait()
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            while (!_done)
                WaitOnce(this);
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>
        /// One wait (call with interrupts masked, returns with them masked): blocks on
        /// <paramref name="channel"/> until woken (<see cref="Scheduler.WakeAll"/>), or on the idle thread
        /// takes pending interrupts once. The caller loops on its condition.
        /// </summary>
        public static void WaitOnce(object channel)
        {
            if (Scheduler.Current == Scheduler.Idle)
            {
                Cpu.WaitForInterrupt();
                Cpu.EnableInterrupts();
                Cpu.DisableInterrupts();
            }
            else
            {
                Scheduler.Block(channel);
            }
        }
    }
}
