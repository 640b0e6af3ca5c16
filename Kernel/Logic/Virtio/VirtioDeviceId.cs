namespace Kernel.Logic.Virtio
{
    /// <summary>Device types (VirtIO 1.2 §5); 0 marks an empty virtio-mmio slot.</summary>
    public static class VirtioDeviceId
    {
        public const uint None = 0, Network = 1, Block = 2, Console = 3, Entropy = 4, Input = 18;
    }
}
