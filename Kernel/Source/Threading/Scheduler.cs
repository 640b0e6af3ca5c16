using System;
using Kernel.Arch;
using Kernel.Drivers;

namespace Kernel.Threading
{
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
        /// Makes the boot thread the scheduler's first thread and has the tick drive preemption and timed
        /// sleeps. Called before interrupts are enabled, so that the first timer tick does not allocate
        /// (which would show up in memory accounting).
        /// </summary>
        public static void Initialize()
        {
            _ = Idle;
            SystemTimer.OnTick(&Tick);
        }

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

        /// <summary>
        /// Blocks the current thread until any of the first <paramref name="count"/> of <paramref name="channels"/>
        /// is woken (call with IRQs masked).
        /// </summary>
        public static void BlockOnAny(object?[] channels, int count, ulong wakeAtCounter = 0)
        {
            KernelThread current = Current;
            current.WaitChannels = channels;
            current.WaitChannelCount = count;
            Block(null, wakeAtCounter);
            current.WaitChannels = null;
            current.WaitChannelCount = 0;
        }

        private static bool WaitsOn(KernelThread t, object channel)
        {
            if (t.WaitChannel == channel)
                return true;
            object?[]? more = t.WaitChannels;
            for (int i = 0; more != null && i < t.WaitChannelCount; i++)
                if (more[i] == channel)
                    return true;
            return false;
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
                if (t.State == ThreadState.Blocked && WaitsOn(t, channel))
                    t.State = ThreadState.Runnable;
                t = t.Next;
            } while (t != null && t != start);
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>From the tick: wakes sleepers whose time has come and asks for preemption.</summary>
        private static void Tick(ulong now, ulong elapsed)
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
