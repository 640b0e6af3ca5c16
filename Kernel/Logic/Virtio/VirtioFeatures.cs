namespace Kernel.Logic.Virtio
{
    /// <summary>
    /// Feature negotiation (VirtIO 1.2 §2.2, §6): the driver accepts what the device offers and the
    /// driver supports. A modern (version 2) transport requires VERSION_1, without which the device
    /// is a legacy one the modern driver must not drive; a legacy transport has only 32 feature bits
    /// and never VERSION_1.
    /// </summary>
    public static class VirtioFeatures
    {
        public const int IndirectDescriptors = 28, EventIndex = 29, Version1 = 32;

        public static ulong Bit(int bit) => 1UL << bit;

        public static bool Has(ulong features, int bit) => (features & Bit(bit)) != 0;

        /// <summary>
        /// The features to write to DriverFeatures: 0, or -ENODEV when a modern device lacks VERSION_1.
        /// Transport bits 28..37 other than EVENT_IDX and VERSION_1 are never accepted (this driver
        /// has no indirect descriptors, packed rings or platform IOMMU).
        /// </summary>
        public static int Negotiate(ulong offered, ulong supported, bool modern, out ulong accepted)
        {
            ulong transport = Bit(EventIndex) | (modern ? Bit(Version1) : 0);
            ulong deviceSpecific = supported & ~TransportMask;
            accepted = offered & (deviceSpecific | (supported & transport));
            if (!modern)
            {
                accepted &= 0xFFFF_FFFFUL;
                return 0;
            }
            if (!Has(offered, Version1))
            {
                accepted = 0;
                return -Errno.ENODEV;
            }
            accepted |= Bit(Version1);
            return 0;
        }

        /// <summary>Bits 28 to 37: reserved for the transport and the queues (§6).</summary>
        public const ulong TransportMask = ((1UL << 38) - 1) & ~((1UL << 28) - 1);
    }
}
