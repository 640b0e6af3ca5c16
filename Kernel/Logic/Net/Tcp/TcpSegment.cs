using System;

namespace Kernel.Logic.Net.Tcp
{
    /// <summary>
    /// A parsed, checksum-verified TCP segment: a view of the received bytes (no copy). Options other
    /// than MSS and window scale (SACK-permitted, timestamps, unknown kinds) are skipped.
    /// </summary>
    public ref struct TcpSegment
    {
        public const int HeaderLength = 20;

        public ushort SourcePort;
        public ushort DestinationPort;
        public uint SequenceNumber;
        public uint AckNumber;
        public byte Flags;
        public ushort Window;
        /// <summary>The MSS option's value, or 0 when absent.</summary>
        public int MssOption;
        /// <summary>The window scale option's shift, or -1 when absent.</summary>
        public int WindowScaleOption;
        public ReadOnlySpan<byte> Payload;

        public bool Has(byte flag) => (Flags & flag) != 0;

        /// <summary>Sequence space the segment occupies: its data plus one for SYN and one for FIN.</summary>
        public int SequenceLength => Payload.Length + (Has(TcpFlags.SYN) ? 1 : 0) + (Has(TcpFlags.FIN) ? 1 : 0);

        /// <summary>
        /// Parses <paramref name="bytes"/> received from <paramref name="source"/> to <paramref name="destination"/>.
        /// False for a segment to drop: too short, a data offset outside the segment, a bad checksum,
        /// port 0, or malformed options.
        /// </summary>
        public static bool TryParse(uint source, uint destination, ReadOnlySpan<byte> bytes, out TcpSegment segment)
        {
            segment = default;
            if (bytes.Length < HeaderLength || bytes.Length > 65535)
                return false;
            int dataOffset = (bytes[12] >> 4) * 4;
            if (dataOffset < HeaderLength || dataOffset > bytes.Length)
                return false;
            uint sum = InternetChecksum.PseudoHeader(source, destination, IpProtocol.Tcp, bytes.Length);
            if (!InternetChecksum.Verify(InternetChecksum.Add(sum, bytes)))
                return false;
            segment.SourcePort = BigEndian.U16(bytes, 0);
            segment.DestinationPort = BigEndian.U16(bytes, 2);
            if (segment.SourcePort == 0 || segment.DestinationPort == 0)
                return false;
            segment.SequenceNumber = BigEndian.U32(bytes, 4);
            segment.AckNumber = BigEndian.U32(bytes, 8);
            segment.Flags = bytes[13];
            segment.Window = BigEndian.U16(bytes, 14);
            segment.WindowScaleOption = -1;
            segment.Payload = bytes.Slice(dataOffset);
            ReadOnlySpan<byte> options = bytes.Slice(HeaderLength, dataOffset - HeaderLength);
            int i = 0;
            while (i < options.Length)
            {
                byte kind = options[i];
                if (kind == 0)
                    break;
                if (kind == 1)
                {
                    i++;
                    continue;
                }
                if (i + 1 >= options.Length)
                    return false;
                int length = options[i + 1];
                if (length < 2 || i + length > options.Length)
                    return false;
                if (kind == 2 && length == 4)
                    segment.MssOption = BigEndian.U16(options, i + 2);
                else if (kind == 3 && length == 3)
                    segment.WindowScaleOption = Math.Min((int)options[i + 2], 14);
                i += length;
            }
            return true;
        }
    }
}
