using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Logic.Display;
using Kernel.Memory;
using Kernel.Threading;

namespace Kernel.Display
{
    /// <summary>
    /// The console on the framebuffer (Linux's fbcon): everything the serial console shows (the kernel's log
    /// and the console terminal's output) is also drawn on the ramfb screen, in the font from Debian's
    /// console-setup (<see cref="ConsoleFontData"/>, 8x16), as a terminal (<see cref="TextScreen"/>) of
    /// width/8 columns and height/16 rows. Text goes into the cell grid at once; the "fbcon" kernel thread
    /// draws the rows that changed, woken by the tick at most every <see cref="TicksPerDraw"/> ticks, so a
    /// flood of output costs a bounded share of the CPU (a whole 1024x768 screen is some 400,000 stores).
    /// KDSETMODE KD_GRAPHICS on the console stops the drawing (a program such as DOOM owns the screen) and
    /// KD_TEXT draws the text screen again.
    /// </summary>
    public static unsafe class FramebufferConsole
    {
        public const uint KDSETMODE = 0x4B3A, KDGETMODE = 0x4B3B;
        public const int KdText = 0, KdGraphics = 1;

        // The VGA text palette, as XRGB8888.
        private static ReadOnlySpan<uint> Palette => new uint[]
        {
            0x000000, 0xAA0000, 0x00AA00, 0xAA5500, 0x0000AA, 0xAA00AA, 0x00AAAA, 0xAAAAAA,
            0x555555, 0xFF5555, 0x55FF55, 0xFFFF55, 0x5555FF, 0xFF55FF, 0x55FFFF, 0xFFFFFF,
        };

        private static TextScreen? s_screen;
        private static PsfFont? s_font;
        private static KernelThread? s_thread;
        /// <summary>Ticks between redraws at most: a flood of output is drawn 25 times a second at 100 Hz.</summary>
        private const int TicksPerDraw = 4;

        private static bool s_graphics, s_pending, s_drawing;
        private static int s_ticksSinceDraw = TicksPerDraw;
        private static int s_drawnCursorRow = -1;
        private static byte[]? s_rowChars, s_rowAttrs;

        public static bool Active => s_screen != null;

        /// <summary>Starts the console on the framebuffer, when there is one (after <see cref="Ramfb.Initialize"/>).</summary>
        public static void Initialize()
        {
            if (Ramfb.Memory == null)
                return;
            PsfFont? font = PsfFont.Parse(ConsoleFontData.Psf);
            if (font == null || font.Width != 8)
            {
                Log.Line("fbcon: the built-in font is unreadable");
                return;
            }
            FramebufferMode mode = Ramfb.Mode;
            int columns = (int)mode.Width / font.Width, rows = (int)mode.Height / font.Height;
            s_font = font;
            s_rowChars = new byte[columns];
            s_rowAttrs = new byte[columns];
            s_screen = new TextScreen(rows, columns);
            s_thread = KernelThread.Create("fbcon", &Run, 0);
            Scheduler.Start(s_thread);
            SystemTimer.OnTick(&Tick);
            Pl011.Mirror = &Put;
            Log.Line($"fbcon: {columns}x{rows} text console on /dev/fb0, {font.Width}x{font.Height} font");
        }

        /// <summary>A byte for the console (any context): into the text grid; drawn by the next tick.</summary>
        private static void Put(byte b)
        {
            // The same bytes as the serial line: the log writes \r\n and the terminal's ONLCR makes them, so a
            // bare \n (a program that turned ONLCR off) moves down only, as on the serial terminal.
            ulong daif = Cpu.SaveAndDisableInterrupts();
            s_screen!.Write(b);
            s_pending = true;
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>From the tick: wakes the drawing thread when text changed.</summary>
        private static void Tick(ulong now, ulong elapsed)
        {
            if (s_ticksSinceDraw < TicksPerDraw)
                s_ticksSinceDraw += (int)Math.Min(elapsed, (ulong)TicksPerDraw);
            if (s_pending && !s_drawing && !s_graphics && s_ticksSinceDraw >= TicksPerDraw)
            {
                s_ticksSinceDraw = 0;
                Scheduler.Wake(s_thread!);
            }
        }

        private static void Run(ulong argument)
        {
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (!s_pending || s_graphics)
                {
                    Scheduler.Block(s_thread!, 0);
                    Cpu.RestoreInterrupts(daif);
                    continue;
                }
                s_pending = false;
                s_drawing = true;
                Cpu.RestoreInterrupts(daif);
                Draw();
                s_drawing = false;
            }
        }

        /// <summary>Draws every dirty row (each copied out with interrupts masked, drawn with them on).</summary>
        private static void Draw()
        {
            TextScreen screen = s_screen!;
            for (int row = 0; row < screen.Rows && !s_graphics; row++)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                int cursorRow = screen.CursorVisible ? screen.CursorRow : -1;
                // The row that held the cursor is drawn again to take it away.
                bool dirty = screen.TakeDirty(row) || row == s_drawnCursorRow && row != cursorRow;
                if (dirty)
                {
                    screen.RowChars(row).CopyTo(s_rowChars);
                    screen.RowAttributes(row).CopyTo(s_rowAttrs);
                }
                int cursorColumn = row == cursorRow ? screen.CursorColumn : -1;
                Cpu.RestoreInterrupts(daif);
                if (!dirty)
                    continue;
                DrawRow(row, cursorColumn);
                if (row == cursorRow)
                    s_drawnCursorRow = row;
                else if (row == s_drawnCursorRow)
                    s_drawnCursorRow = -1;
            }
        }

        private static void DrawRow(int row, int cursorColumn)
        {
            PsfFont font = s_font!;
            uint stride = Ramfb.Mode.Stride;
            byte* top = Ramfb.Memory + (ulong)row * (ulong)font.Height * stride;
            ReadOnlySpan<uint> palette = Palette;
            for (int column = 0; column < s_rowChars!.Length; column++)
            {
                byte attr = s_rowAttrs![column];
                uint fg = palette[attr & 15], bg = palette[attr >> 4];
                if (column == cursorColumn)
                {
                    uint swap = fg;
                    fg = bg;
                    bg = swap;
                }
                ReadOnlySpan<byte> glyph = font.Glyph(s_rowChars[column]);
                byte* cell = top + column * 32;
                for (int y = 0; y < font.Height; y++)
                {
                    byte bits = glyph[y];
                    ulong* p = (ulong*)(cell + (ulong)y * stride);
                    p[0] = Pair(bits & 0x80, bits & 0x40, fg, bg);
                    p[1] = Pair(bits & 0x20, bits & 0x10, fg, bg);
                    p[2] = Pair(bits & 0x08, bits & 0x04, fg, bg);
                    p[3] = Pair(bits & 0x02, bits & 0x01, fg, bg);
                }
            }
        }

        /// <summary>Two pixels, left one in the low half (little-endian memory order).</summary>
        private static ulong Pair(int left, int right, uint fg, uint bg) => (left != 0 ? fg : bg) | (ulong)(right != 0 ? fg : bg) << 32;

        /// <summary>KDSETMODE / KDGETMODE on the console; -ENOTTY when there is no framebuffer console.</summary>
        public static int Ioctl(uint command, ulong argument)
        {
            if (s_screen == null || (command != KDSETMODE && command != KDGETMODE))
                return -Errno.ENOTTY;
            if (command == KDGETMODE)
                return UserMemory.Write(argument, s_graphics ? KdGraphics : KdText);
            if (argument != KdText && argument != KdGraphics)
                return -Errno.EINVAL;
            ulong daif = Cpu.SaveAndDisableInterrupts();
            bool graphics = argument == KdGraphics;
            if (s_graphics && !graphics)
            {
                s_screen.Invalidate();
                s_pending = true;
            }
            s_graphics = graphics;
            Cpu.RestoreInterrupts(daif);
            if (!graphics)
                Scheduler.Wake(s_thread!);
            return 0;
        }
    }
}
