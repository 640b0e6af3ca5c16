using System.Globalization;
using System.Text;

namespace Emulator.Core.Debug;

/// <summary>The hex encodings of the GDB protocol: numbers as big-endian digits, data as byte pairs.</summary>
public static class Hex
{
    public static char Digit(int value) => "0123456789abcdef"[value & 0xF];

    public static bool TryValue(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length * 2);
        foreach (var b in bytes)
        {
            text.Append(Digit(b >> 4)).Append(Digit(b));
        }

        return text.ToString();
    }

    public static string Encode(string text) => Encode(Encoding.Latin1.GetBytes(text));

    /// <summary>Decodes byte pairs; null when the text is not an even number of hex digits.</summary>
    public static byte[]? Decode(ReadOnlySpan<char> text)
    {
        if (text.Length % 2 != 0)
        {
            return null;
        }

        var bytes = new byte[text.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (!TryValue(text[2 * i], out var high) || !TryValue(text[(2 * i) + 1], out var low))
            {
                return null;
            }

            bytes[i] = (byte)((high << 4) | low);
        }

        return bytes;
    }

    /// <summary>A number written as hex digits (the protocol's addresses, lengths, register numbers).</summary>
    public static bool TryNumber(ReadOnlySpan<char> text, out ulong value) =>
        ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && text.Length > 0;
}
