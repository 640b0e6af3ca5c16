using System;
using Kernel.Arch;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Fs;
using Kernel.Logic.Process;
using Kernel.Logic.Tty;
using Kernel.Memory;
using Kernel.Processes;
using Kernel.Threading;

namespace Kernel.Tty
{
    /// <summary>
    /// A pseudo-terminal pair (Unix 98: /dev/ptmx opens a master, /dev/pts/N is its slave). The slave is
    /// the terminal (line discipline, job control, ioctls: <see cref="Terminal"/>): what the master writes
    /// is the slave's input, and the slave's processed output and echo queue up for the master to read
    /// (8 KiB, as Linux's pty buffer limit). The master's side is here too (its file is <see cref="PtyMasterFile"/>).
    /// Linux's rules: the slave cannot be opened while locked (TIOCSPTLCK, set at creation) or after the
    /// master closed (EIO); the master's close hangs the slave up; once every slave file closed, the
    /// master's reads give EIO after the queued output. The pair (its buffers and this object) is freed
    /// when the master and every slave file are closed.
    /// </summary>
    public sealed class PseudoTerminal : Terminal
    {
        public const uint SlaveMajor = 136;
        /// <summary>Bytes of slave output the master has not read yet, at most.</summary>
        public const int MasterQueueSize = 8192;

        private static PtyIndexes s_indexes;

        public readonly int Index;
        private readonly ByteRing _toMaster;
        private int _slaveFiles;
        private bool _masterOpen = true;
        /// <summary>Linux's TTY_OTHER_CLOSED on the master: the slave was opened and all its files closed since.</summary>
        private bool _slaveClosed;
        private bool _locked = true;
        private bool _packet;

        private PseudoTerminal(int index) : base(DeviceNumber.Make(SlaveMajor, (uint)index), SlaveTermios())
        {
            Index = index;
            _toMaster = new ByteRing(MasterQueueSize);
        }

        /// <summary>Linux's pty slave settings: tty_std_termios with B38400 CS8 CREAD.</summary>
        private static Termios SlaveTermios()
        {
            Termios t = Termios.Standard();
            t.Cflag = Termios.B38400 | Termios.CS8 | Termios.CREAD;
            return t;
        }

        /// <summary>Pairs in use (for tests and /proc).</summary>
        public static int Count => s_indexes.Count;

        /// <summary>open("/dev/ptmx"): a new pair and its master file, and its /dev/pts node; -ENOSPC when all numbers are taken.</summary>
        public static int OpenMaster(int flags, out OpenFile? file)
        {
            file = null;
            Process p = Scheduler.Current.Process!;
            int index = s_indexes.Allocate();
            if (index < 0)
                return -Errno.ENOSPC;
            var pty = new PseudoTerminal(index);
            int r = DevPts.AddNode(index, pty.Rdev, p.Euid, p.Egid);
            if (r < 0)
            {
                pty.Free();
                return r;
            }
            file = new PtyMasterFile(pty) { Flags = flags };
            return 0;
        }

        /// <summary>The pair numbered <paramref name="index"/> whose master is open, or null.</summary>
        private static PseudoTerminal? Find(int index)
        {
            for (Terminal? t = First; t != null; t = t.Next)
                if (t is PseudoTerminal pty && pty.Index == index && pty._masterOpen)
                    return pty;
            return null;
        }

        /// <summary>open("/dev/pts/N"): the slave; -EIO while locked or once the master closed.</summary>
        public static int OpenSlave(uint index, ulong rdev, int flags, out OpenFile? file)
        {
            file = null;
            PseudoTerminal? pty = Find((int)index);
            if (pty == null || pty._locked)
                return -Errno.EIO;
            file = new TerminalFile(pty, flags, rdev);
            if (Scheduler.Current.Process is Process p)
                pty.OpenedBy(p, flags);
            return 0;
        }

        // ---------------------------------------------------------------- the slave (Terminal)

        public override bool HungUp => !_masterOpen;

        protected override bool IsPseudoTerminal => true;

        /// <summary>Slave output and echo go to the master's queue; what does not fit is dropped (writers check room first).</summary>
        protected override void Transmit(ReadOnlySpan<byte> bytes) => _toMaster.Put(bytes);

        /// <summary>Linux's pty_write_room: nothing while output is stopped (^S), else the master's free queue.</summary>
        protected override int OutputRoom => Discipline.OutputStopped ? 0 : _toMaster.Space;

        protected override void InputConsumed() => Scheduler.WakeAll(this);

        protected override void OutputProduced() => Scheduler.WakeAll(this);

        protected override void FlushOutput() => _toMaster.Clear();

        protected override void AdjustTermios(ref Termios termios)
        {
            termios.Cflag &= ~(Termios.CSIZE | Termios.PARENB);
            termios.Cflag |= Termios.CS8 | Termios.CREAD;
        }

        public override void FileOpened()
        {
            _slaveFiles++;
            _slaveClosed = false;
        }

        public override void FileClosed()
        {
            if (--_slaveFiles > 0)
                return;
            _slaveClosed = true;
            Scheduler.WakeAll(this);
            if (!_masterOpen)
                Free();
        }

        // ---------------------------------------------------------------- the master

        /// <summary>Reads the slave's output; -EIO once the slave closed and nothing is left.</summary>
        public long MasterRead(Span<byte> destination, bool nonBlocking)
        {
            if (destination.Length == 0)
                return 0;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (_toMaster.Count > 0)
                {
                    int n;
                    if (_packet)
                    {
                        destination[0] = 0; // TIOCPKT_DATA
                        n = 1 + _toMaster.Take(destination.Slice(1));
                    }
                    else
                    {
                        n = _toMaster.Take(destination);
                    }
                    Cpu.RestoreInterrupts(daif);
                    Scheduler.WakeAll(this);
                    return n;
                }
                if (_slaveClosed)
                {
                    Cpu.RestoreInterrupts(daif);
                    return -Errno.EIO;
                }
                int w = Waiting.BlockUnlessNonBlocking(this, nonBlocking, daif);
                if (w < 0)
                    return w;
            }
        }

        /// <summary>
        /// The master's write is the slave's input, typed: the line discipline echoes, edits and raises
        /// ^C ^\ ^Z in the slave's foreground group. Waits while the slave's input queue is full.
        /// </summary>
        public long MasterWrite(ReadOnlySpan<byte> source, bool nonBlocking)
        {
            int done = 0;
            while (done < source.Length)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                int taken = Receive(source.Slice(done));
                done += taken;
                Cpu.RestoreInterrupts(daif);
                if (taken > 0)
                    continue;
                if (nonBlocking)
                    return done > 0 ? done : -Errno.EAGAIN;
                daif = Cpu.SaveAndDisableInterrupts();
                int w = Discipline.HasRoom ? 0 : Waiting.WaitOn(this);
                Cpu.RestoreInterrupts(daif);
                if (w < 0)
                    return done > 0 ? done : -Errno.ERESTARTSYS;
            }
            return done;
        }

        public int MasterPoll()
        {
            int bits = 0;
            if (_toMaster.Count > 0)
                bits |= OpenFlags.PollIn | OpenFlags.PollRdNorm;
            if (_slaveClosed)
                bits |= OpenFlags.PollHup;
            if (Discipline.HasRoom)
                bits |= OpenFlags.PollOut | OpenFlags.PollWrNorm;
            return bits;
        }

        /// <summary>The master's own ioctls; the rest act on the slave (<see cref="Terminal.Ioctl"/> via the master).</summary>
        public int MasterIoctl(uint command, ulong argument, bool readable)
        {
            switch (command)
            {
                case PtyIoctl.TIOCGPTN:
                    return UserMemory.Write(argument, Index);
                case PtyIoctl.TIOCSPTLCK:
                    {
                        if (UserMemory.Read(argument, out int value) < 0)
                            return -Errno.EFAULT;
                        _locked = value != 0;
                        return 0;
                    }
                case PtyIoctl.TIOCGPTLCK:
                    return UserMemory.Write(argument, _locked ? 1 : 0);
                case PtyIoctl.TIOCPKT:
                    {
                        if (UserMemory.Read(argument, out int value) < 0)
                            return -Errno.EFAULT;
                        _packet = value != 0;
                        return 0;
                    }
                case PtyIoctl.TIOCGPKT:
                    return UserMemory.Write(argument, _packet ? 1 : 0);
                case PtyIoctl.TIOCSIG:
                    if (argument != Signals.SIGINT && argument != Signals.SIGQUIT && argument != Signals.SIGTSTP)
                        return -Errno.EINVAL;
                    if (ForegroundGroup > 0)
                        Process.SignalGroup(ForegroundGroup, (int)argument);
                    return 0;
                case TtyIoctl.FIONREAD:
                    return UserMemory.Write(argument, _toMaster.Count);
                case TtyIoctl.TCFLSH:
                    {
                        if (argument > 2)
                            return -Errno.EINVAL;
                        ulong daif = Cpu.SaveAndDisableInterrupts();
                        // The master's input is the slave's output, and its output the slave's input.
                        if (argument == TtyIoctl.TCIFLUSH || argument == TtyIoctl.TCIOFLUSH)
                            _toMaster.Clear();
                        if (argument == TtyIoctl.TCOFLUSH || argument == TtyIoctl.TCIOFLUSH)
                            Discipline.FlushInput();
                        Cpu.RestoreInterrupts(daif);
                        Scheduler.WakeAll(this);
                        return 0;
                    }
                default:
                    return Ioctl(command, argument, true, readable);
            }
        }

        /// <summary>The master's file closed: the slave hangs up, /dev/pts/N goes; the pair goes with its last slave file.</summary>
        public void MasterClosed()
        {
            _masterOpen = false;
            HangUpSession();
            DevPts.RemoveNode(Index);
            if (_slaveFiles == 0)
                Free();
        }

        private void Free()
        {
            Unregister();
            s_indexes.Release(Index);
            _toMaster.Free();
            Owned.Free(this);
        }
    }
}
