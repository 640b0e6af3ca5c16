using System;

namespace Kernel.Logic.Block
{
    /// <summary>
    /// The kernel's disks: drivers add them as they probe (virtio-blk at boot), /dev and
    /// /proc/partitions list them, mounting finds them by name (<c>BlockDevices.Find("vda"u8)</c>).
    /// </summary>
    public static class BlockDevices
    {
        private static BlockDeviceTable? s_table;

        public static BlockDeviceTable Table => s_table ??= new BlockDeviceTable();

        public static int Count => s_table?.Count ?? 0;

        public static BlockDeviceEntry At(int index) => Table.At(index);

        public static int Add(IBlockDevice device, ReadOnlySpan<byte> name, uint major, uint minor) => Table.Add(device, name, major, minor);

        /// <summary>The disk named "vda" (or "/dev/vda"); null when there is none.</summary>
        public static IBlockDevice? Find(ReadOnlySpan<byte> name) => s_table?.Find(name)?.Device;

        /// <summary>The disk with device number <paramref name="major"/>:<paramref name="minor"/>; null when none.</summary>
        public static IBlockDevice? Find(uint major, uint minor) => s_table?.Find(major, minor)?.Device;
    }
}
