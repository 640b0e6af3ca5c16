using System;
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Logic.Process;
using Kernel.Threading;

namespace Kernel.Processes
{
    /// <summary>
    /// The serial console as a terminal (/dev/console, /dev/ttyAMA0, /dev/tty): the UART's input goes
    /// through the line discipline (echo, editing, signals to the foreground group), output through
    /// its output processing. One session may own it as controlling terminal.
    /// </summary>
    public static unsafe class Console
    {
        private const int InputSize = 4096;
        private static byte[]? s_input;
        private static int s_head, s_count;
        public static readonly object Channel = new object();
        public static int ForegroundGroup;
        public static int Session;

        public static void Initialize()
        {
            s_input = new byte[InputSize];
            Pl011.Receiver = &Receive;
        }

        /// <summary>From the UART interrupt.</summary>
        private static void Receive(byte b)
        {
            if (b == '\r')
                b = (byte)'\n';
            if (s_count < InputSize)
            {
                s_input![(s_head + s_count) % InputSize] = b;
                s_count++;
            }
            Output(new ReadOnlySpan<byte>(&b, 1));
            Scheduler.WakeAll(Channel);
        }

        public static void Output(ReadOnlySpan<byte> data)
        {
            for (int i = 0; i < data.Length; i++)
            {
                if (data[i] == '\n')
                    Pl011.WriteByte((byte)'\r');
                Pl011.WriteByte(data[i]);
            }
        }

        public static long Read(Span<byte> destination, bool nonBlocking)
        {
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (s_count > 0)
                {
                    int n = 0;
                    while (n < destination.Length && s_count > 0)
                    {
                        byte b = s_input![s_head];
                        s_head = (s_head + 1) % InputSize;
                        s_count--;
                        destination[n++] = b;
                        if (b == '\n')
                            break;
                    }
                    Cpu.RestoreInterrupts(daif);
                    return n;
                }
                if (nonBlocking)
                {
                    Cpu.RestoreInterrupts(daif);
                    return -Errno.EAGAIN;
                }
                int r = Waiting.WaitOn(Channel);
                Cpu.RestoreInterrupts(daif);
                if (r < 0)
                    return -Errno.ERESTARTSYS;
            }
        }

        public static int ReadableBytes => s_count;

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
    }

    /// <summary>An open file on the console terminal.</summary>
    public sealed class ConsoleFile : OpenFile
    {
        private readonly ulong _rdev;

        public ConsoleFile(int flags, ulong rdev = (5UL << 8) | 1)
        {
            Flags = flags;
            _rdev = rdev;
        }

        public override long Read(Span<byte> destination) => Console.Read(destination, NonBlocking);

        public override long Write(ReadOnlySpan<byte> source)
        {
            Console.Output(source);
            return source.Length;
        }

        public override object WaitChannel => Console.Channel;

        public override int Poll() => OpenFlags.PollOut | OpenFlags.PollWrNorm | (Console.ReadableBytes > 0 ? OpenFlags.PollIn | OpenFlags.PollRdNorm : 0);

        public override int Stat(Span<byte> stat) => Node != null ? base.Stat(stat) : StatWriter.Fill(stat, 6, 5, 0x2000 | 0x180, 1, _rdev, 0);

        public override int Describe(Span<byte> text, Logic.Fs.Inode root)
        {
            if (Node != null)
                return base.Describe(text, root);
            ReadOnlySpan<byte> name = "/dev/console"u8;
            name.CopyTo(text);
            return name.Length;
        }
    }
}
