using System;
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Process;
using Kernel.Logic.Tty;
using Kernel.Memory;
using Kernel.Processes;
using Kernel.Threading;
using Kernel.Time;

namespace Kernel.Tty
{
    /// <summary>
    /// A terminal: the serial console or a pseudo-terminal's slave. It holds what Linux's tty_struct
    /// holds for job control and the line discipline: the N_TTY <see cref="LineDiscipline"/> (termios,
    /// input queue, echo, window size), the session it controls and that session's foreground process
    /// group. Reads, writes, readiness and the TTY ioctls (termios, window size, job control) are written
    /// here once; a subclass supplies where output goes (<see cref="Transmit"/>), how much room there is
    /// for it, and what happens when input is consumed or a file on it is opened and closed.
    /// Everything runs with interrupts masked around the shared state (one CPU), and the terminal
    /// itself is the wait channel readers, writers and pollers sleep on.
    /// </summary>
    public abstract unsafe class Terminal
    {
        private static Terminal? s_first;
        private Terminal? _next;

        protected LineDiscipline Discipline { get; }
        /// <summary>The session whose controlling terminal this is (its leader's pid), 0 for none.</summary>
        public int Session;
        /// <summary>The foreground process group (0 for none).</summary>
        public int ForegroundGroup;
        /// <summary>The terminal's device number (tty_nr in /proc/PID/stat).</summary>
        public readonly ulong Rdev;

        /// <summary>
        /// What the line discipline writes to (a sealed class of its own: an interface implemented by
        /// this abstract class would dispatch through a sealed virtual slot, which the kernel's runtime lacks).
        /// </summary>
        private sealed class OutputSink : ITtyOutput
        {
            private readonly Terminal _terminal;

            public OutputSink(Terminal terminal) { _terminal = terminal; }

            public void Write(ReadOnlySpan<byte> bytes) => _terminal.Transmit(bytes);
        }

        private readonly OutputSink _sink;

        protected Terminal(ulong rdev, in Termios termios)
        {
            Rdev = rdev;
            _sink = new OutputSink(this);
            Discipline = new LineDiscipline(_sink, termios);
            ulong daif = Cpu.SaveAndDisableInterrupts();
            _next = s_first;
            s_first = this;
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>Takes the terminal out of the list of terminals and frees its line discipline (before it is freed).</summary>
        protected void Unregister()
        {
            Owned.Free(_sink);
            Owned.Free(Discipline);
            ulong daif = Cpu.SaveAndDisableInterrupts();
            if (s_first == this)
                s_first = _next;
            else
                for (Terminal? t = s_first; t != null; t = t._next)
                    if (t._next == this)
                    {
                        t._next = _next;
                        break;
                    }
            _next = null;
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>The first terminal of the list (the console and every pseudo-terminal).</summary>
        internal static Terminal? First => s_first;
        internal Terminal? Next => _next;

        // ---------------------------------------------------------------- what a kind of terminal supplies

        /// <summary>Output and echo after output processing (the UART, or the master's read queue).</summary>
        protected abstract void Transmit(ReadOnlySpan<byte> bytes);

        /// <summary>Hung up (a pty whose master closed): reads give 0, writes and most ioctls EIO.</summary>
        public virtual bool HungUp => false;

        /// <summary>Bytes the output side takes now (before output processing expands them).</summary>
        protected virtual int OutputRoom => int.MaxValue;

        /// <summary>Input was read or flushed: the sender may go on (the UART's held-back input, the master's writers).</summary>
        protected virtual void InputConsumed() { }

        /// <summary>Output was produced (the master's readers wake).</summary>
        protected virtual void OutputProduced() { }

        /// <summary>TCOFLUSH: output not yet taken by the other side is dropped.</summary>
        protected virtual void FlushOutput() { }

        /// <summary>The driver's say on new settings (a pty forces CS8 CREAD, as Linux's pty_set_termios).</summary>
        protected virtual void AdjustTermios(ref Termios termios) { }

        /// <summary>A pseudo-terminal (its session leader's exit sends SIGHUP only, as Linux's disassociate_ctty).</summary>
        protected virtual bool IsPseudoTerminal => false;

        /// <summary>A file on the terminal was opened / closed (a pty counts its slave's files).</summary>
        public virtual void FileOpened() { }
        public virtual void FileClosed() { }

        // ---------------------------------------------------------------- input and output

        /// <summary>One received character (from the UART interrupt or a master's write; interrupts masked).</summary>
        public void Receive(byte c)
        {
            int signal = Discipline.Receive(c);
            if (signal != 0 && ForegroundGroup > 0)
                Process.SignalGroup(ForegroundGroup, signal);
            Scheduler.WakeAll(this);
        }

        /// <summary>
        /// Received characters while the line discipline has room (a master's write; interrupts masked):
        /// each signal character signals the foreground group; sleepers wake once. Returns how many were taken.
        /// </summary>
        public int Receive(ReadOnlySpan<byte> input)
        {
            int n = 0;
            while (n < input.Length && Discipline.HasRoom)
            {
                int signal = Discipline.Receive(input[n++]);
                if (signal != 0 && ForegroundGroup > 0)
                    Process.SignalGroup(ForegroundGroup, signal);
            }
            if (n > 0)
                Scheduler.WakeAll(this);
            return n;
        }

        /// <summary>Whether the line discipline takes more input now.</summary>
        public bool InputHasRoom => Discipline.HasRoom;

        /// <summary>read(2): the line discipline's read with job control, blocking, VMIN/VTIME timers and hang-up.</summary>
        public long Read(Span<byte> destination, bool nonBlocking)
        {
            if (HungUp)
                return 0;
            Process? p = Scheduler.Current.Process;
            if (p != null)
            {
                int r = CheckBackground(p, Signals.SIGTTIN);
                if (r < 0)
                    return r;
            }
            ulong deadline = 0;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (HungUp)
                {
                    Cpu.RestoreInterrupts(daif);
                    return 0;
                }
                int n = Discipline.Read(destination, nonBlocking);
                if (n > 0)
                    InputConsumed();
                if (n != -Errno.EAGAIN || nonBlocking)
                {
                    Cpu.RestoreInterrupts(daif);
                    return n;
                }
                int tenths = Discipline.TimeoutDeciseconds;
                if (tenths > 0 && (Discipline.MinChars == 0 || Discipline.ReadableNow > 0))
                {
                    if (deadline == 0)
                        deadline = Clock.DeadlineAfter((ulong)tenths * 100_000_000);
                    else if (SystemTimer.Counter() >= deadline)
                    {
                        n = Discipline.ReadAfterTimeout(destination);
                        if (n > 0)
                            InputConsumed();
                        Cpu.RestoreInterrupts(daif);
                        return n;
                    }
                }
                int w = Waiting.WaitOn(this, deadline);
                Cpu.RestoreInterrupts(daif);
                if (w < 0)
                    return -Errno.ERESTARTSYS;
            }
        }

        /// <summary>
        /// write(2): output processing into the output side, in pieces that fit (a full pty waits for its
        /// master's reader, or EAGAIN). With TOSTOP a background writer is stopped (SIGTTOU).
        /// </summary>
        public long Write(ReadOnlySpan<byte> source, bool nonBlocking)
        {
            if (HungUp)
                return -Errno.EIO;
            Process? p = Scheduler.Current.Process;
            if (p != null && (Discipline.Termios.Lflag & Termios.TOSTOP) != 0)
            {
                int r = CheckBackground(p, Signals.SIGTTOU);
                if (r < 0)
                    return r;
            }
            int done = 0;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (HungUp)
                {
                    Cpu.RestoreInterrupts(daif);
                    return done > 0 ? done : -Errno.EIO;
                }
                int room = OutputRoom;
                int factor = Discipline.OutputExpansion;
                if (room >= factor)
                {
                    int n = source.Length - done;
                    if (n > room / factor)
                        n = room / factor;
                    Discipline.ProcessOutput(source.Slice(done, n));
                    done += n;
                    Cpu.RestoreInterrupts(daif);
                    OutputProduced();
                    if (done == source.Length)
                        return done;
                    continue;
                }
                if (nonBlocking)
                {
                    Cpu.RestoreInterrupts(daif);
                    return done > 0 ? done : -Errno.EAGAIN;
                }
                int w = Waiting.WaitOn(this);
                Cpu.RestoreInterrupts(daif);
                if (w < 0)
                    return done > 0 ? done : -Errno.ERESTARTSYS;
            }
        }

        /// <summary>Kernel output (the console's log and init's descriptors before any process): processed, never blocking.</summary>
        public void Output(ReadOnlySpan<byte> data)
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            Discipline.ProcessOutput(data);
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>poll bits for a file on the terminal (Linux's n_tty_poll; a hung-up terminal is ready for everything).</summary>
        public int Poll()
        {
            if (HungUp)
                return OpenFlags.PollIn | OpenFlags.PollRdNorm | OpenFlags.PollOut | OpenFlags.PollWrNorm | OpenFlags.PollErr | OpenFlags.PollHup;
            int bits = 0;
            if (Discipline.PollReadable)
                bits |= OpenFlags.PollIn | OpenFlags.PollRdNorm;
            if (OutputRoom >= Discipline.OutputExpansion)
                bits |= OpenFlags.PollOut | OpenFlags.PollWrNorm;
            return bits;
        }

        // ---------------------------------------------------------------- job control

        public bool IsControllingTerminalOf(Process? p) => p != null && Session != 0 && p.Sid == Session;

        /// <summary>The caller's controlling terminal, or null.</summary>
        public static Terminal? ControllingTerminalOf(Process? p)
        {
            if (p == null || p.Sid == 0)
                return null;
            for (Terminal? t = s_first; t != null; t = t._next)
                if (t.Session == p.Sid)
                    return t;
            return null;
        }

        private int CheckBackground(Process p, int signal)
        {
            bool blocked = (Scheduler.Current.BlockedSignals & Signals.Bit(signal)) != 0 || p.Actions[signal].Handler == Signals.SIG_IGN;
            int r = JobControl.CheckBackground(IsControllingTerminalOf(p), p.Pgid, ForegroundGroup, blocked, signal);
            if (r > 0)
            {
                Process.SignalGroup(p.Pgid, r);
                return -Errno.ERESTARTSYS;
            }
            return r;
        }

        /// <summary>
        /// Opening the terminal without O_NOCTTY: a session leader without a controlling terminal gets this
        /// one if no session has it and the file is open for reading (Linux's tty_open_proc_set_tty).
        /// </summary>
        public void OpenedBy(Process p, int flags)
        {
            if ((flags & OpenFlags.NoCtty) != 0 || (flags & OpenFlags.AccessMode) == OpenFlags.WriteOnly)
                return;
            if (p.Sid != p.Pid || ControllingTerminalOf(p) != null)
                return;
            if (Session != 0 && Process.Find(Session) != null)
                return;
            Session = p.Sid;
            ForegroundGroup = p.Pgid;
            p.TtyOldGroup = 0;
        }

        /// <summary>A session leader exits (Linux's disassociate_ctty on exit).</summary>
        public static void SessionLeaderExited(Process p)
        {
            if (p.Sid != p.Pid)
                return;
            Terminal? t = ControllingTerminalOf(p);
            if (t != null)
            {
                t.Disassociate(!t.IsPseudoTerminal);
            }
            else if (p.TtyOldGroup > 0)
            {
                // The terminal hung up earlier: the group that was in the foreground then is told now.
                Process.SignalGroup(p.TtyOldGroup, Signals.SIGHUP);
                Process.SignalGroup(p.TtyOldGroup, Signals.SIGCONT);
            }
            p.TtyOldGroup = 0;
        }

        /// <summary>The session lets go of the terminal: SIGHUP (and SIGCONT) to the foreground group.</summary>
        private void Disassociate(bool sendContinue)
        {
            if (ForegroundGroup > 0)
            {
                Process.SignalGroup(ForegroundGroup, Signals.SIGHUP);
                if (sendContinue)
                    Process.SignalGroup(ForegroundGroup, Signals.SIGCONT);
            }
            Session = 0;
            ForegroundGroup = 0;
        }

        /// <summary>
        /// Hang-up (a pty's master closed; Linux's __tty_hangup): the session's leader gets SIGHUP and
        /// SIGCONT and remembers the foreground group (told when the leader exits); the session loses
        /// its controlling terminal; sleepers wake to see the hang-up.
        /// </summary>
        protected void HangUpSession()
        {
            if (Session != 0)
            {
                for (Process? q = Process.First; q != null; q = q.NextInTable)
                {
                    if (q.Sid != Session || q.Pid != q.Sid || q.State != ProcessState.Alive)
                        continue;
                    q.SendSignal(Signals.SIGHUP);
                    q.SendSignal(Signals.SIGCONT);
                    q.TtyOldGroup = ForegroundGroup;
                }
            }
            Session = 0;
            ForegroundGroup = 0;
            Scheduler.WakeAll(this);
        }

        // ---------------------------------------------------------------- ioctls

        /// <summary>
        /// The TTY ioctls. <paramref name="viaMaster"/>: issued on a pty's master, which acts on its slave
        /// and may read the foreground group and session without being anyone's controlling terminal
        /// (Linux's real_tty). <paramref name="readable"/>: the file was opened for reading (TIOCSCTTY).
        /// </summary>
        public int Ioctl(uint command, ulong argument, bool viaMaster, bool readable)
        {
            Process p = Scheduler.Current.Process!;
            if (HungUp)
                return command == TtyIoctl.TIOCSPGRP ? -Errno.ENOTTY : -Errno.EIO;
            switch (command)
            {
                case TtyIoctl.TCGETS:
                    {
                        Span<byte> t = stackalloc byte[Termios.Size];
                        Discipline.Termios.Write(t);
                        return UserMemory.CopyOut(argument, t);
                    }
                case TtyIoctl.TCSETS:
                case TtyIoctl.TCSETSW:
                case TtyIoctl.TCSETSF:
                    {
                        Span<byte> t = stackalloc byte[Termios.Size];
                        if (UserMemory.CopyIn(argument, t) < 0)
                            return -Errno.EFAULT;
                        int r = CheckBackground(p, Signals.SIGTTOU);
                        if (r < 0)
                            return r;
                        Termios termios = Termios.Read(t);
                        AdjustTermios(ref termios);
                        ulong daif = Cpu.SaveAndDisableInterrupts();
                        if (command == TtyIoctl.TCSETSF)
                            Discipline.FlushInput();
                        Discipline.SetTermios(termios);
                        InputConsumed();
                        Cpu.RestoreInterrupts(daif);
                        Scheduler.WakeAll(this);
                        return 0;
                    }
                case TtyIoctl.TIOCGWINSZ:
                    {
                        Span<byte> w = stackalloc byte[WinSize.Size];
                        Discipline.WindowSize.Write(w);
                        return UserMemory.CopyOut(argument, w);
                    }
                case TtyIoctl.TIOCSWINSZ:
                    {
                        Span<byte> w = stackalloc byte[WinSize.Size];
                        if (UserMemory.CopyIn(argument, w) < 0)
                            return -Errno.EFAULT;
                        WinSize size = WinSize.Read(w);
                        WinSize old = Discipline.WindowSize;
                        if (size.Rows == old.Rows && size.Columns == old.Columns && size.XPixels == old.XPixels && size.YPixels == old.YPixels)
                            return 0;
                        Discipline.WindowSize = size;
                        if (ForegroundGroup > 0)
                            Process.SignalGroup(ForegroundGroup, Signals.SIGWINCH);
                        return 0;
                    }
                case TtyIoctl.TIOCGPGRP:
                    if (!viaMaster && !IsControllingTerminalOf(p))
                        return -Errno.ENOTTY;
                    return UserMemory.Write(argument, ForegroundGroup);
                case TtyIoctl.TIOCSPGRP:
                    {
                        int r = CheckBackground(p, Signals.SIGTTOU);
                        if (r == -Errno.EIO)
                            return -Errno.ENOTTY;
                        if (r < 0)
                            return r;
                        if (!IsControllingTerminalOf(p))
                            return -Errno.ENOTTY;
                        if (UserMemory.Read(argument, out int group) < 0)
                            return -Errno.EFAULT;
                        if (group < 0)
                            return -Errno.EINVAL;
                        bool exists = false, sameSession = false;
                        for (Process? q = Process.First; q != null; q = q.NextInTable)
                        {
                            if (q.Pgid != group || q.State != ProcessState.Alive)
                                continue;
                            exists = true;
                            if (q.Sid == Session)
                                sameSession = true;
                        }
                        if (!exists)
                            return -Errno.ESRCH;
                        if (!sameSession)
                            return -Errno.EPERM;
                        ForegroundGroup = group;
                        return 0;
                    }
                case TtyIoctl.TIOCGSID:
                    if (!viaMaster && !IsControllingTerminalOf(p))
                        return -Errno.ENOTTY;
                    if (Session == 0)
                        return -Errno.ENOTTY;
                    return UserMemory.Write(argument, Session);
                case TtyIoctl.TIOCSCTTY:
                    if (p.Sid == p.Pid && Session == p.Sid)
                        return 0;
                    if (p.Sid != p.Pid || ControllingTerminalOf(p) != null)
                        return -Errno.EPERM;
                    if (Session != 0 && Process.Find(Session) != null)
                    {
                        if (!(argument == 1 && p.Euid == 0))
                            return -Errno.EPERM;
                        Session = 0; // stolen (root with argument 1)
                    }
                    if (!readable && p.Euid != 0)
                        return -Errno.EPERM;
                    Session = p.Sid;
                    ForegroundGroup = p.Pgid;
                    p.TtyOldGroup = 0;
                    return 0;
                case TtyIoctl.TIOCNOTTY:
                    if (viaMaster || !IsControllingTerminalOf(p))
                        return -Errno.ENOTTY;
                    if (p.Sid == p.Pid)
                        Disassociate(true);
                    return 0;
                case TtyIoctl.FIONREAD:
                    return UserMemory.Write(argument, Discipline.ReadableNow);
                case TtyIoctl.TIOCOUTQ:
                    return UserMemory.Write(argument, 0);
                case TtyIoctl.TCFLSH:
                    {
                        if (argument > 2)
                            return -Errno.EINVAL;
                        int r = CheckBackground(p, Signals.SIGTTOU);
                        if (r < 0)
                            return r;
                        ulong daif = Cpu.SaveAndDisableInterrupts();
                        if (argument == TtyIoctl.TCIFLUSH || argument == TtyIoctl.TCIOFLUSH)
                        {
                            Discipline.FlushInput();
                            InputConsumed();
                        }
                        if (argument == TtyIoctl.TCOFLUSH || argument == TtyIoctl.TCIOFLUSH)
                            FlushOutput();
                        Cpu.RestoreInterrupts(daif);
                        Scheduler.WakeAll(this);
                        return 0;
                    }
                case TtyIoctl.TCXONC:
                    {
                        int r = CheckBackground(p, Signals.SIGTTOU);
                        if (r < 0)
                            return r;
                        if (argument == TtyIoctl.TCOOFF || argument == TtyIoctl.TCOON)
                            Discipline.StopOutput(argument == TtyIoctl.TCOOFF);
                        else if (argument > TtyIoctl.TCION)
                            return -Errno.EINVAL;
                        Scheduler.WakeAll(this);
                        return 0;
                    }
                case TtyIoctl.TCSBRK:
                    return 0;
                default:
                    return DriverIoctl(command, argument);
            }
        }

        /// <summary>Ioctls of the terminal's own kind (the console's KDSETMODE); -ENOTTY by default.</summary>
        protected virtual int DriverIoctl(uint command, ulong argument) => -Errno.ENOTTY;
    }
}
