using System;
using Kernel.Arch;
using Kernel.Logic;
using Kernel.Memory;

namespace Kernel.Threading
{
    /// <summary>
    /// A thread: a kernel stack from the page allocator and the callee-saved registers while it is
    /// switched out. A user thread also has a process and, at the top of its kernel stack, the
    /// TrapFrame holding its user registers.
    /// </summary>
    public sealed unsafe class KernelThread
    {
        public const ulong StackPages = 8;

        internal CpuContext Context;
        internal KernelThread? Next;
        private ulong _stackPhysical;

        public string Name { get; }
        public ThreadState State;
        public bool Finished => State == ThreadState.Finished;
        /// <summary>What a blocked thread waits for (<see cref="Scheduler.WakeAll"/> wakes by it).</summary>
        public object? WaitChannel;
        /// <summary>More channels a blocked thread waits for, any of which wakes it (poll, select, epoll): the first <see cref="WaitChannelCount"/>.</summary>
        public object?[]? WaitChannels;
        public int WaitChannelCount;
        /// <summary>Counter value at which a blocked thread is woken anyway (0: none).</summary>
        public ulong WakeAt;
        public bool TimedOut;
        public Processes.Process? Process;
        public TrapFrame* UserFrame;
        public ulong UserTls;

        // ---- A user thread's own state (its process holds what the thread group shares) ----

        /// <summary>The thread id (the process id for the thread group's first thread).</summary>
        public int Tid;
        /// <summary>The next thread of the same process (the list starts at <see cref="Processes.Process.Thread"/>).</summary>
        public KernelThread? NextInGroup;
        /// <summary>Its /proc/PID/task/TID directory, made at the first lookup and cut loose when the thread leaves its group.</summary>
        public Logic.Fs.Inode? ProcDirectory;
        /// <summary>This thread's signal mask, and the signals sent to this thread alone (tkill, faults).</summary>
        public ulong BlockedSignals, PendingSignals;
        public Logic.Process.AltStack AltStack;
        /// <summary>set_tid_address/CLONE_CHILD_CLEARTID: zeroed and futex-woken when the thread ends.</summary>
        public ulong ClearChildTid;
        /// <summary>set_robust_list: the head of the thread's list of held robust futexes (0: none).</summary>
        public ulong RobustList;
        /// <summary>The syscall being run: original x0, for restarts.</summary>
        public ulong SyscallOriginalX0;
        /// <summary>x0 of the user frame holds a system call's result (for -ERESTARTSYS handling).</summary>
        public bool InSyscallReturn;
        public bool InSigsuspend;
        public ulong SavedMaskForSigsuspend;
        /// <summary>rt_sigtimedwait: signals in this set wake the thread even while blocked.</summary>
        public ulong WaitingForSignals;
        /// <summary>The thread must end on its way back to user mode (exit_group, execve from another thread).</summary>
        public bool ExitRequested;
        /// <summary>A futex wait: the word's key (address space or page, and address) and FUTEX_WAIT_BITSET's mask.</summary>
        public object? FutexSpace;
        public ulong FutexAddress;
        public uint FutexBitset;
        public bool FutexWoken;
        internal KernelThread? FutexNext;

        /// <summary>
        /// Whether a signal would interrupt this user thread: one pending for it or its process and not
        /// blocked, SIGKILL or SIGSTOP, or an exit asked of it.
        /// </summary>
        public bool HasDeliverableSignal()
        {
            if (ExitRequested)
                return true;
            ulong pending = PendingSignals | (Process?.PendingSignals ?? 0);
            return (pending & ~BlockedSignals) != 0 || (pending & Logic.Process.Signals.UnblockableMask) != 0;
        }

        private KernelThread(string name) { Name = name; }

        /// <summary>The thread running the boot code, adopted as the first thread.</summary>
        internal static KernelThread ForBootThread() => new KernelThread("boot");

        private static KernelThread? WithStack(string name)
        {
            var thread = new KernelThread(name);
            thread._stackPhysical = MemoryManager.Pages.AllocatePages(StackPages);
            if (thread._stackPhysical == 0)
            {
                Owned.Free(thread);
                return null;
            }
            return thread;
        }

        private ulong StackTop => MemoryManager.PhysicalToVirtual(_stackPhysical) + StackPages * PageAllocator.PageSize;

        /// <summary>Creates a thread that will call <paramref name="entry"/>(<paramref name="argument"/>) when first scheduled.</summary>
        public static KernelThread Create(string name, delegate*<ulong, void> entry, ulong argument)
        {
            KernelThread? thread = WithStack(name);
            if (thread == null)
                ThrowHelpers.Panic("no memory for a thread stack");
            thread.Context.StackPointer = thread.StackTop;
            thread.Context.LinkRegister = Cpu.ThreadStartAddress();
            thread.Context.X19To28[0] = (ulong)entry;
            thread.Context.X19To28[1] = argument;
            return thread;
        }

        /// <summary>
        /// Creates a user thread whose first run returns to EL0 with the registers in its frame (zeroed
        /// here; the caller fills them). Null when memory is short.
        /// </summary>
        public static KernelThread? CreateUser(string name, Processes.Process process)
        {
            KernelThread? thread = WithStack(name);
            if (thread == null)
                return null;
            thread.Process = process;
            TrapFrame* frame = (TrapFrame*)(thread.StackTop - (ulong)sizeof(TrapFrame));
            byte* b = (byte*)frame;
            for (int i = 0; i < sizeof(TrapFrame); i++)
                b[i] = 0;
            thread.UserFrame = frame;
            thread.Context.StackPointer = (ulong)frame;
            thread.Context.LinkRegister = Cpu.UserThreadStartAddress();
            thread.Context.X19To28[0] = (ulong)frame;
            return thread;
        }

        /// <summary>Returns the stack to the page allocator; the thread must have finished.</summary>
        internal void ReleaseStack()
        {
            if (_stackPhysical != 0)
                MemoryManager.Pages.FreePages(_stackPhysical, StackPages);
            _stackPhysical = 0;
        }
    }
}
