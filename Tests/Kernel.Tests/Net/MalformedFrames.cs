using Kernel.Logic.Net;
using Kernel.Tests.Net.Tcp;

namespace Kernel.Tests.Net;

/// <summary>
/// Malformed traffic for the stack's robustness tests: the damage the host fuzzers apply (to frames in
/// <see cref="NetStackRobustnessTests"/>, to TCP segments in <see cref="TcpRobustnessTests"/>) and, built from
/// them, whole frames for a running guest (<see cref="LiveRobustnessTests"/>). Everything comes from
/// the caller's seeded <see cref="Random"/>, so a failure replays.
/// </summary>
internal static class MalformedFrames
{
    /// <summary>The largest frame the live fuzzer sends: a full Ethernet payload, no VLAN tag, no FCS.</summary>
    public const int MaxFrame = 1514;

    /// <summary>One of six damages to a well-formed frame: truncation, flipped bytes, IPv4 header fields (with the header checksum fixed), trailing garbage, random payload, a random transport length.</summary>
    public static byte[] Mutate(Random rng, byte[] f)
    {
        switch (rng.Next(6))
        {
            case 0: // truncate
                return f.AsSpan(0, rng.Next(f.Length)).ToArray();
            case 1: // flip bytes anywhere
                for (int k = rng.Next(1, 6); k > 0; k--)
                    f[rng.Next(f.Length)] = (byte)rng.Next(256);
                return f;
            case 2: // header fields: IHL, total length, fragment field, with the header checksum fixed so they get past it
                if (f.Length >= 34 && Ethernet.Type(f) == 0x0800)
                {
                    f[14] = (byte)(0x40 | rng.Next(16));
                    BigEndian.Put16(f, 16, (ushort)rng.Next(65536));
                    BigEndian.Put16(f, 20, (ushort)rng.Next(65536));
                    f[23] = (byte)rng.Next(256);
                    FixIpHeaderChecksum(f);
                }
                return f;
            case 3: // trailing garbage
                return f.Concat(new byte[rng.Next(1, 100)]).ToArray();
            case 4: // random bytes after the Ethernet header
                if (f.Length > 14)
                    rng.NextBytes(f.AsSpan(14));
                return f;
            default: // random length fields in the transport header, checksums left as they are
                if (f.Length > 40)
                    BigEndian.Put16(f, 38, (ushort)rng.Next(65536));
                return f;
        }
    }

    /// <summary>The IPv4 header checksum of a frame recomputed when its IHL fits in the frame.</summary>
    private static void FixIpHeaderChecksum(byte[] f)
    {
        int ihl = (f[14] & 15) * 4;
        if (ihl >= 20 && 14 + ihl <= f.Length)
        {
            BigEndian.Put16(f, 24, 0);
            BigEndian.Put16(f, 24, InternetChecksum.Finish(InternetChecksum.Add(0, f.AsSpan(14, ihl))));
        }
    }

    /// <summary>
    /// A malformed TCP segment from <paramref name="source"/> to <paramref name="destination"/>: truncated below the
    /// header, a data offset below 5 or past the end, garbage options, a bad checksum, any flags outside the window,
    /// or random bytes with a correct checksum. Sequence numbers are near <paramref name="seqBase"/> or far from it.
    /// </summary>
    public static byte[] TcpSegment(Random r, ushort sourcePort, ushort destinationPort, uint seqBase, uint source, uint destination)
    {
        int kind = r.Next(6);
        byte flags = (byte)r.Next(256);
        uint seq = seqBase + (uint)r.Next(int.MinValue, int.MaxValue) | 0x4000_0000; // far outside any window
        byte[] b;
        switch (kind)
        {
            case 0: // truncated below the minimum header
                b = new byte[r.Next(0, 20)];
                r.NextBytes(b);
                return b;
            case 1: // data offset below 5 or beyond the segment
                b = TcpPacket.Build(sourcePort, destinationPort, seq, (uint)r.Next(), flags, (ushort)r.Next(65536), payload: new byte[r.Next(0, 30)], source: source, destination: destination);
                int beyond = b.Length / 4 + 1;
                b[12] = (byte)((r.Next(2) == 0 || beyond > 15 ? r.Next(0, 5) : r.Next(beyond, 16)) << 4);
                TcpPacket.FixChecksum(b, source, destination);
                return b;
            case 2: // garbage options (bad lengths, truncated kinds), checksum correct
                {
                    var options = new byte[4 * r.Next(1, 11)];
                    r.NextBytes(options);
                    if (r.Next(2) == 0)
                        options[1] = (byte)r.Next(0, 2);
                    return TcpPacket.Build(sourcePort, destinationPort, seq, (uint)r.Next(), flags, (ushort)r.Next(65536), options, new byte[r.Next(0, 100)], source, destination);
                }
            case 3: // bad checksum on an otherwise fitting segment (even an exact RST or SYN)
                b = TcpPacket.Build(sourcePort, destinationPort, seqBase, (uint)r.Next(), flags, (ushort)r.Next(65536), payload: new byte[r.Next(0, 100)], source: source, destination: destination);
                b[16] ^= (byte)r.Next(1, 256);
                return b;
            case 4: // every flag combination, sequence outside the window
                return TcpPacket.Build(sourcePort, destinationPort, seq, (uint)r.Next(), flags, (ushort)r.Next(65536), payload: new byte[r.Next(0, 1500)], source: source, destination: destination);
            default: // random bytes of random length with a correct checksum and the right ports
                b = new byte[r.Next(20, 200)];
                r.NextBytes(b);
                BigEndian.Put16(b, 0, sourcePort);
                BigEndian.Put16(b, 2, destinationPort);
                BigEndian.Put32(b, 4, seq);
                TcpPacket.FixChecksum(b, source, destination);
                return b;
        }
    }

    /// <summary>
    /// One malformed frame for a live guest at <paramref name="guestMac"/>/<paramref name="guestIp"/> from a peer on
    /// its link, addressed to the guest's MAC or to broadcast: mutated pings, datagrams and ICMP errors; malformed
    /// TCP to the guest's SSH port and others; overlapping, oversized and endless IPv4 fragments; IPv4 headers with
    /// bad lengths, options and checksums; UDP and ICMP with bad lengths; ARP garbage; runts and other EtherTypes.
    /// At least one byte, no longer than <see cref="MaxFrame"/>.
    /// </summary>
    public static byte[] LiveFrame(Random r, MacAddress guestMac, uint guestIp, MacAddress peerMac, uint peerIp)
    {
        MacAddress to = r.Next(4) == 0 ? MacAddress.Broadcast : guestMac;
        byte[] Ip(byte protocol, byte[] payload, ushort id = 1, ushort fragment = 0) =>
            Frames.Ethernet(to, peerMac, Ethernet.TypeIpv4, Frames.Ip(peerIp, guestIp, protocol, payload, id, fragment));
        byte[] f;
        switch (r.Next(8))
        {
            case 0: // the host fuzzer's seeds, damaged as it damages them
                {
                    byte[] seed = r.Next(6) switch
                    {
                        0 => Ip(1, Frames.Echo(8, 1, (ushort)r.Next(65536), new byte[r.Next(0, 1000)])),
                        1 => Ip(17, Frames.Udp(peerIp, 1, guestIp, (ushort)r.Next(1, 65536), new byte[r.Next(0, 200)])),
                        2 => Ip(1, Frames.Echo(8, 1, 1, new byte[1000]), id: 9, fragment: 0x2000),
                        3 => Ip(6, new byte[40]),
                        4 => Frames.Arp(ArpPacket.Request, peerMac, peerIp, MacAddress.Zero, guestIp, MacAddress.Broadcast),
                        _ => Ip(1, [3, 3, 0, 0, 0, 0, 0, 0, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 17, 0, 0, (byte)(guestIp >> 24), (byte)(guestIp >> 16), (byte)(guestIp >> 8), (byte)guestIp,
                            (byte)(peerIp >> 24), (byte)(peerIp >> 16), (byte)(peerIp >> 8), (byte)peerIp, 0x13, 0x88, 0, 9, 0, 8, 0, 0]),
                    };
                    f = Mutate(r, seed);
                    break;
                }
            case 1: // malformed TCP, to the SSH server's port (listening on every address) or anywhere
            case 2:
                {
                    ushort port = r.Next(2) == 0 ? (ushort)22 : (ushort)r.Next(1, 65536);
                    f = Ip(6, TcpSegment(r, (ushort)r.Next(1, 65536), port, (uint)r.Next(), peerIp, guestIp));
                    break;
                }
            case 3: // fragments: few ids so that they overlap, offsets near 0 or near the 64 KiB limit, MF or not
                {
                    int length = r.Next(0, 1480 / 8) * 8 + (r.Next(4) == 0 ? r.Next(1, 8) : 0);
                    var payload = new byte[length];
                    r.NextBytes(payload);
                    int offset = r.Next(3) switch { 0 => r.Next(0, 32), 1 => r.Next(8000, 8192), _ => r.Next(0, 8192) };
                    ushort fragment = (ushort)(offset | (r.Next(3) != 0 ? 0x2000 : 0) | (r.Next(8) == 0 ? 0x4000 : 0) | (r.Next(16) == 0 ? 0x8000 : 0));
                    byte protocol = (byte)(r.Next(4) switch { 0 => 1, 1 => 6, 2 => 17, _ => r.Next(256) });
                    f = Ip(protocol, payload, (ushort)r.Next(0, 4), fragment);
                    break;
                }
            case 4: // IPv4 headers: options of any length and content, bad version, IHL, total length, TTL 0, bad checksum
                {
                    var options = new byte[4 * r.Next(0, 11)];
                    r.NextBytes(options);
                    byte[] ip = Frames.Ip(peerIp, r.Next(8) == 0 ? 0xFFFF_FFFF : guestIp, (byte)(r.Next(2) == 0 ? 1 : r.Next(256)), new byte[options.Length + r.Next(0, 100)], ttl: (byte)r.Next(0, 3));
                    options.CopyTo(ip, 20);
                    f = Frames.Ethernet(to, peerMac, Ethernet.TypeIpv4, ip);
                    f[14] = (byte)((r.Next(8) == 0 ? r.Next(16) << 4 : 0x40) | (r.Next(2) == 0 ? 5 + options.Length / 4 : r.Next(16)));
                    if (r.Next(2) == 0)
                        BigEndian.Put16(f, 16, (ushort)r.Next(65536));
                    if (r.Next(4) != 0)
                        FixIpHeaderChecksum(f);
                    break;
                }
            case 5: // UDP and ICMP with lengths that lie, checksums right or wrong
                {
                    byte[] transport = r.Next(2) == 0
                        ? Frames.Udp(peerIp, (ushort)r.Next(1, 65536), guestIp, (ushort)r.Next(1, 65536), new byte[r.Next(0, 300)])
                        : Frames.Echo((byte)(r.Next(2) == 0 ? 8 : r.Next(256)), (ushort)r.Next(65536), 1, new byte[r.Next(0, 300)]);
                    bool udp = transport.Length >= 8 && BigEndian.U16(transport, 4) == transport.Length && r.Next(2) == 0;
                    if (udp)
                        BigEndian.Put16(transport, 4, (ushort)r.Next(65536));
                    else
                        transport = transport.AsSpan(0, r.Next(transport.Length + 1)).ToArray();
                    if (r.Next(2) == 0 && transport.Length >= 8)
                        transport[6] ^= (byte)r.Next(1, 256);
                    f = Ip(r.Next(2) == 0 ? (byte)17 : (byte)1, transport);
                    break;
                }
            case 6: // ARP: any hardware and protocol types and lengths, any operation, claims to the guest's address
                {
                    f = Frames.Arp((ushort)(r.Next(2) == 0 ? r.Next(1, 3) : r.Next(65536)), new MacAddress((ulong)r.NextInt64() & ~(1UL << 40)),
                        r.Next(2) == 0 ? guestIp : (uint)r.Next(), r.Next(2) == 0 ? guestMac : MacAddress.Zero, r.Next(2) == 0 ? guestIp : (uint)r.Next(), to);
                    if (r.Next(2) == 0)
                        r.NextBytes(f.AsSpan(14, r.Next(1, 9)));
                    if (r.Next(4) == 0)
                        f = f.AsSpan(0, r.Next(f.Length)).ToArray();
                    break;
                }
            default: // runts and other EtherTypes (IPv6, VLAN, LLC lengths, anything)
                {
                    f = new byte[r.Next(0, 3) == 0 ? r.Next(1, 14) : r.Next(14, 200)];
                    r.NextBytes(f);
                    if (f.Length >= 14)
                    {
                        to.Write(f, 0);
                        ushort type = r.Next(4) switch { 0 => 0x86DD, 1 => 0x8100, 2 => (ushort)r.Next(0, 1536), _ => (ushort)r.Next(65536) };
                        BigEndian.Put16(f, 12, type);
                    }
                    break;
                }
        }
        // Never empty: there is no empty frame on a wire, and QEMU 7.2's socket netdev reads no more datagrams
        // after an empty one (seen here: eth1 received nothing after the first).
        if (f.Length == 0)
            f = [(byte)r.Next(256)];
        return f.Length <= MaxFrame ? f : f.AsSpan(0, MaxFrame).ToArray();
    }
}
