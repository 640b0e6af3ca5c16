using System;

namespace Kernel.Logic.Block
{
    /// <summary>
    /// A disk as the block layer sees it: 512-byte sectors, synchronous requests. The kernel's
    /// virtio-blk driver implements it; host tests use an image file or an array.
    /// Errors are negative errno values (-EIO for a failed request, -EROFS for a write to a
    /// read-only disk, -EINVAL for a buffer that is not whole sectors or runs past the end).
    /// </summary>
    public interface IBlockDevice
    {
        /// <summary>Size in 512-byte sectors.</summary>
        ulong SectorCount { get; }

        /// <summary>True when the device refuses writes.</summary>
        bool ReadOnly { get; }

        /// <summary>Reads whole sectors starting at <paramref name="sector"/>; 0 or -errno.</summary>
        int Read(ulong sector, Span<byte> buffer);

        /// <summary>Writes whole sectors starting at <paramref name="sector"/>; 0 or -errno.</summary>
        int Write(ulong sector, ReadOnlySpan<byte> buffer);

        /// <summary>Makes every completed write durable (virtio-blk FLUSH); 0 or -errno.</summary>
        int Flush();
    }
}
