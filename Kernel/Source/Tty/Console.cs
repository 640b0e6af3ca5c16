using System;
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Logic.Process;
using Kernel.Logic.Tty;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Processes;
using Kernel.Threading;
using Kernel.Time;

namespace Kernel.Tty
{
    /// <summary>
    /// The serial console as a terminal (/dev/console, /dev/ttyAMA0, /dev/tty): the UART's input goes
    /// through Linux's line discipline (echo, editing, ^C ^\ ^Z to the foreground process group),
    /// output through its output processing (ONLCR). One session may own it as its controlling
    /// terminal; a background group that reads from it is stopped with SIGTTIN (job control).
    /// </summary>
    public static unsafe class Console
    {
        private static LineDiscipline? s_ld;
        public static readonly object Channel = new object();
        public static int ForegroundGroup;
        public static int Session;

        private sealed class UartOutput : ITtyOutput
        {
            public void Write(ReadOnlySpan<byte> bytes)
            {
                for (int i = 0; i < bytes.Length; i++)
                    Pl011.WriteByte(bytes[i]);
            }
        }

        public static void Initialize()
        {
            s_ld = new LineDiscipline(new UartOutput(), Termios.SerialConsole());
            s_ld.WindowSize = new WinSize { Rows = 24, Columns = 80 };
            Pl011.ReceiverHasRoom = &HasRoom;
            Pl011.Receiver = &Receive;
        }

        private static bool HasRoom() => s_ld!.HasRoom;

        /// <summary>After input was consumed or flushed (interrupts masked): let held-back UART input in.</summary>
        private static void ResumeInput()
        {
            if (Pl011.Throttled && s_ld!.HasRoom)
                Pl011.Resume();
        }

        /// <summary>From the UART interrupt.</summary>
        private static void Receive(byte b)
        {
            int signal = s_ld!.Receive(b);
            if (signal != 0 && ForegroundGroup > 0)
                Process.SignalGroup(ForegroundGroup, signal);
            Scheduler.WakeAll(Channel);
        }

        public static void Output(ReadOnlySpan<byte> data)
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            s_ld!.ProcessOutput(data);
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>A background process group reading its controlling terminal is stopped (SIGTTIN), or gets EIO.</summary>
        private static int CheckBackgroundRead(Process p)
        {
            if (!IsControllingTerminalOf(p) || p.Pgid == ForegroundGroup || ForegroundGroup == 0)
                return 0;
            if ((p.BlockedSignals & Signals.Bit(Signals.SIGTTIN)) != 0 || p.Actions[Signals.SIGTTIN].Handler == Signals.SIG_IGN)
                return -Errno.EIO;
            Process.SignalGroup(p.Pgid, Signals.SIGTTIN);
            return -Errno.ERESTARTSYS;
        }

        public static long Read(Span<byte> destination, bool nonBlocking)
        {
            Process? p = Scheduler.Current.Process;
            if (p != null)
            {
                int r = CheckBackgroundRead(p);
                if (r < 0)
                    return r;
            }
            ulong deadline = 0;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                int n = s_ld!.Read(destination, nonBlocking);
                if (n > 0)
                    ResumeInput();
                if (n != -Errno.EAGAIN || nonBlocking)
                {
                    Cpu.RestoreInterrupts(daif);
                    return n;
                }
                int tenths = s_ld.TimeoutDeciseconds;
                if (tenths > 0 && (s_ld.MinChars == 0 || s_ld.ReadableNow > 0))
                {
                    if (deadline == 0)
                        deadline = Clock.DeadlineAfter((ulong)tenths * 100_000_000);
                    else if (SystemTimer.Counter() >= deadline)
                    {
                        n = s_ld.ReadAfterTimeout(destination);
                        Cpu.RestoreInterrupts(daif);
                        return n;
                    }
                }
                int w = Waiting.WaitOn(Channel, deadline);
                Cpu.RestoreInterrupts(daif);
                if (w < 0)
                    return -Errno.ERESTARTSYS;
            }
        }

        public static int ReadableBytes => s_ld!.ReadableNow;
        public static bool PollReadable => s_ld!.PollReadable;

        public static bool IsControllingTerminalOf(Process? p) => p != null && Session != 0 && p.Sid == Session;

        /// <summary>A session leader without a terminal opening the console's device gets it (Linux's rule).</summary>
        public static void TryAcquireAsControllingTerminal(Process p)
        {
            if (p.Sid == p.Pid && (Session == 0 || Process.Find(Session) == null))
            {
                Session = p.Sid;
                ForegroundGroup = p.Pgid;
            }
        }

        /// <summary>setsid: the caller starts a session without a terminal.</summary>
        public static void DropControllingTerminal(Process p)
        {
        }

        /// <summary>A session leader exits: its terminal hangs up (SIGHUP and SIGCONT to the foreground group).</summary>
        public static void SessionLeaderExited(Process p)
        {
            if (Session != p.Sid || p.Sid != p.Pid)
                return;
            if (ForegroundGroup > 0)
            {
                Process.SignalGroup(ForegroundGroup, Signals.SIGHUP);
                Process.SignalGroup(ForegroundGroup, Signals.SIGCONT);
            }
            Session = 0;
            ForegroundGroup = 0;
        }

        public static int Ioctl(uint command, ulong argument)
        {
            Process p = Scheduler.Current.Process!;
            switch (command)
            {
                case TtyIoctl.TCGETS:
                    {
                        Span<byte> t = stackalloc byte[Termios.Size];
                        s_ld!.Termios.Write(t);
                        return UserMemory.CopyOut(argument, t);
                    }
                case TtyIoctl.TCSETS:
                case TtyIoctl.TCSETSW:
                case TtyIoctl.TCSETSF:
                    {
                        Span<byte> t = stackalloc byte[Termios.Size];
                        if (UserMemory.CopyIn(argument, t) < 0)
                            return -Errno.EFAULT;
                        ulong daif = Cpu.SaveAndDisableInterrupts();
                        if (command == TtyIoctl.TCSETSF)
                            s_ld!.FlushInput();
                        s_ld!.SetTermios(Termios.Read(t));
                        ResumeInput();
                        Cpu.RestoreInterrupts(daif);
                        Scheduler.WakeAll(Channel);
                        return 0;
                    }
                case TtyIoctl.TIOCGWINSZ:
                    {
                        Span<byte> w = stackalloc byte[WinSize.Size];
                        s_ld!.WindowSize.Write(w);
                        return UserMemory.CopyOut(argument, w);
                    }
                case TtyIoctl.TIOCSWINSZ:
                    {
                        Span<byte> w = stackalloc byte[WinSize.Size];
                        if (UserMemory.CopyIn(argument, w) < 0)
                            return -Errno.EFAULT;
                        s_ld!.WindowSize = WinSize.Read(w);
                        if (ForegroundGroup > 0)
                            Process.SignalGroup(ForegroundGroup, 28); // SIGWINCH
                        return 0;
                    }
                case TtyIoctl.TIOCGPGRP:
                    if (!IsControllingTerminalOf(p))
                        return -Errno.ENOTTY;
                    return UserMemory.Write(argument, ForegroundGroup);
                case TtyIoctl.TIOCSPGRP:
                    {
                        if (!IsControllingTerminalOf(p))
                            return -Errno.ENOTTY;
                        if (UserMemory.Read(argument, out int group) < 0)
                            return -Errno.EFAULT;
                        if (group <= 0)
                            return -Errno.EINVAL;
                        bool exists = false;
                        for (Process? q = Process.First; q != null; q = q.NextInTable)
                            if (q.Pgid == group && q.Sid == Session)
                                exists = true;
                        if (!exists)
                            return -Errno.EPERM;
                        ForegroundGroup = group;
                        return 0;
                    }
                case TtyIoctl.TIOCGSID:
                    if (!IsControllingTerminalOf(p))
                        return -Errno.ENOTTY;
                    return UserMemory.Write(argument, Session);
                case TtyIoctl.TIOCSCTTY:
                    if (IsControllingTerminalOf(p) && p.Sid == p.Pid)
                        return 0;
                    if (p.Sid != p.Pid)
                        return -Errno.EPERM;
                    if (Session != 0 && Process.Find(Session) != null && !(argument == 1 && p.Euid == 0))
                        return -Errno.EPERM;
                    Session = p.Sid;
                    ForegroundGroup = p.Pgid;
                    return 0;
                case TtyIoctl.TIOCNOTTY:
                    if (!IsControllingTerminalOf(p))
                        return -Errno.ENOTTY;
                    if (p.Sid == p.Pid)
                        SessionLeaderExited(p);
                    return 0;
                case TtyIoctl.FIONREAD:
                    return UserMemory.Write(argument, ReadableBytes);
                case TtyIoctl.TIOCOUTQ:
                    return UserMemory.Write(argument, 0);
                case TtyIoctl.TCFLSH:
                    if (argument == 0 || argument == 2)
                    {
                        ulong daif = Cpu.SaveAndDisableInterrupts();
                        s_ld!.FlushInput();
                        ResumeInput();
                        Cpu.RestoreInterrupts(daif);
                    }
                    return argument <= 2 ? 0 : -Errno.EINVAL;
                case TtyIoctl.TCXONC:
                    s_ld!.StopOutput(argument == 0);
                    return 0;
                case TtyIoctl.TCSBRK:
                    return 0;
                default:
                    return -Errno.ENOTTY;
            }
        }
    }
}
