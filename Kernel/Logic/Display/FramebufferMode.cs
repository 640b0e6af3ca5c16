using System;

namespace Kernel.Logic.Display
{
    /// <summary>
    /// A framebuffer's geometry in XRGB8888 (32 bits a pixel, the byte order ramfb's XR24 and Linux's
    /// x8r8g8b8 name): width and height in pixels, bytes per line. Parses Linux's <c>video=</c> boot argument.
    /// </summary>
    public readonly struct FramebufferMode
    {
        public const int BytesPerPixel = 4;
        /// <summary>What ramfb accepts (QEMU 7.2).</summary>
        public const uint MinWidth = 16, MaxWidth = 16000, MinHeight = 16, MaxHeight = 12000;
        /// <summary>With no <c>video=</c>: 1024x768, the size the project's window and benchmarks use.</summary>
        public static FramebufferMode Default => new FramebufferMode(1024, 768);

        public readonly uint Width, Height;

        public FramebufferMode(uint width, uint height)
        {
            Width = width;
            Height = height;
        }

        public uint Stride => Width * BytesPerPixel;
        public ulong Bytes => (ulong)Stride * Height;

        public static bool IsValid(uint width, uint height)
            => width >= MinWidth && width <= MaxWidth && height >= MinHeight && height <= MaxHeight;

        /// <summary>
        /// Linux's <c>video=[connector:]WxH[M][R][-bpp][@refresh][i][m][e|d|D]</c>, of which the size is used; a
        /// depth other than 32 is refused (this framebuffer has one format). False for anything unparsable,
        /// a size ramfb refuses, or a value without a size (<c>video=efifb:off</c>).
        /// </summary>
        public static bool TryParse(ReadOnlySpan<byte> value, out FramebufferMode mode)
        {
            mode = default;
            int colon = Logic.Bytes.IndexOf(value, (byte)':');
            if (colon >= 0)
                value = value.Slice(colon + 1);
            int i = 0;
            if (!Number(value, ref i, out uint width) || i >= value.Length || (value[i] != 'x' && value[i] != 'X'))
                return false;
            i++;
            if (!Number(value, ref i, out uint height))
                return false;
            while (i < value.Length && (value[i] == 'M' || value[i] == 'R'))
                i++;
            if (i < value.Length && value[i] == '-')
            {
                i++;
                if (!Number(value, ref i, out uint bpp) || bpp != 32)
                    return false;
            }
            if (i < value.Length && value[i] == '@')
            {
                i++;
                if (!Number(value, ref i, out _))
                    return false;
            }
            for (; i < value.Length; i++)
                if (value[i] != 'i' && value[i] != 'm' && value[i] != 'e' && value[i] != 'd' && value[i] != 'D')
                    return false;
            if (!IsValid(width, height))
                return false;
            mode = new FramebufferMode(width, height);
            return true;
        }

        private static bool Number(ReadOnlySpan<byte> s, ref int i, out uint value)
        {
            value = 0;
            int start = i;
            while (i < s.Length && s[i] >= '0' && s[i] <= '9')
            {
                if (value > 100_000_000)
                    return false;
                value = value * 10 + (uint)(s[i] - '0');
                i++;
            }
            return i > start;
        }
    }
}
