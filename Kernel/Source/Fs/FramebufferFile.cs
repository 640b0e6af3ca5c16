using System;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Logic.Display;
using Kernel.Memory;

namespace Kernel.Fs
{
    /// <summary>
    /// /dev/fb0 (29,0): Linux's fbdev interface to the ramfb framebuffer (<see cref="Ramfb"/>). read, write
    /// and lseek move bytes of the picture (a write past the end is cut short, then ENOSPC, as Linux's);
    /// mmap maps its pages; the ioctls give the mode (XRGB8888, one screen, no panning). A program asking for
    /// another mode with FBIOPUT_VSCREENINFO gets the current one back and success, as Linux's fixed-mode
    /// drivers answer; FBIOPAN_DISPLAY accepts only the origin.
    /// </summary>
    public sealed unsafe class FramebufferFile : OpenFile
    {
        public const uint Major = 29;

        private sealed class FramebufferPages : PageSource
        {
            public override ulong Size => Ramfb.Length;
            public override ulong PageAt(ulong index) => index < Ramfb.Length / PageAllocator.PageSize ? Ramfb.Physical + index * PageAllocator.PageSize : 0;
            // The framebuffer is never freed.
            public override void Hold() { }
            public override void Drop() { }
        }

        private static FramebufferPages? s_pages;

        public static bool Exists => Ramfb.Memory != null;

        public override bool IsStream => false;
        /// <summary>The picture's bytes (Linux's smem_len); mappings may cover the whole last page.</summary>
        public override long Size => (long)Ramfb.Mode.Bytes;
        public override PageSource? Pages => s_pages ??= new FramebufferPages();

        public override long Read(Span<byte> destination) => ReadAtOffset(destination);
        public override long Write(ReadOnlySpan<byte> source) => WriteAtOffset(source);

        public override long ReadAt(Span<byte> destination, long offset)
        {
            long size = Size;
            if (offset < 0)
                return -Errno.EINVAL;
            if (offset >= size)
                return 0;
            int n = (int)Math.Min(destination.Length, size - offset);
            new ReadOnlySpan<byte>(Ramfb.Memory + offset, n).CopyTo(destination);
            return n;
        }

        public override long WriteAt(ReadOnlySpan<byte> source, long offset)
        {
            long size = Size;
            if (offset < 0)
                return -Errno.EINVAL;
            if (offset > size)
                return -Errno.EFBIG;
            if (source.Length > 0 && offset == size)
                return -Errno.ENOSPC;
            int n = (int)Math.Min(source.Length, size - offset);
            source.Slice(0, n).CopyTo(new Span<byte>(Ramfb.Memory + offset, n));
            return n;
        }

        /// <summary>Past the end too, as Linux's fbdev (reads there give nothing, writes EFBIG).</summary>
        public override long Seek(long offset, int whence) => SeekInSize(offset, whence, Size, withinSize: false);

        public override int Ioctl(uint command, ulong argument)
        {
            FramebufferMode mode = Ramfb.Mode;
            switch (command)
            {
                case FbScreenInfo.FBIOGET_VSCREENINFO:
                case FbScreenInfo.FBIOPUT_VSCREENINFO:
                    {
                        if (command == FbScreenInfo.FBIOPUT_VSCREENINFO)
                        {
                            Span<byte> asked = stackalloc byte[FbScreenInfo.VarLength];
                            int r = UserMemory.CopyIn(argument, asked);
                            if (r < 0)
                                return r;
                        }
                        Span<byte> v = stackalloc byte[FbScreenInfo.VarLength];
                        FbScreenInfo.WriteVar(v, mode);
                        return UserMemory.CopyOut(argument, v);
                    }
                case FbScreenInfo.FBIOGET_FSCREENINFO:
                    {
                        Span<byte> f = stackalloc byte[FbScreenInfo.FixLength];
                        FbScreenInfo.WriteFix(f, "ramfb"u8, Ramfb.Physical, (uint)mode.Bytes, mode);
                        return UserMemory.CopyOut(argument, f);
                    }
                case FbScreenInfo.FBIOPAN_DISPLAY:
                    {
                        Span<byte> v = stackalloc byte[FbScreenInfo.VarLength];
                        int r = UserMemory.CopyIn(argument, v);
                        if (r < 0)
                            return r;
                        return LittleEndian.U32(v, FbScreenInfo.XOffset) == 0 && LittleEndian.U32(v, FbScreenInfo.YOffset) == 0 ? 0 : -Errno.EINVAL;
                    }
                case FbScreenInfo.FBIOBLANK:
                    return 0;
                default:
                    return -Errno.ENOTTY;
            }
        }
    }
}
