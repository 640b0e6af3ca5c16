namespace Kernel.Logic.Virtio
{
    /// <summary>Device status bits (VirtIO 1.2 §2.1), written in this order during initialisation (§3.1.1).</summary>
    public static class VirtioStatus
    {
        public const uint Acknowledge = 1, Driver = 2, DriverOk = 4, FeaturesOk = 8, DeviceNeedsReset = 64, Failed = 128;
    }
}
