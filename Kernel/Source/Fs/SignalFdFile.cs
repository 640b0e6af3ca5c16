using System;
using Kernel.Arch;
using Kernel.Logic.Process;
using Kernel.Logic;
using Kernel.Processes;
using Kernel.Threading;

namespace Kernel.Fs
{
    /// <summary>
    /// signalfd: reads take the reader's pending signals that are in the file's mask (its own and its
    /// process's, the same set sigwaitinfo would take), one struct signalfd_siginfo each, blocking
    /// while there is none. Readable while one is pending for the thread that polls.
    /// </summary>
    public sealed class SignalFdFile : AnonymousFile
    {
        public ulong Mask;

        public SignalFdFile(ulong mask, int flags)
        {
            Mask = mask;
            Flags = OpenFlags.ReadWrite | flags;
        }

        protected override ReadOnlySpan<byte> Kind => "signalfd"u8;

        private ulong PendingFor(KernelThread t) => (t.PendingSignals | (t.Process?.PendingSignals ?? 0)) & Mask;

        /// <summary>Signal posts wake their process's <see cref="Process.SignalChannel"/>: pollers of a signalfd wait there.</summary>
        public override object WaitChannel => Scheduler.Current.Process?.SignalChannel ?? this;

        public override long Read(Span<byte> destination)
        {
            if (destination.Length < SignalFdInfo.Size)
                return -Errno.EINVAL;
            KernelThread self = Scheduler.Current;
            Process process = self.Process!;
            int done = 0;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                int signal = process.TakePending(self, Mask, out SigInfo info);
                if (signal > 0)
                {
                    Cpu.RestoreInterrupts(daif);
                    SignalFdInfo.Write(in info, destination.Slice(done));
                    done += SignalFdInfo.Size;
                    if (destination.Length - done < SignalFdInfo.Size)
                        return done;
                    continue;
                }
                if (done > 0 || NonBlocking)
                {
                    Cpu.RestoreInterrupts(daif);
                    return done > 0 ? done : -Errno.EAGAIN;
                }
                self.WaitingForSignals = Mask;
                int r = Waiting.WaitOn(process.SignalChannel);
                self.WaitingForSignals = 0;
                Cpu.RestoreInterrupts(daif);
                if (r < 0)
                    return -Errno.ERESTARTSYS;
            }
        }

        public override int Poll() => PendingFor(Scheduler.Current) != 0 ? OpenFlags.PollIn : 0;
    }
}
