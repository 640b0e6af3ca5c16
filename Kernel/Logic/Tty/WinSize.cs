using System;

namespace Kernel.Logic.Tty
{
    /// <summary>struct winsize (TIOCGWINSZ/TIOCSWINSZ): ws_row, ws_col, ws_xpixel, ws_ypixel, u16 each.</summary>
    public struct WinSize
    {
        public const int Size = 8;

        public ushort Rows, Columns, XPixels, YPixels;

        public static WinSize Read(ReadOnlySpan<byte> source)
        {
            WinSize w;
            w.Rows = LittleEndian.U16(source, 0);
            w.Columns = LittleEndian.U16(source, 2);
            w.XPixels = LittleEndian.U16(source, 4);
            w.YPixels = LittleEndian.U16(source, 6);
            return w;
        }

        public readonly void Write(Span<byte> destination)
        {
            LittleEndian.Put16(destination, 0, Rows);
            LittleEndian.Put16(destination, 2, Columns);
            LittleEndian.Put16(destination, 4, XPixels);
            LittleEndian.Put16(destination, 6, YPixels);
        }
    }
}
