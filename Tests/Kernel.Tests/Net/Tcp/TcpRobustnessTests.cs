using Kernel.Logic.Net;
using Kernel.Logic.Net.Tcp;

namespace Kernel.Tests.Net.Tcp;

public class TcpRobustnessTests
{
    /// <summary>
    /// A SYN captured from Linux 6.18 (Python's connect to 127.0.0.1 over loopback, read from an
    /// AF_PACKET socket): MSS 65495, SACK permitted, timestamps, NOP, window scale 10. The loopback
    /// device leaves the checksum to "hardware", so the captured field (fe30) is only the
    /// pseudo-header's partial sum; the test recomputes it for the addresses it delivers to.
    /// </summary>
    private const string LinuxSyn = "9f2ce087b8ea266d00000000a002ffd7fe3000000204ffd70402080a16708bc6000000000103030a";

    [Fact]
    public void LinuxSyn_IsParsed_AndAnsweredWithMssAndWindowScale()
    {
        byte[] syn = Convert.FromHexString(LinuxSyn);
        TcpPacket.FixChecksum(syn, 0x7F000001, 0x7F000001);
        Assert.Equal(0x4ebc, BigEndian.U16(syn, 16)); // worked out separately (Python) from the captured bytes
        Assert.True(TcpSegment.TryParse(0x7F000001, 0x7F000001, syn, out TcpSegment seg));
        Assert.Equal(40748, seg.SourcePort);
        Assert.Equal(57479, seg.DestinationPort);
        Assert.Equal(TcpFlags.SYN, seg.Flags);
        Assert.Equal(65495, seg.MssOption);
        Assert.Equal(10, seg.WindowScaleOption);
        Assert.Equal(65495, seg.Window);
        Assert.Equal(0, seg.Payload.Length);

        var link = new SimulatedLink();
        TcpSocket listener = link.B.CreateSocket();
        listener.Bind(0, 57479);
        listener.Listen(8);
        TcpPacket.FixChecksum(syn, SimulatedLink.AddressA, SimulatedLink.AddressB);
        link.Inject(toA: false, syn);
        var synAck = link.Log.Single();
        Assert.Equal(TcpFlags.SYN | TcpFlags.ACK, synAck.Flags);
        Assert.Equal(0xb8ea266du + 1, synAck.AckNum);
        // Our options: MSS 1460, NOP, window scale 7 (28-byte header), as Linux's parser expects them.
        Assert.Equal(7, synAck.Bytes[12] >> 4);
        Assert.Equal(new byte[] { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 }, synAck.Bytes[20..28]);
        Assert.True(TcpSegment.TryParse(SimulatedLink.AddressB, SimulatedLink.AddressA, synAck.Bytes, out TcpSegment reply));
        Assert.Equal(1460, reply.MssOption);
        Assert.Equal(7, reply.WindowScaleOption);
        // Without the window scale option in the SYN, the SYN-ACK leaves it out too (RFC 7323 2.2).
        byte[] plain = TcpPacket.Build(1234, 57479, 1000, 0, TcpFlags.SYN, 65535, [2, 4, 0x05, 0xb4], source: SimulatedLink.AddressA, destination: SimulatedLink.AddressB);
        link.Inject(toA: false, plain);
        var plainAck = link.Log.Last();
        Assert.Equal(6, plainAck.Bytes[12] >> 4);
        Assert.Equal(new byte[] { 2, 4, 0x05, 0xb4 }, plainAck.Bytes[20..24]);
    }

    [Fact]
    public void OurSyn_HasTheLayoutLinuxSends_MssThenNopWindowScale()
    {
        var link = new SimulatedLink();
        TcpSocket client = link.A.CreateSocket();
        client.Connect(SimulatedLink.AddressB, 22, link.Now);
        byte[] syn = link.Log[0].Bytes;
        Assert.Equal(28, syn.Length);
        Assert.Equal(TcpFlags.SYN, syn[13]);
        Assert.Equal(new byte[] { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 }, syn[20..28]);
        Assert.Equal(65535, BigEndian.U16(syn, 14));
        Assert.Equal(0u, BigEndian.U32(syn, 8));
        uint sum = InternetChecksum.PseudoHeader(SimulatedLink.AddressA, SimulatedLink.AddressB, IpProtocol.Tcp, syn.Length);
        Assert.True(InternetChecksum.Verify(InternetChecksum.Add(sum, syn)));
    }

    [Fact]
    public void TenThousandMalformedSegments_LeaveListenerAndConnectionWorking()
    {
        var link = new SimulatedLink(seed: 3) { KeepLog = false };
        var (client, server, listener) = link.Connect();
        uint serverExpects = server.ReceiveNext;
        var r = new Random(42);
        for (int i = 0; i < 10_000; i++)
        {
            bool toListener = r.Next(2) == 0;
            ushort sourcePort = toListener ? (ushort)r.Next(1, 65536) : client.LocalPort;
            link.Inject(toA: false, MalformedFrames.TcpSegment(r, sourcePort, 80, serverExpects, SimulatedLink.AddressA, SimulatedLink.AddressB));
            if (i % 100 == 0)
                link.Run(5);
        }
        Assert.Equal(TcpState.Established, client.State);
        Assert.Equal(TcpState.Established, server.State);
        Assert.Equal(0, server.ReceiveQueueBytes);

        // The connection still carries data both ways, byte-exact.
        var up = new byte[200_000];
        new Random(1).NextBytes(up);
        var got = new MemoryStream();
        int written = 0;
        link.Applications = () =>
        {
            if (written < up.Length)
            {
                int n = client.Send(up.AsSpan(written), link.Now);
                if (n > 0)
                    written += n;
            }
            var buffer = new byte[65536];
            int m;
            while ((m = server.Receive(buffer, false, link.Now)) > 0)
                got.Write(buffer, 0, m);
        };
        Assert.True(link.RunUntil(() => got.Length == up.Length, 60_000));
        Assert.Equal(up, got.ToArray());
        link.Applications = null;

        // Half-open children from fuzzed SYNs expire; then the listener accepts a new connection.
        link.Run(200_000);
        TcpSocket second = link.A.CreateSocket();
        second.Connect(SimulatedLink.AddressB, 80, link.Now);
        Assert.True(link.RunUntil(() => second.State == TcpState.Established, 10_000));
        link.Run(10);
        while (listener.Accept(out TcpSocket? c) == 0)
            Assert.Equal(SimulatedLink.AddressA, c!.RemoteAddress);
    }

    [Fact]
    public void RandomValidSegments_NeverThrow_AndTheStackRecovers()
    {
        var link = new SimulatedLink(seed: 5) { KeepLog = false };
        var (client, server, listener) = link.Connect();
        var r = new Random(9);
        for (int i = 0; i < 10_000; i++)
        {
            // Well-formed segments near the live sequence numbers with any flags: resets, SYNs, data, FINs.
            uint seq = server.ReceiveNext + (uint)r.Next(-70_000, 70_000);
            var payload = new byte[r.Next(0, 3) == 0 ? r.Next(0, 3000) : 0];
            r.NextBytes(payload);
            byte flags = (byte)r.Next(256);
            ushort sourcePort = r.Next(4) == 0 ? (ushort)r.Next(1, 65536) : client.LocalPort;
            link.Inject(toA: false, TcpPacket.Build(sourcePort, 80, seq, (uint)r.Next(), flags, (ushort)r.Next(65536), null, payload, SimulatedLink.AddressA, SimulatedLink.AddressB));
            if (i % 50 == 0)
                link.Run((ulong)r.Next(1, 300));
            var buffer = new byte[4096];
            server.Receive(buffer, r.Next(2) == 0, link.Now);
            server.Send(payload, link.Now);
        }
        link.Run(300_000);
        TcpSocket fresh = link.A.CreateSocket();
        fresh.Connect(SimulatedLink.AddressB, 80, link.Now);
        Assert.True(link.RunUntil(() => fresh.State == TcpState.Established, 10_000));
        _ = listener;
    }
}
