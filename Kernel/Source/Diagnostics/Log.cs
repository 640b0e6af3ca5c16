using System;
using Kernel.Drivers;
using Kernel.Logic;

namespace Kernel.Diagnostics
{
    /// <summary>
    /// Kernel console output. Messages are written straight to the UART with no allocation:
    /// <c>Log.Line($"mem: total {mib} MiB")</c> formats each hole as it is appended.
    /// </summary>
    public static class Log
    {
        public static void Write(char c)
        {
            if (c == '\n')
                Pl011.WriteByte((byte)'\r');
            Pl011.WriteByte(c < 128 ? (byte)c : (byte)'?');
        }

        public static void Write(string? s)
        {
            if (s == null)
                return;
            for (int i = 0; i < s.Length; i++)
                Write(s[i]);
        }

        public static void Write(ReadOnlySpan<char> s)
        {
            for (int i = 0; i < s.Length; i++)
                Write(s[i]);
        }

        public static void WriteAscii(ReadOnlySpan<byte> s)
        {
            for (int i = 0; i < s.Length; i++)
                Write((char)s[i]);
        }

        public static void Write(ulong value)
        {
            Span<char> buffer = stackalloc char[20];
            int n = Format.Decimal(buffer, value);
            Write(buffer.Slice(0, n));
        }

        public static void Write(long value)
        {
            Span<char> buffer = stackalloc char[21];
            int n = Format.Decimal(buffer, value);
            Write(buffer.Slice(0, n));
        }

        public static void WriteHex(ulong value, int minDigits = 1)
        {
            Span<char> buffer = stackalloc char[16];
            int n = Format.Hex(buffer, value, minDigits);
            Write("0x");
            Write(buffer.Slice(0, n));
        }

        public static void Line(LogLine line) => Write('\n');

        public static void Line(string s)
        {
            Write(s);
            Write('\n');
        }
    }
}
