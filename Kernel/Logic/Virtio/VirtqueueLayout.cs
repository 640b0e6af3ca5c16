namespace Kernel.Logic.Virtio
{
    /// <summary>
    /// Where the three parts of a split virtqueue of <see cref="Size"/> entries sit in one block of
    /// memory (VirtIO 1.2 §2.7): the descriptor table (16 bytes each, 16-aligned), the driver area
    /// (available ring: flags, idx, ring[N], used_event) and the device area (used ring: flags, idx,
    /// ring[N] of {id, len}, avail_event). A legacy transport takes the queue by page frame number, so
    /// the whole queue is contiguous with the used ring at the next <c>align</c> boundary (§2.7.2,
    /// legacy interface); a modern one takes three addresses and needs only the parts' own alignment.
    /// </summary>
    public readonly struct VirtqueueLayout
    {
        public const int DescriptorSize = 16, UsedElementSize = 8;

        public readonly ushort Size;
        public readonly uint DriverOffset, DeviceOffset, TotalBytes;

        private VirtqueueLayout(ushort size, uint driver, uint device, uint total)
        {
            Size = size;
            DriverOffset = driver;
            DeviceOffset = device;
            TotalBytes = total;
        }

        public static bool IsValidSize(uint size) => size != 0 && size <= 32768 && (size & (size - 1)) == 0;

        /// <summary>Bytes of the available ring with its used_event word.</summary>
        public static uint DriverAreaBytes(ushort size) => 6 + 2u * size;

        /// <summary>Bytes of the used ring with its avail_event word.</summary>
        public static uint DeviceAreaBytes(ushort size) => 6 + (uint)UsedElementSize * size;

        /// <summary>The legacy layout: used ring at the first <paramref name="align"/> boundary after the available ring.</summary>
        public static VirtqueueLayout Legacy(ushort size, uint align)
        {
            uint driver = (uint)DescriptorSize * size;
            uint device = AlignUp(driver + DriverAreaBytes(size), align);
            return new VirtqueueLayout(size, driver, device, device + AlignUp(DeviceAreaBytes(size), align));
        }

        /// <summary>The modern layout packed in one block: the used ring 4-aligned after the available ring.</summary>
        public static VirtqueueLayout Modern(ushort size)
        {
            uint driver = (uint)DescriptorSize * size;
            uint device = AlignUp(driver + DriverAreaBytes(size), 4);
            return new VirtqueueLayout(size, driver, device, device + DeviceAreaBytes(size));
        }

        private static uint AlignUp(uint value, uint align) => (value + align - 1) & ~(align - 1);
    }
}
