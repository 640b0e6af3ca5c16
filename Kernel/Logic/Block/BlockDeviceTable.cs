using System;

namespace Kernel.Logic.Block
{
    /// <summary>Disks by name and by device number, in the order they were added (the kernel's is <see cref="BlockDevices"/>).</summary>
    public sealed class BlockDeviceTable
    {
        public const int Capacity = 64;

        private readonly BlockDeviceEntry?[] _entries = new BlockDeviceEntry?[Capacity];
        private int _count;

        public int Count => _count;

        public BlockDeviceEntry At(int index) => _entries[index]!;

        /// <summary>Adds a disk; -EEXIST for a name or number already taken, -ENOSPC when the table is full.</summary>
        public int Add(IBlockDevice device, ReadOnlySpan<byte> name, uint major, uint minor)
        {
            if (name.Length == 0)
                return -Errno.EINVAL;
            if (Find(name) != null || Find(major, minor) != null)
                return -Errno.EEXIST;
            if (_count == Capacity)
                return -Errno.ENOSPC;
            _entries[_count++] = new BlockDeviceEntry(device, name, major, minor);
            return 0;
        }

        /// <summary>The disk named <paramref name="name"/> ("vda", or "/dev/vda" as root= gives it); null when none.</summary>
        public BlockDeviceEntry? Find(ReadOnlySpan<byte> name)
        {
            if (name.Length > 5 && Bytes.Equal(name.Slice(0, 5), "/dev/"u8))
                name = name.Slice(5);
            for (int i = 0; i < _count; i++)
                if (Bytes.Equal(_entries[i]!.Name, name))
                    return _entries[i];
            return null;
        }

        public BlockDeviceEntry? Find(uint major, uint minor)
        {
            for (int i = 0; i < _count; i++)
                if (_entries[i]!.Major == major && _entries[i]!.Minor == minor)
                    return _entries[i];
            return null;
        }
    }
}
