using System;
using Kernel.Logic;
using Kernel.Logic.Block;
using Kernel.Memory;

namespace Kernel.Fs
{
    /// <summary>
    /// An open disk (/dev/vda): bytes at any offset and length (partial sectors read-modify-written,
    /// <see cref="BlockIo"/>), seekable up to its size, fsync as a device flush, and the block ioctls
    /// tools use to learn its size. No page cache: every read and write goes to the device.
    /// </summary>
    public sealed class BlockDeviceFile : OpenFile
    {
        // Linux's <linux/fs.h> numbers.
        public const uint BLKROGET = 0x125E, BLKRRPART = 0x125F, BLKGETSIZE = 0x1260, BLKFLSBUF = 0x1261,
            BLKSSZGET = 0x1268, BLKBSZGET = 0x80081270, BLKGETSIZE64 = 0x80081272, BLKPBSZGET = 0x127B;

        private readonly IBlockDevice _device;

        public BlockDeviceFile(IBlockDevice device) { _device = device; }

        public override bool IsStream => false;
        public override long Size => (long)BlockIo.SizeInBytes(_device);

        public override long Read(Span<byte> destination) => ReadAtOffset(destination);

        public override long Write(ReadOnlySpan<byte> source) => WriteAtOffset(source);

        public override long ReadAt(Span<byte> destination, long offset)
        {
            Span<byte> sector = stackalloc byte[BlockIo.SectorSize];
            return BlockIo.Read(_device, offset, destination, sector);
        }

        public override long WriteAt(ReadOnlySpan<byte> source, long offset)
        {
            Span<byte> sector = stackalloc byte[BlockIo.SectorSize];
            return BlockIo.Write(_device, offset, source, sector);
        }

        /// <summary>Within the disk, as Linux's fixed_size_llseek.</summary>
        public override long Seek(long offset, int whence) => SeekInSize(offset, whence, Size, withinSize: true);

        public override int Sync() => _device.Flush();

        public override int Ioctl(uint command, ulong argument)
        {
            switch (command)
            {
                case BLKGETSIZE64:
                    return UserMemory.Write(argument, BlockIo.SizeInBytes(_device));
                case BLKGETSIZE:
                    return UserMemory.Write(argument, _device.SectorCount);
                case BLKSSZGET:
                case BLKPBSZGET:
                    return UserMemory.Write(argument, BlockIo.SectorSize);
                case BLKBSZGET:
                    return UserMemory.Write(argument, (int)PageSizedBlock());
                case BLKROGET:
                    return UserMemory.Write(argument, _device.ReadOnly ? 1 : 0);
                case BLKFLSBUF:
                    // No buffers to drop: write back what the device caches.
                    return _device.Flush();
                case BLKRRPART:
                    return -Errno.EINVAL; // no partition tables are read
                default:
                    return -Errno.ENOTTY;
            }
        }

        /// <summary>The soft block size Linux starts a disk with: the largest power of two up to 4096 that divides its size.</summary>
        private ulong PageSizedBlock()
        {
            ulong bytes = BlockIo.SizeInBytes(_device);
            ulong size = 4096;
            while (size > BlockIo.SectorSize && bytes % size != 0)
                size >>= 1;
            return size;
        }
    }
}
