using System;
using Kernel.Arch;
using Kernel.Logic;
using Kernel.Memory;

namespace Kernel.Threading
{
    /// <summary>
    /// A kernel thread: a stack from the page allocator and the callee-saved registers while it is
    /// switched out. Scheduling is cooperative for now (<see cref="Scheduler.Yield"/>).
    /// </summary>
    public sealed unsafe class KernelThread
    {
        public const ulong StackPages = 4;

        internal CpuContext Context;
        internal KernelThread? Next;
        private ulong _stackPhysical;

        public string Name { get; }
        public bool Finished { get; internal set; }

        private KernelThread(string name) { Name = name; }

        /// <summary>The thread running the boot code, adopted as the first thread.</summary>
        internal static KernelThread ForBootThread() => new KernelThread("boot");

        /// <summary>Creates a thread that will call <paramref name="entry"/>(<paramref name="argument"/>) when first scheduled.</summary>
        public static KernelThread Create(string name, delegate*<ulong, void> entry, ulong argument)
        {
            var thread = new KernelThread(name);
            thread._stackPhysical = MemoryManager.Pages.AllocatePages(StackPages);
            if (thread._stackPhysical == 0)
                ThrowHelpers.Panic("no memory for a thread stack");
            ulong top = MemoryManager.PhysicalToVirtual(thread._stackPhysical) + StackPages * PageAllocator.PageSize;
            thread.Context.StackPointer = top;
            thread.Context.LinkRegister = Cpu.ThreadStartAddress();
            thread.Context.X19To28[0] = (ulong)entry;
            thread.Context.X19To28[1] = argument;
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

    /// <summary>Round-robin cooperative scheduler over a circular list of threads.</summary>
    public static unsafe class Scheduler
    {
        private static KernelThread? s_current;

        public static KernelThread Current => s_current ??= KernelThread.ForBootThread();

        public static void Start(KernelThread thread)
        {
            KernelThread current = Current;
            thread.Next = current.Next ?? current;
            current.Next = thread;
        }

        /// <summary>Switches to the next runnable thread (if any) and returns when this one runs again.</summary>
        public static void Yield()
        {
            KernelThread current = Current;
            KernelThread? next = current.Next;
            while (next != null && next != current && next.Finished)
                next = next.Next;
            if (next == null || next == current)
                return;
            s_current = next;
            fixed (CpuContext* save = &current.Context)
            fixed (CpuContext* load = &next.Context)
                Cpu.SwitchContext(save, load);
        }

        /// <summary>Ends the running thread (never returns).</summary>
        public static void Exit()
        {
            Current.Finished = true;
            Yield();
            ThrowHelpers.Panic("the last thread exited");
        }

        /// <summary>Unlinks finished threads from the ring and frees their stacks and objects.</summary>
        public static void Reap()
        {
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
        }
    }
}
