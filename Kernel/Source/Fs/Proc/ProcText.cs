using System;
using Kernel.Drivers;
using Kernel.Logic.Process;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Processes;
using Kernel.Threading;
using Kernel.Time;
using Kernel.Tty;

namespace Kernel.Fs.Proc
{
    /// <summary>The text of each /proc file, in Linux's formats.</summary>
    public static class ProcText
    {
        public static void Render(ProcContent content, Process? p, KernelThread? thread, ref TextBuilder t)
        {
            switch (content)
            {
                case ProcContent.MemInfo:
                    {
                        ulong total = MemoryManager.TotalBytes >> 10, free = MemoryManager.Pages.FreeBytes >> 10;
                        MemLine(ref t, "MemTotal:"u8, total);
                        MemLine(ref t, "MemFree:"u8, free);
                        MemLine(ref t, "MemAvailable:"u8, free);
                        MemLine(ref t, "Buffers:"u8, 0);
                        MemLine(ref t, "Cached:"u8, 0);
                        MemLine(ref t, "SwapCached:"u8, 0);
                        MemLine(ref t, "SwapTotal:"u8, 0);
                        MemLine(ref t, "SwapFree:"u8, 0);
                        MemLine(ref t, "Shmem:"u8, 0);
                        // The kernel's own objects (Linux's slab): what a leak test watches.
                        MemLine(ref t, "Slab:"u8, MemoryManager.Heap.BytesInUse >> 10);
                        MemLine(ref t, "SUnreclaim:"u8, MemoryManager.Heap.BytesInUse >> 10);
                        break;
                    }
                case ProcContent.Uptime:
                    {
                        ulong centis = Clock.MonotonicNanoseconds() / 10_000_000;
                        t.Fixed(centis, 2);
                        t.Append((byte)' ');
                        t.Fixed(centis, 2);
                        t.Append((byte)'\n');
                        break;
                    }
                case ProcContent.Mounts:
                    FileSystems.RenderMounts(ref t);
                    break;
                case ProcContent.CpuInfo:
                    t.Append("processor\t: 0\nBogoMIPS\t: 125.00\nFeatures\t: fp asimd evtstrm cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x1\nCPU part\t: 0xd07\nCPU revision\t: 0\n\n"u8);
                    break;
                case ProcContent.Stat:
                    {
                        ulong user = 0, system = 0;
                        for (Process? q = Process.First; q != null; q = q.NextInTable)
                        {
                            user += q.UserTicks;
                            system += q.SystemTicks;
                        }
                        ulong total = SystemTimer.Ticks;
                        ulong idle = total > user + system ? total - user - system : 0;
                        t.Append("cpu  "u8); CpuLine(ref t, user, system, idle);
                        t.Append("cpu0 "u8); CpuLine(ref t, user, system, idle);
                        t.Append("intr 0\nctxt "u8); t.Decimal(Scheduler.Switches);
                        t.Append("\nbtime "u8); t.Decimal((Clock.RealtimeNanoseconds() - Clock.MonotonicNanoseconds()) / 1_000_000_000);
                        t.Append("\nprocesses "u8); t.Decimal(Process.Forks);
                        t.Append("\nprocs_running 1\nprocs_blocked 0\n"u8);
                        break;
                    }
                case ProcContent.LoadAvg:
                    t.Append("0.00 0.00 0.00 1/"u8);
                    t.Decimal((ulong)Process.Count);
                    t.Append((byte)' ');
                    t.Decimal((ulong)Process.LastPid);
                    t.Append((byte)'\n');
                    break;
                case ProcContent.VmStat:
                    {
                        // Linux's counters by name; procps (vmstat, top) needs the file, and takes what is missing as 0.
                        ulong free = MemoryManager.Pages.FreeBytes >> 12;
                        t.Append("nr_free_pages "u8); t.Decimal(free);
                        t.Append("\nnr_zone_inactive_anon 0\nnr_zone_active_anon 0\nnr_zone_inactive_file 0\nnr_zone_active_file 0\nnr_mlock 0\nnr_page_table_pages 0\nnr_dirty 0\nnr_writeback 0\nnr_shmem 0\n"u8);
                        t.Append("pgpgin 0\npgpgout 0\npswpin 0\npswpout 0\npgfault "u8);
                        ulong faults = 0;
                        for (Process? q = Process.First; q != null; q = q.NextInTable)
                            faults += q.MinorFaults;
                        t.Decimal(faults);
                        t.Append("\npgmajfault 0\n"u8);
                        break;
                    }
                case ProcContent.SysOsType:
                    t.Append("Linux\n"u8);
                    break;
                case ProcContent.SysOsRelease:
                    t.Append("6.1.0-managed\n"u8);
                    break;
                case ProcContent.SysVersion:
                    t.Append("#1 SMP PREEMPT Managed kernel 0.1 (C# on NativeAOT)\n"u8);
                    break;
                case ProcContent.SysHostName:
                    t.Append(ProcessSyscalls.CurrentHostName);
                    t.Append((byte)'\n');
                    break;
                case ProcContent.SysPidMax:
                    t.Decimal((ulong)Process.MaxProcesses);
                    t.Append((byte)'\n');
                    break;
                case ProcContent.Version:
                    t.Append("Linux version 6.1.0-managed (Managed kernel 0.1, C# on NativeAOT) #1 SMP PREEMPT\n"u8);
                    break;
                case ProcContent.FileSystems:
                    t.Append("nodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tdevpts\nnodev\tproc\nnodev\tsysfs\n\text2\n\text4\n"u8);
                    break;
                case ProcContent.NetDev:
                    if (Net.NetSubsystem.Stack != null)
                        Logic.Net.ProcNetDev.Render(Net.NetSubsystem.Stack, ref t);
                    break;
                case ProcContent.NetRoute:
                    if (Net.NetSubsystem.Stack != null)
                        Logic.Net.ProcNetRoute.RenderRoutes(Net.NetSubsystem.Stack, ref t);
                    break;
                case ProcContent.NetArp:
                    if (Net.NetSubsystem.Stack != null)
                        Logic.Net.ProcNetRoute.RenderArp(Net.NetSubsystem.Stack, ref t);
                    break;
                case ProcContent.NetTcp:
                    Logic.Net.ProcNetInet.RenderTcp(Net.NetSubsystem.Tcp, ref t);
                    break;
                case ProcContent.NetUdp:
                    Logic.Net.ProcNetInet.RenderUdp(Net.NetSubsystem.Stack, ref t);
                    break;
                case ProcContent.NetTcp6:
                    Logic.Net.ProcNetInet.RenderTcp6Header(ref t);
                    break;
                case ProcContent.NetUdp6:
                    Logic.Net.ProcNetInet.RenderUdp6Header(ref t);
                    break;
                case ProcContent.Partitions:
                    Logic.Block.PartitionsText.Render(Logic.Block.BlockDevices.Table, ref t);
                    break;
                default:
                    if (p != null)
                        RenderProcess(content, p, thread, ref t);
                    break;
            }
        }

        private static void MemLine(ref TextBuilder t, ReadOnlySpan<byte> name, ulong kib)
        {
            t.Append(name);
            for (int i = name.Length; i < 16; i++)
                t.Append((byte)' ');
            t.Decimal(kib, 8);
            t.Append(" kB\n"u8);
        }

        private static void CpuLine(ref TextBuilder t, ulong user, ulong system, ulong idle)
        {
            t.Decimal(user); t.Append(" 0 "u8); t.Decimal(system); t.Append((byte)' '); t.Decimal(idle);
            t.Append(" 0 0 0 0 0 0\n"u8);
        }

        private static byte StateLetter(Process p, KernelThread? thread)
        {
            if (p.State == ProcessState.Zombie) return (byte)'Z';
            if (p.Stopped) return (byte)'T';
            KernelThread? th = thread ?? p.Thread;
            return th != null && th.State == Threading.ThreadState.Blocked ? (byte)'S' : (byte)'R';
        }

        /// <summary>A device number as /proc/PID/stat's tty_nr shows it (Linux's new_encode_dev).</summary>
        private static uint EncodeDevice(ulong rdev)
        {
            uint major = DeviceNumber.Major(rdev), minor = DeviceNumber.Minor(rdev);
            return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
        }

        /// <summary>
        /// A process's file, or with <paramref name="thread"/> a /proc/PID/task/TID file: the thread's id,
        /// state, mask and own pending signals (the rest is the thread group's).
        /// </summary>
        private static void RenderProcess(ProcContent content, Process p, KernelThread? thread, ref TextBuilder t)
        {
            KernelThread? th = thread ?? p.Thread;
            ulong id = (ulong)(thread != null ? thread.Tid : p.Pid);
            byte state = StateLetter(p, thread);
            ReadOnlySpan<byte> name = new ReadOnlySpan<byte>(p.Name, 0, p.NameLength);
            ulong pages = p.Memory?.ResidentPages ?? 0;
            ulong vsize = p.Memory?.MappedBytes ?? 0;
            switch (content)
            {
                case ProcContent.PidStat:
                    t.Decimal(id); t.Append(" ("u8); t.Append(name); t.Append(") "u8);
                    t.Append(state); t.Append((byte)' ');
                    t.Decimal((long)(p.Parent?.Pid ?? 0)); t.Append((byte)' ');
                    t.Decimal((long)p.Pgid); t.Append((byte)' ');
                    t.Decimal((long)p.Sid); t.Append((byte)' ');
                    Terminal? tty = Terminal.ControllingTerminalOf(p);
                    t.Decimal((long)(tty != null ? EncodeDevice(tty.Rdev) : 0)); t.Append((byte)' ');
                    t.Decimal((long)(tty != null && tty.ForegroundGroup > 0 ? tty.ForegroundGroup : -1)); t.Append((byte)' ');
                    t.Append("4194560 "u8);
                    t.Decimal(p.MinorFaults); t.Append(" 0 0 0 "u8);
                    t.Decimal(p.UserTicks); t.Append((byte)' ');
                    t.Decimal(p.SystemTicks); t.Append((byte)' ');
                    t.Decimal(p.ChildUserTicks); t.Append((byte)' ');
                    t.Decimal(p.ChildSystemTicks); t.Append(" 20 0 1 0 "u8);
                    t.Decimal(Clock.CounterToNanoseconds(p.StartCounter - Clock.BootCounter) / 10_000_000); t.Append((byte)' ');
                    t.Decimal(vsize); t.Append((byte)' ');
                    t.Decimal(pages);
                    t.Append(" 18446744073709551615 4194304 4194304 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"u8);
                    break;
                case ProcContent.PidStatus:
                    t.Append("Name:\t"u8); t.Append(name);
                    t.Append("\nUmask:\t"u8); t.Decimal((ulong)Octal(p.Umask), 4, (byte)'0');
                    t.Append("\nState:\t"u8); t.Append(state);
                    t.Append(state == 'S' ? " (sleeping)"u8 : state == 'R' ? " (running)"u8 : state == 'T' ? " (stopped)"u8 : " (zombie)"u8);
                    t.Append("\nTgid:\t"u8); t.Decimal((ulong)p.Pid);
                    t.Append("\nNgid:\t0\nPid:\t"u8); t.Decimal(id);
                    t.Append("\nPPid:\t"u8); t.Decimal((ulong)(p.Parent?.Pid ?? 0));
                    t.Append("\nTracerPid:\t0\nUid:\t"u8);
                    t.Decimal(p.Uid); t.Append((byte)'\t'); t.Decimal(p.Euid); t.Append((byte)'\t'); t.Decimal(p.Suid); t.Append((byte)'\t'); t.Decimal(p.Euid);
                    t.Append("\nGid:\t"u8);
                    t.Decimal(p.Gid); t.Append((byte)'\t'); t.Decimal(p.Egid); t.Append((byte)'\t'); t.Decimal(p.Sgid); t.Append((byte)'\t'); t.Decimal(p.Egid);
                    t.Append("\nFDSize:\t"u8); t.Decimal((ulong)(p.Files?.Capacity ?? 0));
                    // Linux: the groups separated by spaces, then a space it keeps for compatibility.
                    t.Append("\nGroups:\t"u8);
                    if (p.Groups != null)
                        for (int g = 0; g < p.Groups.Length; g++)
                        {
                            if (g > 0) t.Append((byte)' ');
                            t.Decimal(p.Groups[g]);
                        }
                    t.Append((byte)' ');
                    t.Append("\nVmSize:\t"u8); t.Decimal(vsize >> 10, 8); t.Append(" kB\nVmRSS:\t"u8); t.Decimal(pages * 4, 8);
                    t.Append(" kB\nThreads:\t"u8); t.Decimal((ulong)p.ThreadCount);
                    t.Append("\nSigPnd:\t"u8); t.Hex(th?.PendingSignals ?? 0, 16);
                    t.Append("\nShdPnd:\t"u8); t.Hex(p.PendingSignals, 16);
                    t.Append("\nSigBlk:\t"u8); t.Hex(th?.BlockedSignals ?? 0, 16);
                    ulong ignored = 0, caught = 0;
                    for (int s = 1; s <= Signals.NSIG; s++)
                    {
                        if (p.Actions[s].Handler == 1) ignored |= Signals.Bit(s);
                        else if (p.Actions[s].Handler > 1) caught |= Signals.Bit(s);
                    }
                    t.Append("\nSigIgn:\t"u8); t.Hex(ignored, 16);
                    t.Append("\nSigCgt:\t"u8); t.Hex(caught, 16);
                    t.Append((byte)'\n');
                    break;
                case ProcContent.PidCmdline:
                    if (p.CommandLine != null)
                        t.Append(new ReadOnlySpan<byte>(p.CommandLine, 0, p.CommandLineLength));
                    break;
                case ProcContent.PidComm:
                    t.Append(name);
                    t.Append((byte)'\n');
                    break;
                case ProcContent.PidStatm:
                    t.Decimal(vsize >> 12); t.Append((byte)' '); t.Decimal(pages); t.Append(" 0 0 0 0 0\n"u8);
                    break;
                case ProcContent.PidMaps:
                    for (Vma? v = p.Memory?.Areas; v != null; v = v.Next)
                    {
                        t.Hex(v.Start, 8); t.Append((byte)'-'); t.Hex(v.End, 8); t.Append((byte)' ');
                        t.Append((v.Prot & 1) != 0 ? (byte)'r' : (byte)'-');
                        t.Append((v.Prot & 2) != 0 ? (byte)'w' : (byte)'-');
                        t.Append((v.Prot & 4) != 0 ? (byte)'x' : (byte)'-');
                        t.Append(v.Shared ? (byte)'s' : (byte)'p');
                        t.Append((byte)' '); t.Hex(v.FileOffset, 8); t.Append(" 00:00 0"u8);
                        if (p.Memory != null && v.Start <= p.Memory.BrkStart && v.End > p.Memory.BrkStart && v.File == null)
                            t.Append("                          [heap]"u8);
                        else if (v.End == AddressSpace.StackTop)
                            t.Append("                          [stack]"u8);
                        t.Append((byte)'\n');
                    }
                    break;
            }
        }

        private static uint Octal(uint value)
        {
            uint result = 0, scale = 1;
            while (value != 0)
            {
                result += (value & 7) * scale;
                scale *= 10;
                value >>= 3;
            }
            return result;
        }
    }
}
