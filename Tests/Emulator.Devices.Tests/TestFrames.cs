using System.Buffers.Binary;

namespace Emulator.Devices.Tests;

/// <summary>Ethernet frames a guest would send, built byte by byte (RFC 826 ARP, RFC 791 IPv4, RFC 768 UDP, RFC 2131 DHCP).</summary>
internal static class TestFrames
{
    public static readonly byte[] GuestMac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
    public static readonly byte[] Broadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    public const ushort EtherTypeIpv4 = 0x0800;
    public const ushort EtherTypeArp = 0x0806;

    private static void Ethernet(Span<byte> frame, ReadOnlySpan<byte> destination, ushort type)
    {
        destination.CopyTo(frame);
        GuestMac.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], type);
    }

    /// <summary>"Who has <paramref name="target"/>? Tell <paramref name="sender"/>" from the guest's MAC, broadcast.</summary>
    public static byte[] ArpRequest(uint sender, uint target)
    {
        var frame = new byte[42];
        Ethernet(frame, Broadcast, EtherTypeArp);
        var arp = frame.AsSpan(14);
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1); // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], EtherTypeIpv4);
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], 1); // request
        GuestMac.CopyTo(arp[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(arp[14..], sender);
        BinaryPrimitives.WriteUInt32BigEndian(arp[24..], target);
        return frame;
    }

    /// <summary>A DHCPDISCOVER from 0.0.0.0:68 to 255.255.255.255:67 (UDP checksum 0: none).</summary>
    public static byte[] DhcpDiscover(uint transaction)
    {
        const int BootpLength = 240 + 4;
        var frame = new byte[14 + 20 + 8 + BootpLength];
        Ethernet(frame, Broadcast, EtherTypeIpv4);
        var ip = frame.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + BootpLength));
        ip[8] = 64; // TTL
        ip[9] = 17; // UDP
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], 0xffff_ffff);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..20]));
        var udp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 68);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 67);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], 8 + BootpLength);
        var bootp = udp[8..];
        bootp[0] = 1; // BOOTREQUEST
        bootp[1] = 1; // Ethernet
        bootp[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(bootp[4..], transaction);
        GuestMac.CopyTo(bootp[28..]);
        BinaryPrimitives.WriteUInt32BigEndian(bootp[236..], 0x6382_5363); // magic cookie
        bootp[240] = 53; // DHCP message type
        bootp[241] = 1;
        bootp[242] = 1; // DISCOVER
        bootp[243] = 255;
        return frame;
    }

    /// <summary>The Internet checksum (RFC 1071) of <paramref name="bytes"/>.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> bytes)
    {
        var sum = 0u;
        for (var i = 0; i + 1 < bytes.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]);
        }

        if (bytes.Length % 2 == 1)
        {
            sum += (uint)bytes[^1] << 8;
        }

        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>The value of DHCP option <paramref name="code"/> in a BOOTP message, or null.</summary>
    public static byte[]? DhcpOption(ReadOnlySpan<byte> bootp, byte code)
    {
        for (var i = 240; i < bootp.Length;)
        {
            if (bootp[i] == 255)
            {
                break;
            }

            if (bootp[i] == 0)
            {
                i++;
                continue;
            }

            if (i + 1 >= bootp.Length)
            {
                break;
            }

            var length = bootp[i + 1];
            if (bootp[i] == code)
            {
                return bootp.Slice(i + 2, Math.Min(length, bootp.Length - i - 2)).ToArray();
            }

            i += 2 + length;
        }

        return null;
    }
}
