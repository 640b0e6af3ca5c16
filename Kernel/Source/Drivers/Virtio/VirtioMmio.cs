using Kernel.Arch;
using Kernel.Logic;
using Kernel.Logic.Virtio;
using Kernel.Memory;

namespace Kernel.Drivers.Virtio
{
    /// <summary>
    /// One virtio-mmio transport (VirtIO 1.2 §4.2): version 2 (modern) or 1 (legacy, what QEMU offers
    /// unless told <c>-global virtio-mmio.force-legacy=false</c>). Register names are the
    /// specification's (§4.2.2; legacy-only ones from §4.2.4).
    /// </summary>
    public sealed unsafe class VirtioMmio
    {
        private const ulong MagicValue = 0x000, Version = 0x004, DeviceID = 0x008, VendorID = 0x00C,
            DeviceFeatures = 0x010, DeviceFeaturesSel = 0x014, DriverFeatures = 0x020, DriverFeaturesSel = 0x024,
            GuestPageSize = 0x028, QueueSel = 0x030, QueueNumMax = 0x034, QueueNum = 0x038, QueueAlign = 0x03C,
            QueuePFN = 0x040, QueueReady = 0x044, QueueNotify = 0x050, InterruptStatus = 0x060, InterruptACK = 0x064,
            Status = 0x070, QueueDescLow = 0x080, QueueDescHigh = 0x084, QueueDriverLow = 0x090, QueueDriverHigh = 0x094,
            QueueDeviceLow = 0x0A0, QueueDeviceHigh = 0x0A4, ConfigGeneration = 0x0FC, Config = 0x100;

        public const uint Magic = 0x74726976; // "virt"
        public const uint InterruptUsedBuffer = 1, InterruptConfigChange = 2;
        private const uint LegacyPageSize = 4096;

        private readonly ulong _base;

        public ulong PhysicalBase { get; }
        /// <summary>The device's number among the virtio devices, in probe order (Linux's virtioN).</summary>
        public int Index { get; internal set; }
        public uint TransportVersion { get; }
        public uint DeviceType { get; }
        public uint Vendor { get; }
        public uint Interrupt { get; }
        public bool Modern => TransportVersion == 2;
        /// <summary>The features both sides agreed on (after <see cref="Negotiate"/>).</summary>
        public ulong Features { get; private set; }

        private VirtioMmio(ulong virtualBase, ulong physical, uint version, uint device, uint vendor, uint interrupt)
        {
            _base = virtualBase;
            PhysicalBase = physical;
            TransportVersion = version;
            DeviceType = device;
            Vendor = vendor;
            Interrupt = interrupt;
        }

        /// <summary>
        /// Maps the transport and reads its identity. Null for no virtio device (bad magic, an unknown
        /// version) or an empty slot (device ID 0), which QEMU's board has by the dozen.
        /// </summary>
        public static VirtioMmio? Open(ulong physical, ulong size, uint interrupt)
        {
            ulong b = MemoryManager.MapDevice(physical, size);
            if (Mmio.Read32(b + MagicValue) != Magic)
                return null;
            uint version = Mmio.Read32(b + Version);
            if (version != 1 && version != 2)
                return null;
            uint device = Mmio.Read32(b + DeviceID);
            if (device == VirtioDeviceId.None)
                return null;
            return new VirtioMmio(b, physical, version, device, Mmio.Read32(b + VendorID), interrupt);
        }

        private uint Read(ulong register) => Mmio.Read32(_base + register);
        private void Write(ulong register, uint value) => Mmio.Write32(_base + register, value);

        public uint DeviceStatus => Read(Status);

        /// <summary>
        /// Resets the device and says a driver is here (§3.1.1 steps 1-3), then agrees on features (steps
        /// 4-6): the offered ones the driver supports; a modern device must accept them (FEATURES_OK).
        /// -ENODEV when it does not or when it is a legacy-only device on a modern transport.
        /// </summary>
        public int Negotiate(ulong supported)
        {
            Write(Status, 0);
            for (int spins = 0; Read(Status) != 0; spins++)
                if (spins == 1_000_000)
                    return -Errno.ENODEV; // the reset never completed: leave the device alone
            Write(Status, VirtioStatus.Acknowledge);
            Write(Status, VirtioStatus.Acknowledge | VirtioStatus.Driver);
            Write(DeviceFeaturesSel, 0);
            ulong offered = Read(DeviceFeatures);
            if (Modern)
            {
                Write(DeviceFeaturesSel, 1);
                offered |= (ulong)Read(DeviceFeatures) << 32;
            }
            int r = VirtioFeatures.Negotiate(offered, supported, Modern, out ulong accepted);
            if (r < 0)
            {
                Fail();
                return r;
            }
            Write(DriverFeaturesSel, 0);
            Write(DriverFeatures, (uint)accepted);
            if (Modern)
            {
                Write(DriverFeaturesSel, 1);
                Write(DriverFeatures, (uint)(accepted >> 32));
                Write(Status, VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk);
                if ((Read(Status) & VirtioStatus.FeaturesOk) == 0)
                {
                    Fail();
                    return -Errno.ENODEV;
                }
            }
            else
            {
                Write(GuestPageSize, LegacyPageSize);
            }
            Features = accepted;
            return 0;
        }

        /// <summary>
        /// Sets up queue <paramref name="index"/> with at most <paramref name="wanted"/> entries in zeroed
        /// DMA pages (§4.2.3.2; legacy: one contiguous block given by page number). Null when the queue
        /// does not exist, is in use, or memory is short.
        /// </summary>
        public SplitVirtqueue? SetUpQueue(uint index, ushort wanted)
        {
            Write(QueueSel, index);
            if (Modern ? Read(QueueReady) != 0 : Read(QueuePFN) != 0)
                return null;
            uint max = Read(QueueNumMax);
            if (max == 0)
                return null;
            uint size = wanted;
            while (size > max)
                size >>= 1;
            if (!VirtqueueLayout.IsValidSize(size))
                return null;
            VirtqueueLayout layout = Modern ? VirtqueueLayout.Modern((ushort)size) : VirtqueueLayout.Legacy((ushort)size, LegacyPageSize);
            byte* memory = DmaMemory.Allocate(layout.TotalBytes, out ulong physical);
            if (memory == null)
                return null;
            if (!Modern && (physical / LegacyPageSize) >> 32 != 0)
            {
                DmaMemory.Free(memory, layout.TotalBytes);
                return null; // QueuePFN holds 32 bits of page number
            }
            var queue = new SplitVirtqueue(memory, physical, layout, VirtioFeatures.Has(Features, VirtioFeatures.EventIndex));
            Write(QueueNum, size);
            if (Modern)
            {
                Write(QueueDescLow, (uint)queue.DescriptorAddress);
                Write(QueueDescHigh, (uint)(queue.DescriptorAddress >> 32));
                Write(QueueDriverLow, (uint)queue.DriverAddress);
                Write(QueueDriverHigh, (uint)(queue.DriverAddress >> 32));
                Write(QueueDeviceLow, (uint)queue.DeviceAddress);
                Write(QueueDeviceHigh, (uint)(queue.DeviceAddress >> 32));
                Write(QueueReady, 1);
            }
            else
            {
                Write(QueueAlign, LegacyPageSize);
                Write(QueuePFN, (uint)(physical / LegacyPageSize));
            }
            return queue;
        }

        /// <summary>The driver is ready (§3.1.1 step 8): the device may use the queues now.</summary>
        public void Start() => Write(Status, Read(Status) | VirtioStatus.DriverOk);

        /// <summary>Gives up on the device (FAILED).</summary>
        public void Fail() => Write(Status, Read(Status) | VirtioStatus.Failed);

        public void Notify(uint queue) => Write(QueueNotify, queue);

        /// <summary>Reads and acknowledges the interrupt causes (used buffer, configuration change).</summary>
        public uint TakeInterrupt()
        {
            uint status = Read(InterruptStatus);
            if (status != 0)
                Write(InterruptACK, status);
            return status;
        }

        public byte Config8(uint offset) => Mmio.Read8(_base + Config + offset);

        public void WriteConfig8(uint offset, byte value) => Mmio.Write8(_base + Config + offset, value);

        /// <summary>An aligned 32-bit configuration field.</summary>
        public uint Config32(uint offset) => Read(Config + offset);

        /// <summary>A 64-bit configuration field, read as two words consistent under ConfigGeneration (§4.2.2.2).</summary>
        public ulong Config64(uint offset)
        {
            while (true)
            {
                uint generation = Modern ? Read(ConfigGeneration) : 0;
                ulong value = Read(Config + offset) | (ulong)Read(Config + offset + 4) << 32;
                if (!Modern || Read(ConfigGeneration) == generation)
                    return value;
            }
        }
    }
}
