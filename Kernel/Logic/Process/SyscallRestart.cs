namespace Kernel.Logic.Process
{
    /// <summary>What to do with a system call that returned a restart code when a signal arrived (arch/arm64/kernel/signal.c do_signal).</summary>
    public enum SyscallRestart
    {
        /// <summary>Not a restart code: return the result unchanged.</summary>
        None,
        /// <summary>Return -EINTR.</summary>
        Interrupt,
        /// <summary>Run the call again: x0 = the original x0, PC back by 4 (to the SVC).</summary>
        Restart,
        /// <summary>Run restart_syscall instead: x8 = <see cref="Signals.NR_restart_syscall"/>, PC back by 4.</summary>
        RestartBlock,
    }
}
