using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Processes;
using Kernel.Threading;
using Kernel.Time;

namespace Kernel.Traps
{
    /// <summary>
    /// The system call dispatcher: Linux arm64 numbers (x8), arguments in x0-x5, the result or -errno
    /// in x0. Each subsystem registers its handlers by name at boot (<c>ProcessSyscalls</c>,
    /// <c>FileSyscalls</c>...); the number comes from <see cref="SyscallTable"/>, the one place numbers
    /// are written. Anything not registered returns -ENOSYS, logged once by name. Kernel/SYSCALLS.md
    /// lists the registered set; the host tests check it against the registrations in the source.
    /// </summary>
    public static unsafe class Syscalls
    {
        private static delegate*<TrapFrame*, long>* s_table;
        /// <summary>Boot argument "systrace": log every call with its first arguments and result.</summary>
        public static bool Trace;
        private static byte* s_warned;
        private static int s_registered;
        private static ulong s_rtSigreturn;

        public static void Initialize(ReadOnlySpan<byte> bootArguments)
        {
            s_table = (delegate*<TrapFrame*, long>*)MemoryHelpers.AllocateZeroed(SyscallTable.Count * (ulong)sizeof(nint));
            s_warned = (byte*)MemoryHelpers.AllocateZeroed(SyscallTable.Count);
            ProcessSyscalls.Register();
            MemorySyscalls.Register();
            SignalSyscalls.Register();
            TimeSyscalls.Register();
            PosixTimers.Register();
            FileSyscalls.Register();
            EpollSyscalls.Register();
            ExecSyscalls.Register();
            FileSystemSyscalls.Register();
            Net.SocketSyscalls.Register();
            ThreadSyscalls.Register();
            EventFileSyscalls.Register();
            s_rtSigreturn = (ulong)SyscallTable.Number("rt_sigreturn"u8);
            Log.Line($"syscalls: {s_registered} implemented");
            Trace = BootArgs.TryGet(bootArguments, "systrace"u8, out _);
        }

        /// <summary>Installs the handler of the arm64 system call called <paramref name="name"/>.</summary>
        public static void Register(ReadOnlySpan<byte> name, delegate*<TrapFrame*, long> handler)
        {
            int number = SyscallTable.Number(name);
            if (number < 0)
                ThrowHelpers.Panic("syscall registered under a name arm64 does not have");
            if (s_table[number] != null)
                ThrowHelpers.Panic("syscall registered twice");
            s_table[number] = handler;
            s_registered++;
        }

        public static void Dispatch(TrapFrame* frame, Process process)
        {
            ulong number = frame->X[8];
            KernelThread thread = Scheduler.Current;
            thread.SyscallOriginalX0 = frame->X[0];
            long result;
            if (number < SyscallTable.Count && s_table[number] != null)
            {
                result = s_table[number](frame);
            }
            else
            {
                if (number < SyscallTable.Count && s_warned[number] == 0)
                {
                    s_warned[number] = 1;
                    Log.Line($"syscall: {SyscallTable.Name((int)number)} ({number}) not implemented: ENOSYS");
                }
                else if (number >= SyscallTable.Count)
                {
                    Log.Line($"syscall: unknown number {number}: ENOSYS");
                }
                result = -Errno.ENOSYS;
            }
            if (Trace)
            {
                Log.Line($"[{process.Pid}] {SyscallTable.Name((int)(number < SyscallTable.Count ? number : 0))}({thread.SyscallOriginalX0:x}, {frame->X[1]:x}, {frame->X[2]:x}) = {result}");
                TracePath(number, frame);
            }
            frame->X[0] = (ulong)result;
            thread.InSyscallReturn = number != s_rtSigreturn; // rt_sigreturn restored x0: it is not a result
        }

        /// <summary>For the calls whose second argument is a path (openat, newfstatat, faccessat...): the path, under the traced line.</summary>
        private static void TracePath(ulong number, TrapFrame* frame)
        {
            ReadOnlySpan<byte> name = SyscallTable.Name((int)(number < SyscallTable.Count ? number : 0));
            if (!Bytes.Equal(name, "openat"u8) && !Bytes.Equal(name, "newfstatat"u8) && !Bytes.Equal(name, "faccessat"u8)
                && !Bytes.Equal(name, "faccessat2"u8) && !Bytes.Equal(name, "readlinkat"u8) && !Bytes.Equal(name, "statx"u8))
                return;
            Span<byte> path = stackalloc byte[128];
            int n = UserMemory.ReadString(frame->X[1], path);
            if (n < 0)
                return;
            Log.Write("    path: ");
            Log.WriteAscii(path.Slice(0, n));
            Log.Write('\n');
        }
    }
}
