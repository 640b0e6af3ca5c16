using Kernel.Logic.Net;

namespace Kernel.Tests.Net.Tcp;

/// <summary>Hand-built TCP segments (from B to A unless the addresses are given) with a correct checksum unless told otherwise.</summary>
internal static class TcpPacket
{
    public static byte[] Build(ushort sourcePort, ushort destinationPort, uint seq, uint ack, byte flags, ushort window,
        byte[]? options = null, byte[]? payload = null, uint source = SimulatedLink.AddressB, uint destination = SimulatedLink.AddressA)
    {
        options ??= [];
        payload ??= [];
        int header = 20 + options.Length;
        var b = new byte[header + payload.Length];
        BigEndian.Put16(b, 0, sourcePort);
        BigEndian.Put16(b, 2, destinationPort);
        BigEndian.Put32(b, 4, seq);
        BigEndian.Put32(b, 8, ack);
        b[12] = (byte)(header / 4 << 4);
        b[13] = flags;
        BigEndian.Put16(b, 14, window);
        options.CopyTo(b, 20);
        payload.CopyTo(b, header);
        FixChecksum(b, source, destination);
        return b;
    }

    public static void FixChecksum(byte[] b, uint source, uint destination)
    {
        b[16] = b[17] = 0;
        uint sum = InternetChecksum.PseudoHeader(source, destination, IpProtocol.Tcp, b.Length);
        BigEndian.Put16(b, 16, InternetChecksum.Finish(InternetChecksum.Add(sum, b)));
    }
}
