using System;

namespace Kernel.Logic.Block
{
    /// <summary>
    /// Byte-addressed reads and writes on a disk of 512-byte sectors, as a block device file gives
    /// them (Linux's blkdev_read_iter/blkdev_write_iter): whole sectors go straight to the device,
    /// partial ones at either end are read into <c>sector</c> (512 bytes the caller provides) and, for
    /// writes, modified and written back. Reads stop at the end of the disk (0 at or past it); writes
    /// are cut at the end and fail with -ENOSPC at or past it, and with -EPERM on a read-only disk.
    /// </summary>
    public static class BlockIo
    {
        public const int SectorSize = 512;

        public static ulong SizeInBytes(IBlockDevice device) => device.SectorCount * SectorSize;

        public static long Read(IBlockDevice device, long offset, Span<byte> destination, Span<byte> sector)
        {
            if (offset < 0)
                return -Errno.EINVAL;
            ulong size = SizeInBytes(device);
            if ((ulong)offset >= size || destination.Length == 0)
                return 0;
            if ((ulong)destination.Length > size - (ulong)offset)
                destination = destination.Slice(0, (int)(size - (ulong)offset));
            int done = 0;
            while (done < destination.Length)
            {
                ulong at = (ulong)offset + (ulong)done;
                int within = (int)(at % SectorSize);
                int left = destination.Length - done;
                if (within == 0 && left >= SectorSize)
                {
                    int whole = left / SectorSize * SectorSize;
                    int r = device.Read(at / SectorSize, destination.Slice(done, whole));
                    if (r < 0)
                        return done > 0 ? done : r;
                    done += whole;
                    continue;
                }
                int r2 = device.Read(at / SectorSize, sector.Slice(0, SectorSize));
                if (r2 < 0)
                    return done > 0 ? done : r2;
                int n = SectorSize - within < left ? SectorSize - within : left;
                sector.Slice(within, n).CopyTo(destination.Slice(done, n));
                done += n;
            }
            return done;
        }

        public static long Write(IBlockDevice device, long offset, ReadOnlySpan<byte> source, Span<byte> sector)
        {
            if (offset < 0)
                return -Errno.EINVAL;
            if (device.ReadOnly)
                return -Errno.EPERM;
            if (source.Length == 0)
                return 0;
            ulong size = SizeInBytes(device);
            if ((ulong)offset >= size)
                return -Errno.ENOSPC;
            if ((ulong)source.Length > size - (ulong)offset)
                source = source.Slice(0, (int)(size - (ulong)offset));
            int done = 0;
            while (done < source.Length)
            {
                ulong at = (ulong)offset + (ulong)done;
                int within = (int)(at % SectorSize);
                int left = source.Length - done;
                if (within == 0 && left >= SectorSize)
                {
                    int whole = left / SectorSize * SectorSize;
                    int r = device.Write(at / SectorSize, source.Slice(done, whole));
                    if (r < 0)
                        return done > 0 ? done : r;
                    done += whole;
                    continue;
                }
                int n = SectorSize - within < left ? SectorSize - within : left;
                int r2 = device.Read(at / SectorSize, sector.Slice(0, SectorSize));
                if (r2 >= 0)
                {
                    source.Slice(done, n).CopyTo(sector.Slice(within, n));
                    r2 = device.Write(at / SectorSize, sector.Slice(0, SectorSize));
                }
                if (r2 < 0)
                    return done > 0 ? done : r2;
                done += n;
            }
            return done;
        }
    }
}
