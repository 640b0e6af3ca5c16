using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Threading;

namespace Kernel.Fs
{
    /// <summary>
    /// The write-back thread: every <see cref="IntervalSeconds"/> seconds (Linux's
    /// dirty_writeback_centisecs) the disk file systems are written back and their inode caches
    /// trimmed. Linux writes back only what has been dirty for 30 s; this writes everything dirty,
    /// which costs nothing when nothing changed (no write, no flush).
    /// </summary>
    public static unsafe class WriteBack
    {
        public const ulong IntervalSeconds = 5;
        private static KernelThread? s_thread;

        /// <summary>Starts the thread (once, when the first disk file system is mounted).</summary>
        public static void Start()
        {
            if (s_thread != null)
                return;
            s_thread = KernelThread.Create("writeback", &Run, 0);
            Scheduler.Start(s_thread);
        }

        private static void Run(ulong argument)
        {
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                Scheduler.Block(s_thread, SystemTimer.Counter() + IntervalSeconds * SystemTimer.Frequency);
                Cpu.RestoreInterrupts(daif);
                FileSystems.SyncAll(flushDisks: false);
                FileSystems.TrimAll();
            }
        }
    }
}
