namespace Kernel.Fs.Proc
{
    /// <summary>What a generated /proc file shows.</summary>
    public enum ProcContent
    {
        MemInfo, Uptime, Mounts, CpuInfo, Stat, LoadAvg, Version, FileSystems, Partitions, NetDev, NetRoute, NetArp,
        NetTcp, NetUdp, NetTcp6, NetUdp6, VmStat,
        SysOsType, SysOsRelease, SysVersion, SysHostName, SysPidMax,
        PidStat, PidStatus, PidCmdline, PidComm, PidMaps, PidStatm,
    }
}
