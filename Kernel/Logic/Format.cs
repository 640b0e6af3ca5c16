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
}
