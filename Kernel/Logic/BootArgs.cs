using System;

namespace Kernel.Logic
{
    /// <summary>Parses the kernel command line ("key=value flag other=1") from the device tree's bootargs.</summary>
    public static class BootArgs
    {
        /// <summary>Finds <paramref name="key"/>; value is empty for a bare flag. Returns false when absent.</summary>
        public static bool TryGet(ReadOnlySpan<byte> commandLine, ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
        {
            value = default;
            int i = 0;
            while (i < commandLine.Length)
            {
                while (i < commandLine.Length && commandLine[i] == (byte)' ')
                    i++;
                int start = i;
                while (i < commandLine.Length && commandLine[i] != (byte)' ')
                    i++;
                ReadOnlySpan<byte> word = commandLine.Slice(start, i - start);
                int eq = 0;
                while (eq < word.Length && word[eq] != (byte)'=')
                    eq++;
                if (eq == key.Length && word.Length > 0 && Bytes.Equal(word.Slice(0, eq), key))
                {
                    value = eq < word.Length ? word.Slice(eq + 1) : default;
                    return true;
                }
            }
            return false;
        }

        /// <summary>Parses a decimal unsigned number; false on anything else or overflow.</summary>
        public static bool TryParseUInt(ReadOnlySpan<byte> text, out ulong value)
        {
            value = 0;
            if (text.Length == 0)
                return false;
            for (int i = 0; i < text.Length; i++)
            {
                uint digit = (uint)(text[i] - (byte)'0');
                if (digit > 9 || value > (ulong.MaxValue - digit) / 10)
                    return false;
                value = value * 10 + digit;
            }
            return true;
        }
    }
}
