using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Memory;

namespace Kernel.Boot
{
    /// <summary>
    /// The boot-time console loop: reads lines from the UART (interrupt-driven) and answers a few
    /// commands with stable, testable output. Between inputs the CPU sleeps in WFI (the idle loop).
    /// </summary>
    public static class Shell
    {
        private const int MaxLine = 128;
        private struct LineBuffer { public unsafe fixed byte Data[MaxLine]; }
        private static LineBuffer s_line;
        private static int s_length;

        public static void Run()
        {
            Log.Write("> ");
            while (true)
            {
                int c = Pl011.ReadByte();
                if (c < 0)
                {
                    // The console loop is the idle thread: kernel threads (the network's) run while it waits.
                    Cpu.DisableInterrupts();
                    if (!Threading.Scheduler.AnyRunnableBesidesIdle())
                        Cpu.WaitForInterrupt();
                    Cpu.EnableInterrupts();
                    Threading.Scheduler.Yield();
                    continue;
                }
                if (c == '\r' || c == '\n')
                {
                    Log.Write('\n');
                    Execute(Line);
                    s_length = 0;
                    Log.Write("> ");
                }
                else if (c == 8 || c == 127)
                {
                    if (s_length > 0)
                    {
                        s_length--;
                        Log.Write("\b \b");
                    }
                }
                else if (s_length < MaxLine && c >= 32 && c < 127)
                {
                    unsafe { s_line.Data[s_length++] = (byte)c; }
                    Log.Write((char)c);
                }
            }
        }

        private static unsafe ReadOnlySpan<byte> Line
        {
            get
            {
                fixed (byte* p = s_line.Data)
                    return new ReadOnlySpan<byte>(p, s_length);
            }
        }

        private static void Execute(ReadOnlySpan<byte> line)
        {
            if (line.Length == 0)
                return;
            if (Bytes.Equal(line, "ticks"u8))
                Log.Line($"ticks: {SystemTimer.Ticks} (hz {SystemTimer.Hz})");
            else if (Bytes.Equal(line, "date"u8))
            {
                Log.Write("rtc: ");
                PrintDate(Pl031.Now());
            }
            else if (Bytes.Equal(line, "mem"u8))
                Log.Line($"mem: total {MemoryManager.TotalBytes >> 20} MiB, free {MemoryManager.Pages.FreeBytes >> 10} KiB");
            else if (Bytes.Equal(line, "uptime"u8))
                Log.Line($"uptime: {Boot.KernelEntryPoint.MicrosecondsSinceEntry()} us");
            else if (Bytes.Equal(line, "help"u8))
                Log.Line("commands: ticks date mem uptime help");
            else
                Log.Line($"unknown command: {line}");
        }

        public static void PrintDate(long unixSeconds)
        {
            Span<char> text = stackalloc char[20];
            int n = Format.Iso8601(text, unixSeconds);
            if (n > 0)
                Log.Write(text.Slice(0, n));
            Log.Write('\n');
        }
    }
}
