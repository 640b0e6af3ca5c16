using System;
using Kernel.Arch;
using Kernel.Logic;
using Kernel.Threading;

namespace Kernel.Fs
{
    /// <summary>
    /// eventfd: a 64-bit counter. A write adds to it (blocking while the sum would pass
    /// 0xFFFFFFFFFFFFFFFE); a read takes it all and resets it to 0, or takes 1 in semaphore mode
    /// (blocking while it is 0). Readable while above 0, writable while below the maximum.
    /// </summary>
    public sealed class EventFdFile : AnonymousFile
    {
        private const ulong Maximum = 0xFFFF_FFFF_FFFF_FFFE;
        private ulong _count;
        private readonly bool _semaphore;

        public EventFdFile(uint initial, bool semaphore, int flags)
        {
            _count = initial;
            _semaphore = semaphore;
            Flags = OpenFlags.ReadWrite | flags;
        }

        protected override ReadOnlySpan<byte> Kind => "eventfd"u8;

        public override long Read(Span<byte> destination)
        {
            if (destination.Length < 8)
                return -Errno.EINVAL;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (_count > 0)
                {
                    ulong value = _semaphore ? 1 : _count;
                    _count -= value;
                    Cpu.RestoreInterrupts(daif);
                    LittleEndian.Put64(destination, 0, value);
                    Scheduler.WakeAll(this);
                    return 8;
                }
                int r = Waiting.BlockUnlessNonBlocking(this, NonBlocking, daif);
                if (r < 0)
                    return r;
            }
        }

        public override long Write(ReadOnlySpan<byte> source)
        {
            if (source.Length < 8)
                return -Errno.EINVAL;
            ulong value = LittleEndian.U64(source, 0);
            if (value == ulong.MaxValue)
                return -Errno.EINVAL;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (Maximum - _count >= value)
                {
                    _count += value;
                    Cpu.RestoreInterrupts(daif);
                    if (value > 0)
                        Scheduler.WakeAll(this);
                    return 8;
                }
                int r = Waiting.BlockUnlessNonBlocking(this, NonBlocking, daif);
                if (r < 0)
                    return r;
            }
        }

        public override int Poll() => (_count > 0 ? OpenFlags.PollIn : 0) | (_count < Maximum ? OpenFlags.PollOut : 0);
    }
}
