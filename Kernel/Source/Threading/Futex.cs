using Kernel.Arch;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Processes;

namespace Kernel.Threading
{
    /// <summary>
    /// Futex wait queues: threads waiting for a 32-bit user word to change, woken in arrival order.
    /// A word is known by a key: its address space and user address (private futexes, and any word
    /// in private memory), or its page in the kernel's map (a word in a MAP_SHARED mapping that
    /// several processes may reach at different addresses). The waiters form one list through
    /// <see cref="KernelThread.FutexNext"/>: a wait allocates nothing.
    /// </summary>
    public static unsafe class Futex
    {
        public const uint AnyBitset = 0xFFFFFFFF;
        public const uint Waiters = 0x80000000, OwnerDied = 0x40000000, TidMask = 0x3FFFFFFF;
        /// <summary>Linux's ROBUST_LIST_LIMIT: how many held locks a dying thread's list is walked for.</summary>
        private const int RobustListLimit = 2048;

        private static KernelThread? s_first, s_last;
        private static object? s_channel;
        private static object? s_sharedSpace;

        private static object Channel => s_channel ??= new object();

        /// <summary>
        /// The key of the word at <paramref name="address"/> and, when <paramref name="word"/> is
        /// wanted, its kernel address (resolving demand paging as a read would). False: not mapped.
        /// </summary>
        private static bool Key(Process process, ulong address, bool isPrivate, bool wantWord, out object space, out ulong keyAddress, out uint* word)
        {
            AddressSpace memory = process.Memory!;
            space = memory;
            keyAddress = address;
            word = null;
            Vma? area = memory.FindArea(address);
            if (area == null)
                return false;
            bool shared = !isPrivate && area.Shared;
            if (wantWord || shared)
            {
                ulong k = memory.KernelAddress(address, false);
                if (k == 0)
                    return false;
                word = (uint*)k;
                if (shared)
                {
                    space = s_sharedSpace ??= new object();
                    keyAddress = k;
                }
            }
            return true;
        }

        private static void Enqueue(KernelThread t)
        {
            t.FutexNext = null;
            if (s_last == null)
                s_first = t;
            else
                s_last.FutexNext = t;
            s_last = t;
        }

        private static void Dequeue(KernelThread t)
        {
            KernelThread? previous = null;
            for (KernelThread? w = s_first; w != null; previous = w, w = w.FutexNext)
            {
                if (w != t)
                    continue;
                if (previous == null)
                    s_first = w.FutexNext;
                else
                    previous.FutexNext = w.FutexNext;
                if (s_last == w)
                    s_last = previous;
                w.FutexNext = null;
                return;
            }
        }

        /// <summary>
        /// FUTEX_WAIT(_BITSET): blocks while the word holds <paramref name="expected"/>, until woken
        /// (0), a signal (-EINTR), the counter deadline (-ETIMEDOUT; 0: none), or -EAGAIN at once when
        /// the word differs.
        /// </summary>
        public static int Wait(Process process, ulong address, uint expected, uint bitset, bool isPrivate, ulong deadlineCounter)
        {
            if ((address & 3) != 0 || bitset == 0)
                return -Errno.EINVAL;
            if (!Key(process, address, isPrivate, true, out object space, out ulong keyAddress, out uint* word))
                return -Errno.EFAULT;
            KernelThread self = Scheduler.Current;
            // No thread can run between the check and the enqueue: this kernel switches threads only
            // when one blocks or returns to user mode, and interrupts are off.
            ulong daif = Cpu.SaveAndDisableInterrupts();
            if (*word != expected)
            {
                Cpu.RestoreInterrupts(daif);
                return -Errno.EAGAIN;
            }
            self.FutexSpace = space;
            self.FutexAddress = keyAddress;
            self.FutexBitset = bitset;
            self.FutexWoken = false;
            Enqueue(self);
            int result;
            while (true)
            {
                if (self.FutexWoken)
                {
                    result = 0;
                    break;
                }
                if (self.HasDeliverableSignal())
                {
                    result = -Errno.EINTR;
                    break;
                }
                if (deadlineCounter != 0 && Drivers.SystemTimer.Counter() >= deadlineCounter)
                {
                    result = -Errno.ETIMEDOUT;
                    break;
                }
                Scheduler.Block(Channel, deadlineCounter);
            }
            if (!self.FutexWoken)
                Dequeue(self);
            self.FutexWoken = false;
            self.FutexSpace = null;
            Cpu.RestoreInterrupts(daif);
            return result;
        }

        /// <summary>FUTEX_WAKE(_BITSET): wakes up to <paramref name="count"/> waiters of the word whose bitset meets <paramref name="bitset"/>; how many, or -errno.</summary>
        public static int Wake(Process process, ulong address, int count, uint bitset, bool isPrivate)
        {
            if ((address & 3) != 0 || bitset == 0)
                return -Errno.EINVAL;
            if (!Key(process, address, isPrivate, false, out object space, out ulong keyAddress, out _))
                return isPrivate ? 0 : -Errno.EFAULT;
            ulong daif = Cpu.SaveAndDisableInterrupts();
            int woken = WakeKey(space, keyAddress, count, bitset);
            Cpu.RestoreInterrupts(daif);
            return woken;
        }

        private static int WakeKey(object space, ulong keyAddress, int count, uint bitset)
        {
            int woken = 0;
            KernelThread? w = s_first;
            while (w != null && woken < count)
            {
                KernelThread? next = w.FutexNext;
                if (w.FutexSpace == space && w.FutexAddress == keyAddress && (w.FutexBitset & bitset) != 0)
                {
                    Dequeue(w);
                    w.FutexWoken = true;
                    Scheduler.Wake(w);
                    woken++;
                }
                w = next;
            }
            return woken;
        }

        /// <summary>
        /// FUTEX_(CMP_)REQUEUE: wakes up to <paramref name="wakeCount"/> waiters of the first word and
        /// moves up to <paramref name="requeueCount"/> more to the second; with <paramref name="compare"/>,
        /// -EAGAIN unless the first word holds <paramref name="expected"/>. Returns woken plus moved.
        /// </summary>
        public static int Requeue(Process process, ulong address, int wakeCount, int requeueCount, ulong address2, bool compare, uint expected, bool isPrivate)
        {
            if ((address & 3) != 0 || (address2 & 3) != 0 || wakeCount < 0 || requeueCount < 0)
                return -Errno.EINVAL;
            if (!Key(process, address, isPrivate, compare, out object space, out ulong keyAddress, out uint* word)
                || !Key(process, address2, isPrivate, false, out object space2, out ulong keyAddress2, out _))
                return -Errno.EFAULT;
            ulong daif = Cpu.SaveAndDisableInterrupts();
            if (compare && *word != expected)
            {
                Cpu.RestoreInterrupts(daif);
                return -Errno.EAGAIN;
            }
            int woken = WakeKey(space, keyAddress, wakeCount, AnyBitset);
            int moved = 0;
            for (KernelThread? w = s_first; w != null && moved < requeueCount; w = w.FutexNext)
            {
                if (w.FutexSpace == space && w.FutexAddress == keyAddress)
                {
                    w.FutexSpace = space2;
                    w.FutexAddress = keyAddress2;
                    moved++;
                }
            }
            Cpu.RestoreInterrupts(daif);
            return woken + moved;
        }

        /// <summary>
        /// FUTEX_WAKE_OP: changes the second word by <paramref name="operation"/>, wakes up to
        /// <paramref name="count"/> waiters of the first and, when the second word's old value passes
        /// the comparison, up to <paramref name="count2"/> of the second. How many woken, or -errno.
        /// </summary>
        public static int WakeOp(Process process, ulong address, int count, int count2, ulong address2, uint operation, bool isPrivate)
        {
            if ((address & 3) != 0 || (address2 & 3) != 0)
                return -Errno.EINVAL;
            if (!Logic.Threading.FutexOperation.TryDecode(operation, out Logic.Threading.FutexOperation op))
                return -Errno.ENOSYS;
            if (!Key(process, address, isPrivate, false, out object space, out ulong keyAddress, out _)
                || !Key(process, address2, isPrivate, false, out object space2, out ulong keyAddress2, out _))
                return -Errno.EFAULT;
            ulong k = process.Memory!.KernelAddress(address2, true);
            if (k == 0)
                return -Errno.EFAULT;
            ulong daif = Cpu.SaveAndDisableInterrupts();
            uint* word2 = (uint*)k;
            uint old = *word2;
            *word2 = op.NewValue(old);
            int woken = WakeKey(space, keyAddress, count, AnyBitset);
            if (op.Compare(old))
                woken += WakeKey(space2, keyAddress2, count2, AnyBitset);
            Cpu.RestoreInterrupts(daif);
            return woken;
        }

        /// <summary>
        /// A thread ends or runs execve: each robust mutex on its set_robust_list list (and the one it
        /// was taking or releasing) that it still owns is marked OWNER_DIED, and one waiter is woken.
        /// </summary>
        public static void ReleaseRobustList(Process process, KernelThread thread)
        {
            ulong head = thread.RobustList;
            thread.RobustList = 0;
            if (head == 0 || process.Memory == null)
                return;
            if (UserMemory.Read(head, out ulong entry) < 0 || UserMemory.Read(head + 8, out long offset) < 0
                || UserMemory.Read(head + 16, out ulong pending) < 0)
                return;
            pending &= ~1UL;
            for (int i = 0; i < RobustListLimit && (entry & ~1UL) != head; i++)
            {
                ulong current = entry & ~1UL;
                if (UserMemory.Read(current, out entry) < 0)
                    break;
                if (current != pending)
                    ReleaseRobust(process, thread, current + (ulong)offset);
            }
            if (pending != 0)
                ReleaseRobust(process, thread, pending + (ulong)offset);
        }

        private static void ReleaseRobust(Process process, KernelThread thread, ulong address)
        {
            if ((address & 3) != 0 || UserMemory.Read(address, out uint word) < 0 || (word & TidMask) != (uint)thread.Tid)
                return;
            if (UserMemory.Write(address, (word & Waiters) | OwnerDied) < 0)
                return;
            if ((word & Waiters) != 0)
                Wake(process, address, 1, AnyBitset, false);
        }
    }
}
