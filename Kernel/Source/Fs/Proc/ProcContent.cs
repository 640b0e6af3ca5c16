using System;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Logic.Process;
using Kernel.Logic.Fs;
using Kernel.Memory;
using Kernel.Threading;

namespace Kernel.Fs.Proc
{
    /// <summary>What a generated /proc file shows.</summary>
    public enum ProcContent
    {
        MemInfo, Uptime, Mounts, CpuInfo, Stat, LoadAvg, Version, FileSystems,
        PidStat, PidStatus, PidCmdline, PidComm, PidMaps, PidStatm,
    }
}
