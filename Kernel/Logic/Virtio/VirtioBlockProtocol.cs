using System;

namespace Kernel.Logic.Virtio
{
    /// <summary>
    /// virtio-blk (VirtIO 1.2 §5.2): feature bits, the configuration layout, the request header and
    /// status, and how big one request may be given the device's segment limits.
    /// </summary>
    public static class VirtioBlockProtocol
    {
        public const int FeatureSizeMax = 1, FeatureSegMax = 2, FeatureGeometry = 4, FeatureReadOnly = 5, FeatureBlockSize = 6,
            FeatureFlush = 9, FeatureTopology = 10, FeatureConfigWce = 11;

        /// <summary>Offsets in the configuration space (struct virtio_blk_config).</summary>
        public const int ConfigCapacity = 0, ConfigSizeMax = 8, ConfigSegMax = 12, ConfigBlockSize = 20;

        public const uint TypeIn = 0, TypeOut = 1, TypeFlush = 4, TypeGetId = 8;
        public const byte StatusOk = 0, StatusIoError = 1, StatusUnsupported = 2;

        public const int HeaderBytes = 16, IdBytes = 20, SectorSize = 512;

        /// <summary>The features this driver uses when offered.</summary>
        public static ulong Supported =>
            VirtioFeatures.Bit(FeatureSizeMax) | VirtioFeatures.Bit(FeatureSegMax) | VirtioFeatures.Bit(FeatureReadOnly)
            | VirtioFeatures.Bit(FeatureBlockSize) | VirtioFeatures.Bit(FeatureFlush)
            | VirtioFeatures.Bit(VirtioFeatures.EventIndex) | VirtioFeatures.Bit(VirtioFeatures.Version1);

        /// <summary>Fills struct virtio_blk_outhdr { le32 type; le32 reserved; le64 sector }.</summary>
        public static void WriteHeader(Span<byte> header, uint type, ulong sector)
        {
            LittleEndian.Put32(header, 0, type);
            LittleEndian.Put32(header, 4, 0);
            LittleEndian.Put64(header, 8, sector);
        }

        /// <summary>
        /// The largest data transfer of one request in bytes (a multiple of <paramref name="blockSize"/>, at
        /// most <paramref name="cap"/>): with SEG_MAX at most seg_max data segments (1 otherwise), each at
        /// most size_max bytes with SIZE_MAX (otherwise a segment is one contiguous buffer of any length),
        /// and the chain (header, segments, status) within <paramref name="queueSize"/> descriptors.
        /// </summary>
        public static uint MaxTransferBytes(ulong features, uint segMax, uint sizeMax, uint blockSize, ushort queueSize, uint cap)
        {
            uint segments = VirtioFeatures.Has(features, FeatureSegMax) && segMax > 0 ? segMax : 1;
            if (segments > (uint)queueSize - 2)
                segments = (uint)queueSize - 2;
            ulong total = cap;
            if (VirtioFeatures.Has(features, FeatureSizeMax) && sizeMax > 0)
            {
                ulong bySegments = (ulong)segments * sizeMax;
                if (bySegments < total)
                    total = bySegments;
            }
            ulong rounded = total / blockSize * blockSize;
            return (uint)(rounded == 0 ? blockSize : rounded);
        }

        /// <summary>
        /// The size of one data segment of a transfer: <paramref name="remaining"/> capped at size_max
        /// when the device limits segments.
        /// </summary>
        public static uint SegmentBytes(ulong features, uint sizeMax, uint remaining)
            => VirtioFeatures.Has(features, FeatureSizeMax) && sizeMax > 0 && remaining > sizeMax ? sizeMax : remaining;

        /// <summary>The logical block size: blk_size with BLK_SIZE (a power of two from 512 up), else 512.</summary>
        public static uint LogicalBlockSize(ulong features, uint blockSize)
            => VirtioFeatures.Has(features, FeatureBlockSize) && blockSize >= SectorSize && blockSize <= 65536 && (blockSize & (blockSize - 1)) == 0
                ? blockSize : SectorSize;

        /// <summary>The serial from GET_ID: up to 20 bytes, NUL-terminated when shorter; its length.</summary>
        public static int SerialLength(ReadOnlySpan<byte> id)
        {
            int n = 0;
            while (n < id.Length && n < IdBytes && id[n] != 0)
                n++;
            return n;
        }
    }
}
