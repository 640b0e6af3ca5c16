using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Logic;
using Kernel.Memory;

namespace Kernel.Threading
{
    public enum ThreadState { Runnable, Blocked, Finished }

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
        /// <summary>Counter value at which a blocked thread is woken anyway (0: none).</summary>
        public ulong WakeAt;
        public bool TimedOut;
        public Processes.Process? Process;
        public TrapFrame* UserFrame;
        public ulong UserTls;

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

    /// <summary>
    /// Round-robin scheduler over a circular list of threads. User threads are preempted by the tick
    /// when they return to EL0 (<see cref="NeedResched"/>); kernel code runs until it blocks or yields.
    /// The boot thread becomes the idle thread and is always runnable.
    /// </summary>
    public static unsafe class Scheduler
    {
        private static KernelThread? s_current;
        private static KernelThread? s_idle;
        public static bool NeedResched;
        public static ulong Switches;

        public static KernelThread Current => s_current ??= KernelThread.ForBootThread();
        public static KernelThread Idle => s_idle ??= Current;

        /// <summary>
        /// Makes the boot thread the scheduler's first thread. Called before interrupts are enabled,
        /// so that the first timer tick does not allocate (which would show up in memory accounting).
        /// </summary>
        public static void AdoptBootThread() => _ = Idle;

        public static void Start(KernelThread thread)
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            _ = Idle;
            KernelThread current = Current;
            thread.Next = current.Next ?? current;
            current.Next = thread;
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>Switches to the next runnable thread (if any) and returns when this one runs again.</summary>
        public static void Yield()
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            KernelThread current = Current;
            KernelThread? next = current.Next;
            while (next != null && next != current && next.State != ThreadState.Runnable)
                next = next.Next;
            if (next == null || next == current)
            {
                if (current.State == ThreadState.Runnable)
                {
                    Cpu.RestoreInterrupts(daif);
                    return;
                }
                next = Idle; // nothing else can run: idle (always runnable) waits for an interrupt
                if (next == current)
                    ThrowHelpers.Panic("the idle thread blocked");
            }
            SwitchTo(current, next);
            Cpu.RestoreInterrupts(daif);
        }

        private static void SwitchTo(KernelThread current, KernelThread next)
        {
            Switches++;
            NeedResched = false;
            if (current.Process != null)
                current.UserTls = Cpu.ReadUserThreadPointer();
            if (next.Process != null)
            {
                if (current.Process?.Memory != next.Process.Memory)
                    next.Process.Memory!.Activate();
                Cpu.WriteUserThreadPointer(next.UserTls);
            }
            s_current = next;
            fixed (CpuContext* save = &current.Context)
            fixed (CpuContext* load = &next.Context)
                Cpu.SwitchContext(save, load);
        }

        /// <summary>Blocks the current thread on <paramref name="channel"/> until woken (call with IRQs masked).</summary>
        public static void Block(object? channel, ulong wakeAtCounter = 0)
        {
            KernelThread current = Current;
            current.State = ThreadState.Blocked;
            current.WaitChannel = channel;
            current.WakeAt = wakeAtCounter;
            current.TimedOut = false;
            Yield();
            current.WaitChannel = null;
            current.WakeAt = 0;
        }

        public static void Wake(KernelThread thread)
        {
            if (thread.State == ThreadState.Blocked)
                thread.State = ThreadState.Runnable;
        }

        /// <summary>Wakes every thread blocked on <paramref name="channel"/>.</summary>
        public static void WakeAll(object channel)
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            KernelThread start = Current;
            KernelThread? t = start;
            do
            {
                if (t.State == ThreadState.Blocked && t.WaitChannel == channel)
                    t.State = ThreadState.Runnable;
                t = t.Next;
            } while (t != null && t != start);
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>From the tick: wakes sleepers whose time has come and asks for preemption.</summary>
        public static void Tick(ulong now)
        {
            NeedResched = true;
            KernelThread? start = s_current;
            if (start == null)
                return;
            KernelThread? t = start;
            do
            {
                if (t.State == ThreadState.Blocked && t.WakeAt != 0 && t.WakeAt <= now)
                {
                    t.TimedOut = true;
                    t.State = ThreadState.Runnable;
                }
                t = t.Next;
            } while (t != null && t != start);
        }

        public static bool AnyRunnableBesidesIdle()
        {
            KernelThread? t = Idle.Next;
            while (t != null && t != Idle)
            {
                if (t.State == ThreadState.Runnable)
                    return true;
                t = t.Next;
            }
            return false;
        }

        /// <summary>Ends the running thread (never returns).</summary>
        public static void Exit()
        {
            Cpu.DisableInterrupts();
            Current.State = ThreadState.Finished;
            Yield();
            ThrowHelpers.Panic("a finished thread ran again");
        }

        /// <summary>Unlinks finished threads from the ring and frees their stacks and objects.</summary>
        public static void Reap()
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            KernelThread current = Current;
            KernelThread previous = current;
            KernelThread? t = current.Next;
            while (t != null && t != current)
            {
                KernelThread? following = t.Next;
                if (t.Finished)
                {
                    previous.Next = following == current && previous == current ? null : following;
                    t.ReleaseStack();
                    System.Runtime.ManagedHeap.Free(t);
                }
                else
                {
                    previous = t;
                }
                t = following;
            }
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>The idle loop: frees finished threads, sleeps until an interrupt, runs whoever is ready.</summary>
        public static void RunIdle()
        {
            _ = Idle;
            while (true)
            {
                Reap();
                Cpu.DisableInterrupts();
                if (!AnyRunnableBesidesIdle())
                    Cpu.WaitForInterrupt();
                Cpu.EnableInterrupts();
                Yield();
            }
        }
    }
}
