using Kernel.Arch;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Processes;
using Kernel.Time;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Threading
{
    /// <summary>System calls of threads: futex, set_robust_list, get_robust_list and membarrier.</summary>
    public static unsafe class ThreadSyscalls
    {
        private const int FutexWait = 0, FutexWake = 1, FutexRequeue = 3, FutexCmpRequeue = 4, FutexWakeOp = 5;
        private const int FutexWaitBitset = 9, FutexWakeBitset = 10;
        private const int FutexPrivateFlag = 128, FutexClockRealtime = 256;
        /// <summary>sizeof(struct robust_list_head) on arm64.</summary>
        private const ulong RobustListHeadSize = 24;

        public static void Register()
        {
            Syscalls.Register("futex"u8, &FutexCall);
            Syscalls.Register("set_robust_list"u8, &SetRobustList);
            Syscalls.Register("get_robust_list"u8, &GetRobustList);
            Syscalls.Register("membarrier"u8, &Membarrier);
            Syscalls.Register("rseq"u8, &Rseq);
        }

        /// <summary>
        /// rseq: restartable sequences are not supported, as on a Linux built without CONFIG_RSEQ
        /// (ENOSYS, without the kernel log line an unknown call gets: glibc asks at every start).
        /// </summary>
        private static long Rseq(TrapFrame* f) => -Errno.ENOSYS;

        private const int MembarrierQuery = 0, MembarrierGlobal = 1, MembarrierGlobalExpedited = 2, MembarrierRegisterGlobalExpedited = 4;
        private const int MembarrierPrivateExpedited = 8, MembarrierRegisterPrivateExpedited = 16;
        private const int MembarrierPrivateExpeditedSyncCore = 32, MembarrierRegisterPrivateExpeditedSyncCore = 64;

        /// <summary>
        /// membarrier(cmd, flags, cpu): with one CPU, every thread that runs after the call has passed
        /// a barrier already (each switch is one), so each command only checks its rules: the private
        /// expedited ones need their registration first (EPERM), as Linux. The rseq commands are
        /// absent, as on a Linux without CONFIG_RSEQ (rseq itself is not implemented).
        /// </summary>
        private static long Membarrier(TrapFrame* f)
        {
            int command = Int(f, 0);
            if (Int(f, 1) != 0)
                return -Errno.EINVAL;
            AddressSpace memory = Current.Memory!;
            switch (command)
            {
                case MembarrierQuery:
                    return MembarrierGlobal | MembarrierGlobalExpedited | MembarrierRegisterGlobalExpedited | MembarrierPrivateExpedited
                        | MembarrierRegisterPrivateExpedited | MembarrierPrivateExpeditedSyncCore | MembarrierRegisterPrivateExpeditedSyncCore;
                case MembarrierGlobal:
                case MembarrierGlobalExpedited:
                    return 0;
                case MembarrierRegisterGlobalExpedited:
                case MembarrierRegisterPrivateExpedited:
                case MembarrierRegisterPrivateExpeditedSyncCore:
                    memory.MembarrierRegistrations |= command;
                    return 0;
                case MembarrierPrivateExpedited:
                case MembarrierPrivateExpeditedSyncCore:
                    // Each command's registration is the bit after it.
                    return (memory.MembarrierRegistrations & (command << 1)) != 0 ? 0 : -Errno.EPERM;
                default:
                    return -Errno.EINVAL;
            }
        }

        /// <summary>futex(uaddr, op, val, timeout or val2, uaddr2, val3). The PI operations are not supported (ENOSYS).</summary>
        private static long FutexCall(TrapFrame* f)
        {
            ulong address = f->X[0];
            int op = Int(f, 1);
            uint value = (uint)f->X[2];
            bool isPrivate = (op & FutexPrivateFlag) != 0;
            bool realtime = (op & FutexClockRealtime) != 0;
            int command = op & ~(FutexPrivateFlag | FutexClockRealtime);
            if (realtime && command != FutexWait && command != FutexWaitBitset)
                return -Errno.ENOSYS;
            Process p = Current;
            switch (command)
            {
                case FutexWait:
                case FutexWaitBitset:
                    {
                        ulong deadline = 0;
                        if (f->X[3] != 0)
                        {
                            int r = TimeSyscalls.ReadTimespec(f->X[3], out ulong ns);
                            if (r < 0)
                                return r;
                            // FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's an absolute time on its clock.
                            if (command == FutexWaitBitset)
                            {
                                ulong now = realtime ? Clock.RealtimeNanoseconds() : Clock.MonotonicNanoseconds();
                                ns = ns > now ? ns - now : 0;
                            }
                            deadline = ns == 0 ? Drivers.SystemTimer.Counter() : Clock.DeadlineAfter(ns);
                        }
                        uint bitset = command == FutexWaitBitset ? (uint)f->X[5] : Futex.AnyBitset;
                        return Futex.Wait(p, address, value, bitset, isPrivate, deadline);
                    }
                case FutexWake:
                case FutexWakeBitset:
                    {
                        uint bitset = command == FutexWakeBitset ? (uint)f->X[5] : Futex.AnyBitset;
                        return Futex.Wake(p, address, Count(value), bitset, isPrivate);
                    }
                case FutexRequeue:
                case FutexCmpRequeue:
                    return Futex.Requeue(p, address, (int)value, (int)(uint)f->X[3], f->X[4], command == FutexCmpRequeue, (uint)f->X[5], isPrivate);
                case FutexWakeOp:
                    return Futex.WakeOp(p, address, Count(value), Count((uint)f->X[3]), f->X[4], (uint)f->X[5], isPrivate);
                default:
                    return -Errno.ENOSYS;
            }
        }

        /// <summary>A wake count, read as Linux reads it: an int, where a negative one wakes nobody.</summary>
        private static int Count(uint value) => (int)value < 0 ? 0 : (int)value;

        private static long SetRobustList(TrapFrame* f)
        {
            if (f->X[1] != RobustListHeadSize)
                return -Errno.EINVAL;
            Scheduler.Current.RobustList = f->X[0];
            return 0;
        }

        /// <summary>get_robust_list(tid, head_ptr, len_ptr): tid 0 is the caller; another thread needs the ptrace-read permission.</summary>
        private static long GetRobustList(TrapFrame* f)
        {
            int tid = Int(f, 0);
            KernelThread? t = tid == 0 ? Scheduler.Current : Process.FindThread(tid);
            if (t == null || t.Process == null)
                return -Errno.ESRCH;
            if (!PtraceAccess.MayInspect(Current, t.Process))
                return -Errno.EPERM;
            if (UserMemory.Write(f->X[1], t.RobustList) < 0 || UserMemory.Write(f->X[2], RobustListHeadSize) < 0)
                return -Errno.EFAULT;
            return 0;
        }
    }
}
