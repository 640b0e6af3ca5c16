using System;
using Kernel.Logic.Net;

namespace Kernel.Logic.Display
{
    /// <summary>
    /// The 28 bytes a guest writes to fw_cfg's <c>etc/ramfb</c> (QEMU's ramfb): big-endian address (8),
    /// DRM fourcc, flags, width, height and stride (4 each).
    /// </summary>
    public static class RamfbConfig
    {
        public const int Length = 28;
        /// <summary>DRM_FORMAT_XRGB8888, "XR24".</summary>
        public const uint FourccXrgb8888 = 0x34325258;

        public static void Encode(Span<byte> destination, ulong address, in FramebufferMode mode)
        {
            if (destination.Length < Length)
                Fatal.Panic("RamfbConfig: short buffer");
            BigEndian.Put32(destination, 0, (uint)(address >> 32));
            BigEndian.Put32(destination, 4, (uint)address);
            BigEndian.Put32(destination, 8, FourccXrgb8888);
            BigEndian.Put32(destination, 12, 0);
            BigEndian.Put32(destination, 16, mode.Width);
            BigEndian.Put32(destination, 20, mode.Height);
            BigEndian.Put32(destination, 24, mode.Stride);
        }
    }
}
