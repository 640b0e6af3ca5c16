using System;

namespace Kernel.Logic
{
    /// <summary>
    /// Builds ASCII text into a caller's buffer (for /proc files): appends stop quietly at the end of
    /// the buffer, so the result is a prefix of the full text.
    /// </summary>
    public ref struct TextBuilder
    {
        private readonly Span<byte> _buffer;
        private int _length;

        public TextBuilder(Span<byte> buffer)
        {
            _buffer = buffer;
            _length = 0;
        }

        public int Length => _length;
        public ReadOnlySpan<byte> Text => _buffer.Slice(0, _length);

        public void Append(byte c)
        {
            if (_length < _buffer.Length)
                _buffer[_length++] = c;
        }

        public void Append(ReadOnlySpan<byte> text)
        {
            for (int i = 0; i < text.Length; i++)
                Append(text[i]);
        }

        public void Decimal(ulong value, int minWidth = 0, byte pad = (byte)' ')
        {
            Span<byte> digits = stackalloc byte[20];
            int n = 0;
            do
            {
                digits[n++] = (byte)('0' + value % 10);
                value /= 10;
            } while (value != 0);
            for (int i = n; i < minWidth; i++)
                Append(pad);
            while (n > 0)
                Append(digits[--n]);
        }

        public void Decimal(long value)
        {
            if (value < 0)
            {
                Append((byte)'-');
                Decimal((ulong)(-(value + 1)) + 1);
            }
            else
            {
                Decimal((ulong)value);
            }
        }

        public void Hex(ulong value, int minDigits = 1)
        {
            Span<byte> digits = stackalloc byte[16];
            int n = 0;
            do
            {
                int d = (int)(value & 15);
                digits[n++] = (byte)(d < 10 ? '0' + d : 'a' + d - 10);
                value >>= 4;
            } while (value != 0);
            for (int i = n; i < minDigits; i++)
                Append((byte)'0');
            while (n > 0)
                Append(digits[--n]);
        }

        /// <summary>A fixed-point number with <paramref name="decimals"/> digits after the point from hundredths etc.</summary>
        public void Fixed(ulong scaled, int decimals)
        {
            ulong divisor = 1;
            for (int i = 0; i < decimals; i++)
                divisor *= 10;
            Decimal(scaled / divisor);
            Append((byte)'.');
            Decimal(scaled % divisor, decimals, (byte)'0');
        }
    }
}
