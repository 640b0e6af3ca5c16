using Kernel.Logic.Process;

namespace Kernel.Logic.Tty
{
    /// <summary>
    /// POSIX job control's rule for a process using its controlling terminal from a background process
    /// group (Linux's __tty_check_change and n_tty's background read check).
    /// </summary>
    public static class JobControl
    {
        /// <summary>
        /// What happens when a process of <paramref name="callerGroup"/> reads (<paramref name="signal"/> =
        /// SIGTTIN) or writes with TOSTOP or changes settings (SIGTTOU) on a terminal whose foreground group is
        /// <paramref name="foregroundGroup"/>: 0 to go ahead (not its controlling terminal, no foreground
        /// group, or in the foreground; SIGTTOU blocked or ignored), -EIO (SIGTTIN blocked or ignored), or
        /// the signal to send to the caller's group before the call restarts.
        /// </summary>
        public static int CheckBackground(bool controllingTerminal, int callerGroup, int foregroundGroup, bool signalBlockedOrIgnored, int signal)
        {
            if (!controllingTerminal || foregroundGroup <= 0 || callerGroup == foregroundGroup)
                return 0;
            if (signalBlockedOrIgnored)
                return signal == Signals.SIGTTIN ? -Errno.EIO : 0;
            return signal;
        }
    }
}
