using System;

namespace Kernel.Logic.Display
{
    /// <summary>
    /// Linux's fbdev structures for an XRGB8888 framebuffer, as FBIOGET_VSCREENINFO and
    /// FBIOGET_FSCREENINFO give them on arm64: <c>struct fb_var_screeninfo</c> (160 bytes) and
    /// <c>struct fb_fix_screeninfo</c> (80 bytes, with 64-bit <c>unsigned long</c>s).
    /// </summary>
    public static class FbScreenInfo
    {
        public const int VarLength = 160, FixLength = 80;
        public const uint FBIOGET_VSCREENINFO = 0x4600, FBIOPUT_VSCREENINFO = 0x4601, FBIOGET_FSCREENINFO = 0x4602,
            FBIOGETCMAP = 0x4604, FBIOPUTCMAP = 0x4605, FBIOPAN_DISPLAY = 0x4606, FBIOBLANK = 0x4611;
        public const uint TypePackedPixels = 0, VisualTrueColor = 2;
        // fb_var_screeninfo offsets.
        public const int XRes = 0, YRes = 4, XResVirtual = 8, YResVirtual = 12, XOffset = 16, YOffset = 20,
            BitsPerPixel = 24, Red = 32, Green = 44, Blue = 56, Transp = 68, Activate = 84, HeightMm = 88, WidthMm = 92, PixClock = 100;

        public static void WriteVar(Span<byte> v, in FramebufferMode mode)
        {
            v.Slice(0, VarLength).Clear();
            LittleEndian.Put32(v, XRes, mode.Width);
            LittleEndian.Put32(v, YRes, mode.Height);
            LittleEndian.Put32(v, XResVirtual, mode.Width);
            LittleEndian.Put32(v, YResVirtual, mode.Height);
            LittleEndian.Put32(v, BitsPerPixel, 32);
            Field(v, Red, 16);
            Field(v, Green, 8);
            Field(v, Blue, 0);
            // Linux leaves the unknown physical size at -1 mm.
            LittleEndian.Put32(v, HeightMm, uint.MaxValue);
            LittleEndian.Put32(v, WidthMm, uint.MaxValue);
        }

        private static void Field(Span<byte> v, int at, uint offset)
        {
            LittleEndian.Put32(v, at, offset);
            LittleEndian.Put32(v, at + 4, 8);
        }

        public static void WriteFix(Span<byte> f, ReadOnlySpan<byte> id, ulong physical, uint length, in FramebufferMode mode)
        {
            f.Slice(0, FixLength).Clear();
            for (int i = 0; i < id.Length && i < 15; i++)
                f[i] = id[i];
            LittleEndian.Put64(f, 16, physical);
            LittleEndian.Put32(f, 24, length);
            LittleEndian.Put32(f, 28, TypePackedPixels);
            LittleEndian.Put32(f, 36, VisualTrueColor);
            LittleEndian.Put32(f, 48, mode.Stride);
        }
    }
}
