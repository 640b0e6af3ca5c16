using System;
using Kernel.Fs;

namespace Kernel.Tty
{
    /// <summary>The master side of a pseudo-terminal, as open("/dev/ptmx") returns it.</summary>
    public sealed class PtyMasterFile : OpenFile
    {
        private readonly PseudoTerminal _pty;

        public PtyMasterFile(PseudoTerminal pty) { _pty = pty; }

        public override long Read(Span<byte> destination) => _pty.MasterRead(destination, NonBlocking);

        public override long Write(ReadOnlySpan<byte> source) => _pty.MasterWrite(source, NonBlocking);

        public override int Ioctl(uint command, ulong argument) => _pty.MasterIoctl(command, argument, CanRead);

        public override object WaitChannel => _pty;

        public override int Poll() => _pty.MasterPoll();

        protected override void Closed()
        {
            base.Closed();
            _pty.MasterClosed();
        }
    }
}
