using System;
using Kernel.Logic;
using Kernel.Drivers.Virtio;

namespace Kernel.Fs
{
    /// <summary>/dev/hwrng (10,183): bytes straight from the hardware generator (virtio-rng); a read may return fewer than asked.</summary>
    public sealed class HwRngFile : OpenFile
    {
        public override long Read(Span<byte> destination) => VirtioRng.Read(destination);
        public override long ReadAt(Span<byte> destination, long offset) => VirtioRng.Read(destination);
        public override long Write(ReadOnlySpan<byte> source) => -Errno.EINVAL;
    }
}
