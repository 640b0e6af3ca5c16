using Kernel.Arch;
using Kernel.Fs;
using Kernel.Processes;
using Kernel.Threading;

namespace Kernel.Traps
{
    /// <summary>
    /// What every system call handler reads: the calling process and its arguments. Handler classes
    /// import it with <c>using static</c>.
    /// </summary>
    public static unsafe class SyscallArgs
    {
        /// <summary>The process making the call.</summary>
        public static Process Current => Scheduler.Current.Process!;

        /// <summary>Argument <paramref name="i"/> as a C int (the low 32 bits, as Linux reads an int).</summary>
        public static int Int(TrapFrame* f, int i) => (int)f->X[i];

        /// <summary>The caller's open file for descriptor <paramref name="fd"/>, or null.</summary>
        public static OpenFile? File(int fd) => Current.Files!.Get(fd);
    }
}
