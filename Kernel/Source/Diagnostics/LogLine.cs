using System;
using System.Runtime.CompilerServices;

namespace Kernel.Diagnostics
{
    [InterpolatedStringHandler]
    public ref struct LogLine
    {
        public LogLine(int literalLength, int formattedCount) { }

        public void AppendLiteral(string s) => Log.Write(s);
        public void AppendFormatted(string? s) => Log.Write(s);
        public void AppendFormatted(ReadOnlySpan<char> s) => Log.Write(s);
        public void AppendFormatted(ReadOnlySpan<byte> ascii) => Log.WriteAscii(ascii);
        public void AppendFormatted(ulong v) => Log.Write(v);
        public void AppendFormatted(long v) => Log.Write(v);
        public void AppendFormatted(uint v) => Log.Write((ulong)v);
        public void AppendFormatted(int v) => Log.Write((long)v);
        public void AppendFormatted(bool v) => Log.Write(v ? "true" : "false");
        public void AppendFormatted(char c) => Log.Write(c);

        /// <summary>Format "x" prints hex with 0x; "x16" pads to 16 digits.</summary>
        public void AppendFormatted(ulong v, string format)
        {
            if (format.Length > 0 && format[0] == 'x')
            {
                int digits = 1;
                if (format.Length > 1)
                {
                    digits = 0;
                    for (int i = 1; i < format.Length; i++)
                        digits = digits * 10 + (format[i] - '0');
                }
                Log.WriteHex(v, digits);
            }
            else
            {
                Log.Write(v);
            }
        }
    }
}
