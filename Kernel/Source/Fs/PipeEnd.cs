using System;
using Kernel.Arch;
using Kernel.Logic.Fs;
using Kernel.Logic.Process;
using Kernel.Logic.Tty;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;

namespace Kernel.Fs
{
    /// <summary>One end of a pipe.</summary>
    public sealed class PipeEnd : OpenFile
    {
        private readonly Pipe _pipe;
        private readonly bool _reader;

        public PipeEnd(Pipe pipe, bool reader, int flags)
        {
            _pipe = pipe;
            _reader = reader;
            Flags = (flags & OpenFlags.AccessMode) == OpenFlags.ReadWrite ? flags : (flags & ~OpenFlags.AccessMode) | (reader ? OpenFlags.ReadOnly : OpenFlags.WriteOnly);
            if (reader) pipe.Readers++; else pipe.Writers++;
        }

        public override object WaitChannel => _pipe;

        public Pipe Pipe => _pipe;

        public override long Read(Span<byte> destination)
        {
            if (!CanRead)
                return -Errno.EBADF;
            if (destination.Length == 0)
                return 0;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (_pipe.Available > 0)
                {
                    int n = _pipe.Take(destination);
                    Cpu.RestoreInterrupts(daif);
                    Scheduler.WakeAll(_pipe);
                    return n;
                }
                if (_pipe.Writers == 0)
                {
                    Cpu.RestoreInterrupts(daif);
                    return 0;
                }
                int r = Waiting.BlockUnlessNonBlocking(_pipe, NonBlocking, daif);
                if (r < 0)
                    return r;
            }
        }

        public override long Write(ReadOnlySpan<byte> source)
        {
            if (!CanWrite)
                return -Errno.EBADF;
            int done = 0;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (_pipe.Readers == 0)
                {
                    Cpu.RestoreInterrupts(daif);
                    Scheduler.Current.Process?.SendSignal(Signals.SIGPIPE);
                    return done > 0 ? done : -Errno.EPIPE;
                }
                // Writes up to PIPE_BUF are atomic: wait for room for all of it.
                int need = source.Length - done <= Pipe.AtomicWrite ? source.Length - done : 1;
                if (_pipe.Space >= need)
                {
                    done += _pipe.Put(source.Slice(done));
                    Cpu.RestoreInterrupts(daif);
                    Scheduler.WakeAll(_pipe);
                    if (done == source.Length)
                        return done;
                    continue;
                }
                if (NonBlocking)
                {
                    Cpu.RestoreInterrupts(daif);
                    return done > 0 ? done : -Errno.EAGAIN;
                }
                int r = Waiting.WaitOn(_pipe);
                Cpu.RestoreInterrupts(daif);
                if (r < 0)
                    return done > 0 ? done : -Errno.ERESTARTSYS;
            }
        }

        public override int Poll()
        {
            int bits = 0;
            if (_reader)
            {
                if (_pipe.Available > 0) bits |= OpenFlags.PollIn | OpenFlags.PollRdNorm;
                if (_pipe.Writers == 0) bits |= OpenFlags.PollHup;
            }
            else
            {
                if (_pipe.Space > 0) bits |= OpenFlags.PollOut | OpenFlags.PollWrNorm;
                if (_pipe.Readers == 0) bits |= OpenFlags.PollErr;
            }
            return bits;
        }

        public override int Ioctl(uint command, ulong argument)
        {
            if (command == TtyIoctl.FIONREAD)
                return UserMemory.Write(argument, _pipe.Available);
            return -Errno.ENOTTY;
        }

        public override int Stat(Span<byte> stat)
            => Node != null ? base.Stat(stat) : StatLayout.WriteStat(stat, PipefsDevice, _pipe.Ino, InodeMode.S_IFIFO | InodeMode.S_IRUSR | InodeMode.S_IWUSR, 0);

        public override int Describe(Span<byte> text, Logic.Fs.Inode root)
        {
            if (Node != null)
                return base.Describe(text, root);
            var t = new TextBuilder(text);
            t.Append("pipe:["u8);
            t.Decimal(_pipe.Ino);
            t.Append((byte)']');
            return t.Length;
        }

        protected override void Closed()
        {
            base.Closed();
            if (_reader) _pipe.Readers--; else _pipe.Writers--;
            if (_reader && (Flags & OpenFlags.AccessMode) == OpenFlags.ReadWrite)
                _pipe.Writers--;
            Scheduler.WakeAll(_pipe);
            if (_pipe.Readers == 0 && _pipe.Writers == 0)
            {
                if (_pipe.Named)
                    NamedPipes.Forget(_pipe);
                _pipe.ProcNode?.Release();
                _pipe.ProcNode = null;
                _pipe.Free();
            }
        }
    }
}
