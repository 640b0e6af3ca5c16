using Kernel.Diagnostics;
using Kernel.Logic.Virtio;

namespace Kernel.Drivers.Virtio
{
    /// <summary>
    /// The virtio devices found on virtio-mmio transports, by type: disks (virtio-blk), network cards (virtio-net), the entropy
    /// source (virtio-rng) and keyboards and pointers (virtio-input). The boot sequence opens each transport from the device tree, registers its
    /// interrupt to <see cref="HandleInterrupt"/>, then calls <see cref="Attach"/>.
    /// </summary>
    public static class VirtioBus
    {
        public const int MaxTransports = 64;

        public const int MaxNics = 4;

        private static VirtioBlock?[]? s_disks;
        private static int s_diskCount;
        private static VirtioNet?[]? s_nics;
        private static int s_nicCount;
        private static int s_probed;

        public static int DiskCount => s_diskCount;
        public static int NicCount => s_nicCount;

        /// <summary>The network cards in probe order (eth0 first).</summary>
        public static VirtioNet Nic(int index) => s_nics![index]!;

        /// <summary>Starts the driver for the transport's device type; false when there is none or it failed.</summary>
        public static bool Attach(VirtioMmio transport)
        {
            transport.Index = s_probed++;
            switch (transport.DeviceType)
            {
                case VirtioDeviceId.Block:
                    {
                        s_disks ??= new VirtioBlock?[MaxTransports];
                        if (s_diskCount == MaxTransports)
                            return false;
                        VirtioBlock? disk = VirtioBlock.Create(transport);
                        if (disk == null)
                            return false;
                        int index = s_diskCount;
                        s_disks[s_diskCount++] = disk; // its interrupts are handled from here on
                        disk.Publish(index);
                        return true;
                    }
                case VirtioDeviceId.Network:
                    {
                        s_nics ??= new VirtioNet?[MaxNics];
                        if (s_nicCount == MaxNics)
                            return false;
                        VirtioNet? nic = VirtioNet.Create(transport);
                        if (nic == null)
                            return false;
                        s_nics[s_nicCount++] = nic;
                        return true;
                    }
                case VirtioDeviceId.Entropy:
                    return VirtioRng.Attach(transport);
                case VirtioDeviceId.Input:
                    return VirtioInput.Attach(transport);
                default:
                    Log.Line($"virtio: device type {transport.DeviceType} at {transport.PhysicalBase:x}: no driver");
                    return false;
            }
        }

        /// <summary>
        /// The interrupt of any virtio transport: asks each device whether it interrupted (the lines are
        /// few and may be shared) and lets its driver take the completed requests.
        /// </summary>
        public static void HandleInterrupt()
        {
            for (int i = 0; i < s_diskCount; i++)
            {
                VirtioBlock disk = s_disks![i]!;
                if ((disk.Transport.TakeInterrupt() & VirtioMmio.InterruptUsedBuffer) != 0)
                    disk.HandleInterrupt();
            }
            for (int i = 0; i < s_nicCount; i++)
            {
                VirtioNet nic = s_nics![i]!;
                uint causes = nic.Transport.TakeInterrupt();
                if (causes != 0)
                    nic.HandleInterrupt(causes);
            }
            VirtioMmio? rng = VirtioRng.Transport;
            if (rng != null && (rng.TakeInterrupt() & VirtioMmio.InterruptUsedBuffer) != 0)
                VirtioRng.HandleInterrupt();
            VirtioInput.HandleInterrupts();
        }
    }
}
