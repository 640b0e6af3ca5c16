using Kernel.Logic.Process;

namespace Kernel.Processes
{
    /// <summary>
    /// A queued real-time signal's entry (each one sent is delivered). Entries are the queue's, freed when
    /// taken, except a POSIX timer's, which the timer makes in advance (its signal is queued from the tick,
    /// where nothing may be allocated) and keeps while <see cref="Owner"/> is set; a timer deleted while its
    /// entry is queued leaves the entry to the queue.
    /// </summary>
    public sealed class QueuedSignal
    {
        public SigInfo Info;
        public QueuedSignal? Next;
        /// <summary>The timer that owns the entry (null: the queue owns it).</summary>
        public object? Owner;
        /// <summary>Whether the entry is on a process's queue.</summary>
        public bool Queued;
    }
}
