using System;

namespace Kernel.Logic
{
    /// <summary>Number and date formatting into caller-provided buffers (no allocation).</summary>
    public static class Format
    {
        /// <summary>Writes <paramref name="value"/> in decimal; returns the characters written, or -1 if it does not fit.</summary>
        public static int Decimal(Span<char> destination, ulong value)
        {
            Span<char> digits = stackalloc char[20];
            int n = 0;
            do
            {
                digits[n++] = (char)('0' + (int)(value % 10));
                value /= 10;
            } while (value != 0);
            if (n > destination.Length)
                return -1;
            for (int i = 0; i < n; i++)
                destination[i] = digits[n - 1 - i];
            return n;
        }

        public static int Decimal(Span<char> destination, long value)
        {
            if (value >= 0)
                return Decimal(destination, (ulong)value);
            if (destination.Length < 2)
                return -1;
            destination[0] = '-';
            int n = Decimal(destination.Slice(1), (ulong)(-(value + 1)) + 1);
            return n < 0 ? -1 : n + 1;
        }

        /// <summary>Writes <paramref name="value"/> in lower-case hex, at least <paramref name="minDigits"/> digits.</summary>
        public static int Hex(Span<char> destination, ulong value, int minDigits = 1)
        {
            int n = 1;
            while (n < 16 && (value >> (4 * n)) != 0)
                n++;
            if (n < minDigits)
                n = minDigits > 16 ? 16 : minDigits;
            if (n > destination.Length)
                return -1;
            for (int i = 0; i < n; i++)
            {
                int nibble = (int)((value >> (4 * (n - 1 - i))) & 0xF);
                destination[i] = (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
            }
            return n;
        }

        /// <summary>Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).</summary>
        public static void CivilFromDays(long days, out long year, out int month, out int day)
        {
            days += 719468;
            long era = (days >= 0 ? days : days - 146096) / 146097;
            long doe = days - era * 146097;
            long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            long mp = (5 * doy + 2) / 153;
            day = (int)(doy - (153 * mp + 2) / 5 + 1);
            month = (int)(mp < 10 ? mp + 3 : mp - 9);
            year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        }

        private static int TwoDigits(Span<char> d, int at, int value)
        {
            d[at] = (char)('0' + value / 10);
            d[at + 1] = (char)('0' + value % 10);
            return at + 2;
        }

        /// <summary>Writes Unix time as ISO 8601 UTC ("2026-11-22T03:04:05Z"); returns 20 or -1.</summary>
        public static int Iso8601(Span<char> destination, long unixSeconds)
        {
            if (destination.Length < 20)
                return -1;
            long days = unixSeconds >= 0 ? unixSeconds / 86400 : (unixSeconds - 86399) / 86400;
            long secondsOfDay = unixSeconds - days * 86400;
            CivilFromDays(days, out long year, out int month, out int day);
            if (year < 0 || year > 9999)
                return -1;
            int y = (int)year;
            destination[0] = (char)('0' + y / 1000);
            destination[1] = (char)('0' + y / 100 % 10);
            destination[2] = (char)('0' + y / 10 % 10);
            destination[3] = (char)('0' + y % 10);
            destination[4] = '-';
            TwoDigits(destination, 5, month);
            destination[7] = '-';
            TwoDigits(destination, 8, day);
            destination[10] = 'T';
            TwoDigits(destination, 11, (int)(secondsOfDay / 3600));
            destination[13] = ':';
            TwoDigits(destination, 14, (int)(secondsOfDay / 60 % 60));
            destination[16] = ':';
            TwoDigits(destination, 17, (int)(secondsOfDay % 60));
            destination[19] = 'Z';
            return 20;
        }
    }

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
                if (eq == key.Length && word.Length > 0 && SameBytes(word.Slice(0, eq), key))
                {
                    value = eq < word.Length ? word.Slice(eq + 1) : default;
                    return true;
                }
            }
            return false;
        }

        public static bool SameBytes(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
        {
            if (a.Length != b.Length)
                return false;
            for (int i = 0; i < a.Length; i++)
                if (a[i] != b[i])
                    return false;
            return true;
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

    /// <summary>Names for the fields of ESR_EL1 (ARM ARM D17.2.37).</summary>
    public static class ExceptionSyndrome
    {
        public static uint ExceptionClass(ulong esr) => (uint)(esr >> 26) & 0x3F;

        public static string ClassName(uint ec) => ec switch
        {
            0x00 => "unknown reason",
            0x01 => "trapped WFI/WFE",
            0x07 => "access to SIMD/FP trapped",
            0x0E => "illegal execution state",
            0x15 => "SVC from AArch64",
            0x16 => "HVC from AArch64",
            0x17 => "SMC from AArch64",
            0x18 => "trapped MSR/MRS/system instruction",
            0x20 => "instruction abort from a lower exception level",
            0x21 => "instruction abort without a change in exception level",
            0x22 => "PC alignment fault",
            0x24 => "data abort from a lower exception level",
            0x25 => "data abort without a change in exception level",
            0x26 => "SP alignment fault",
            0x2C => "trapped floating-point exception",
            0x2F => "SError interrupt",
            0x30 => "breakpoint from a lower exception level",
            0x31 => "breakpoint without a change in exception level",
            0x32 => "software step from a lower exception level",
            0x33 => "software step without a change in exception level",
            0x34 => "watchpoint from a lower exception level",
            0x35 => "watchpoint without a change in exception level",
            0x3C => "BRK instruction",
            _ => "reserved exception class",
        };

        public static bool IsAbort(uint ec) => ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25;

        /// <summary>The fault status code (DFSC/IFSC) of an abort in words.</summary>
        public static string FaultStatusName(ulong esr)
        {
            uint fsc = (uint)esr & 0x3F;
            uint kind = fsc & 0x3C;
            int level = (int)(fsc & 3);
            if (kind == 0x04) return LevelName("translation fault", level, 0);
            if (kind == 0x08) return LevelName("access flag fault", level, 1);
            if (kind == 0x0C) return LevelName("permission fault", level, 2);
            if (kind == 0x00) return LevelName("address size fault", level, 3);
            return fsc switch
            {
                0x10 => "synchronous external abort",
                0x11 => "synchronous tag check fault",
                0x21 => "alignment fault",
                0x30 => "TLB conflict abort",
                _ => "other fault",
            };
        }

        private static string LevelName(string what, int level, int table) => (table * 4 + level) switch
        {
            0 => "translation fault, level 0",
            1 => "translation fault, level 1",
            2 => "translation fault, level 2",
            3 => "translation fault, level 3",
            4 => "access flag fault, level 0",
            5 => "access flag fault, level 1",
            6 => "access flag fault, level 2",
            7 => "access flag fault, level 3",
            8 => "permission fault, level 0",
            9 => "permission fault, level 1",
            10 => "permission fault, level 2",
            11 => "permission fault, level 3",
            12 => "address size fault, level 0",
            13 => "address size fault, level 1",
            14 => "address size fault, level 2",
            _ => "address size fault, level 3",
        };

        /// <summary>For data aborts: whether the access was a write (ISS.WnR).</summary>
        public static bool IsWrite(ulong esr) => (esr & (1UL << 6)) != 0;
    }
}
