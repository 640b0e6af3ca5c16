namespace Kernel.Processes
{
    /// <summary>
    /// Linux's ptrace access check in PTRACE_MODE_READ_FSCREDS mode (__ptrace_may_access), which
    /// guards /proc/PID/fd, cwd, exe, root and maps: a process may always inspect itself; root
    /// (CAP_SYS_PTRACE) anything; anyone else only a process whose real, effective and saved uids all
    /// equal the caller's effective uid (its fsuid), likewise for the gids, and which is dumpable.
    /// </summary>
    public static class PtraceAccess
    {
        public static bool MayInspect(Process? caller, Process target)
        {
            if (caller == null || caller == target || caller.Euid == 0)
                return true;
            uint uid = caller.Euid, gid = caller.Egid;
            if (target.Uid != uid || target.Euid != uid || target.Suid != uid || target.Gid != gid || target.Egid != gid || target.Sgid != gid)
                return false;
            return target.Dumpable;
        }
    }
}
