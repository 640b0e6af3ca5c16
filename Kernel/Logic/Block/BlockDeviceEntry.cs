using System;

namespace Kernel.Logic.Block
{
    /// <summary>A registered disk: its name under /dev ("vda"), its device number and the driver's device.</summary>
    public sealed class BlockDeviceEntry
    {
        private readonly byte[] _name;

        public BlockDeviceEntry(IBlockDevice device, ReadOnlySpan<byte> name, uint major, uint minor)
        {
            Device = device;
            _name = new byte[name.Length];
            name.CopyTo(_name);
            Major = major;
            Minor = minor;
        }

        public IBlockDevice Device { get; }
        public ReadOnlySpan<byte> Name => _name;
        public uint Major { get; }
        public uint Minor { get; }
    }
}
