namespace Kernel.Logic.Virtio
{
    /// <summary>One buffer of a chain: a physical address range the device reads, or writes when <see cref="DeviceWrites"/>.</summary>
    public readonly struct VirtqBuffer
    {
        public readonly ulong Address;
        public readonly uint Length;
        public readonly bool DeviceWrites;

        public VirtqBuffer(ulong address, uint length, bool deviceWrites)
        {
            Address = address;
            Length = length;
            DeviceWrites = deviceWrites;
        }
    }
}
