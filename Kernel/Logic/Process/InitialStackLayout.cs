namespace Kernel.Logic.Process
{
    /// <summary>Where <see cref="InitialStack.Build"/> put things (user virtual addresses).</summary>
    public struct InitialStackLayout
    {
        /// <summary>The initial SP (16-byte aligned): argc is here.</summary>
        public ulong StackPointer;
        public int Argc, Envc;
        /// <summary>Address of argv[0]'s pointer (SP + 8), of envp[0]'s pointer, of the first auxv pair.</summary>
        public ulong Argv, Envp, Auxv;
        /// <summary>Number of auxv words including the AT_NULL pair (Linux's saved_auxv length).</summary>
        public int AuxvWords;
        /// <summary>The argument strings [ArgStart, ArgEnd) and environment strings [EnvStart, EnvEnd) (mm->arg_start etc., for /proc/PID/cmdline and environ).</summary>
        public ulong ArgStart, ArgEnd, EnvStart, EnvEnd;
        /// <summary>AT_EXECFN's string, AT_PLATFORM's "aarch64", AT_RANDOM's 16 bytes.</summary>
        public ulong ExecFn, Platform, Random;
        /// <summary>Lowest address written (SP) and the top of the image: everything in between belongs to the new stack.</summary>
        public ulong Top;
    }
}
