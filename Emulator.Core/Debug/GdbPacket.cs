using System.Text;

namespace Emulator.Core.Debug;

/// <summary>
/// Framing of the GDB remote serial protocol: a packet is <c>$payload#cc</c> where cc is the payload's byte
/// sum modulo 256 in two hex digits; inside the payload '$', '#', '}' and '*' are escaped as '}' followed by
/// the byte XOR 0x20. Payloads are bytes; text commands are ASCII (read as Latin-1 so binary data survives).
/// gdb never run-length encodes what it sends, and this stub never does either.
/// </summary>
public static class GdbPacket
{
    public const byte Escape = (byte)'}';
    public const byte Interrupt = 0x03;

    public static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        var sum = 0;
        foreach (var b in bytes)
        {
            sum += b;
        }

        return (byte)sum;
    }

    /// <summary>The bytes to send for <paramref name="payload"/>: escaped, framed and checksummed.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var body = new List<byte>(payload.Length + 8);
        foreach (var b in payload)
        {
            if (b is (byte)'$' or (byte)'#' or Escape or (byte)'*')
            {
                body.Add(Escape);
                body.Add((byte)(b ^ 0x20));
            }
            else
            {
                body.Add(b);
            }
        }

        var framed = new byte[body.Count + 4];
        framed[0] = (byte)'$';
        body.CopyTo(framed, 1);
        var sum = Checksum(body.ToArray());
        framed[^3] = (byte)'#';
        framed[^2] = (byte)Hex.Digit(sum >> 4);
        framed[^1] = (byte)Hex.Digit(sum & 0xF);
        return framed;
    }

    public static byte[] Frame(string payload) => Frame(Encoding.Latin1.GetBytes(payload));

    /// <summary>Undoes '}' escaping (binary data of X packets and of replies).</summary>
    public static byte[] Unescape(ReadOnlySpan<byte> bytes)
    {
        var result = new List<byte>(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == Escape && i + 1 < bytes.Length)
            {
                result.Add((byte)(bytes[++i] ^ 0x20));
            }
            else
            {
                result.Add(bytes[i]);
            }
        }

        return [.. result];
    }

    /// <summary>
    /// Checks a received frame body (between '$' and '#', still escaped) against its two checksum digits.
    /// </summary>
    public static bool ChecksumMatches(ReadOnlySpan<byte> body, byte high, byte low) =>
        Hex.TryValue((char)high, out var h) && Hex.TryValue((char)low, out var l) && Checksum(body) == (h << 4 | l);
}
