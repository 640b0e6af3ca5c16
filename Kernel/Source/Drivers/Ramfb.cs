using System;
using Kernel.Diagnostics;
using Kernel.Logic;
using Kernel.Logic.Display;
using Kernel.Memory;

namespace Kernel.Drivers
{
    /// <summary>
    /// QEMU's RAM framebuffer (<c>-device ramfb</c>): the kernel sets aside RAM for the picture and tells the
    /// display where it is, its size and format, by writing fw_cfg's <c>etc/ramfb</c>. The size comes from
    /// Linux's <c>video=WxH</c> argument, else <see cref="FramebufferMode.Default"/>; the format is always
    /// XRGB8888. The memory stays the framebuffer's for good (/dev/fb0 maps it).
    /// </summary>
    public static unsafe class Ramfb
    {
        /// <summary>The framebuffer's kernel address, or null when there is none.</summary>
        public static byte* Memory { get; private set; }
        public static ulong Physical { get; private set; }
        /// <summary>Bytes set aside: the picture rounded up to whole pages.</summary>
        public static uint Length { get; private set; }
        public static FramebufferMode Mode { get; private set; }

        public static void Initialize(ReadOnlySpan<byte> bootArgs)
        {
            if (!FwCfg.TryFindFile("etc/ramfb"u8, out ushort key, out uint size) || size != RamfbConfig.Length)
                return;
            FramebufferMode mode = FramebufferMode.Default;
            if (BootArgs.TryGet(bootArgs, "video"u8, out ReadOnlySpan<byte> video) && !FramebufferMode.TryParse(video, out mode))
            {
                Log.Line($"ramfb: cannot use video={video}; using {FramebufferMode.Default.Width}x{FramebufferMode.Default.Height}");
                mode = FramebufferMode.Default;
            }
            ulong bytes = (mode.Bytes + PageAllocator.PageSize - 1) & ~(PageAllocator.PageSize - 1);
            byte* memory = DmaMemory.Allocate(bytes, out ulong physical);
            if (memory == null)
            {
                Log.Line($"ramfb: no {bytes >> 10} KiB of contiguous memory for {mode.Width}x{mode.Height}");
                return;
            }
            Span<byte> config = stackalloc byte[RamfbConfig.Length];
            RamfbConfig.Encode(config, physical, mode);
            int r = FwCfg.Write(key, config);
            if (r < 0)
            {
                Log.Line($"ramfb: configuring the display failed: {r}");
                DmaMemory.Free(memory, bytes);
                return;
            }
            Memory = memory;
            Physical = physical;
            Length = (uint)bytes;
            Mode = mode;
            Log.Line($"ramfb: {mode.Width}x{mode.Height} XRGB8888 at {physical:x} ({bytes >> 10} KiB), /dev/fb0");
        }
    }
}
