using Kernel.Logic;
using Kernel.Logic.Net.Tcp;

namespace Kernel.Tests.Net.Tcp;

public class TcpTransferTests
{
    private static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Moves <paramref name="source"/> from one socket to the other through the link's applications; returns what arrived.</summary>
    private sealed class Pump(TcpSocket from, TcpSocket to, byte[] source, SimulatedLink link, int chunk = 50_000)
    {
        public readonly MemoryStream Received = new();
        private int _written;
        private bool _shut;
        public bool Eof;
        public bool ReadPaused;

        public void Step()
        {
            while (_written < source.Length)
            {
                int n = from.Send(source.AsSpan(_written, Math.Min(chunk, source.Length - _written)), link.Now);
                if (n == -Errno.EAGAIN)
                    break;
                Assert.True(n > 0, $"send returned {n} at {link.Now}: {string.Join("\n", link.Log.TakeLast(40).Select(x => $"{x.Time} {(x.FromA ? "A" : "B")} f={x.Flags:x} seq={x.SeqNum} ack={x.AckNum} w={x.Window} len={x.PayloadLength} drop={x.Dropped}"))}");
                _written += n;
            }
            if (_written == source.Length && !_shut)
            {
                Assert.Equal(0, from.Shutdown(TcpSocket.SHUT_WR, link.Now));
                _shut = true;
            }
            var buffer = new byte[65536];
            while (!Eof && !ReadPaused)
            {
                int n = to.Receive(buffer, false, link.Now);
                if (n == -Errno.EAGAIN)
                    break;
                Assert.True(n >= 0, $"receive returned {n}");
                if (n == 0)
                    Eof = true;
                Received.Write(buffer, 0, n);
            }
        }
    }

    private static void AssertSame(byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int i = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(i == expected.Length, $"first difference at {i}");
    }

    [Fact]
    public void Handshake_NegotiatesMssAndWindowScale()
    {
        var link = new SimulatedLink();
        link.MtuB = 1400;
        var (client, server, _) = link.Connect();
        Assert.Equal(TcpState.Established, client.State);
        Assert.Equal(TcpState.Established, server.State);
        Assert.Equal(1360, client.Mss);
        Assert.Equal(1360, server.Mss);
        Assert.Equal(TcpSocket.WindowShift, client.SendWindowShift);
        Assert.Equal(TcpSocket.WindowShift, server.SendWindowShift);
        Assert.Equal(SimulatedLink.AddressB, client.RemoteAddress);
        Assert.Equal(80, client.RemotePort);
        Assert.InRange(client.LocalPort, TcpStack.EphemeralFirst, TcpStack.EphemeralLast);
        Assert.Equal(client.LocalPort, server.RemotePort);
        // Three segments: SYN (MSS + window scale), SYN-ACK, ACK.
        Assert.Equal(3, link.Log.Count);
        Assert.Equal(TcpFlags.SYN, link.Log[0].Flags);
        Assert.Equal(TcpFlags.SYN | TcpFlags.ACK, link.Log[1].Flags);
        Assert.Equal(TcpFlags.ACK, link.Log[2].Flags);
        Assert.Equal(link.Log[0].SeqNum + 1, link.Log[1].AckNum);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SixteenMiBEachWay_WithLossReorderingAndDuplication_ArriveByteExact(bool batched)
    {
        var link = new SimulatedLink(seed: 7) { Loss = 0.01, Duplication = 0.01, DelayMs = 5, JitterMs = 4, KeepLog = false, BatchReceives = batched };
        var (client, server, _) = link.Connect();
        byte[] up = Pattern(16 << 20, 1), down = Pattern(16 << 20, 2);
        var upPump = new Pump(client, server, up, link);
        var downPump = new Pump(server, client, down, link);
        link.Applications = () =>
        {
            upPump.Step();
            downPump.Step();
        };
        Assert.True(link.RunUntil(() => upPump.Eof && downPump.Eof, 3_600_000), $"up {upPump.Received.Length} down {downPump.Received.Length}");
        AssertSame(up, upPump.Received.ToArray());
        AssertSame(down, downPump.Received.ToArray());
        Assert.Contains(link.Log, s => s.Dropped);
    }

    [Fact]
    public void WindowScaling_PutsMoreThan64KiBInFlight()
    {
        var link = new SimulatedLink { DelayMs = 50, KeepLog = false };
        var (client, server, _) = link.Connect(configure: s =>
        {
            s.SendBufferSize = 1 << 20;
            s.ReceiveBufferSize = 1 << 20;
        });
        byte[] data = Pattern(4 << 20, 3);
        var pump = new Pump(client, server, data, link);
        uint maxInFlight = 0, maxWindow = 0;
        link.Applications = () =>
        {
            pump.Step();
            maxInFlight = Math.Max(maxInFlight, client.BytesInFlight);
            maxWindow = Math.Max(maxWindow, client.PeerWindow);
        };
        Assert.True(link.RunUntil(() => pump.Eof));
        Assert.True(data.AsSpan().SequenceEqual(pump.Received.ToArray()));
        Assert.True(maxWindow > 65535, $"window {maxWindow}");
        Assert.True(maxInFlight > 65535, $"in flight {maxInFlight}");
    }

    [Fact]
    public void ZeroWindow_IsProbedAndReopens()
    {
        var link = new SimulatedLink { DelayMs = 5 };
        var (client, server, _) = link.Connect();
        byte[] data = Pattern(300_000, 4);
        var pump = new Pump(client, server, data, link) { ReadPaused = true };
        link.Applications = pump.Step;
        link.RunUntil(() => client.PeerWindow == 0 && client.BytesInFlight == 0, 10_000);
        Assert.Equal(0u, client.PeerWindow);
        Assert.InRange(server.ReceiveQueueBytes, server.ReceiveBufferSize - server.Mss, server.ReceiveBufferSize);
        int before = link.Log.Count;
        link.Run(20_000);
        // Probes: bare ACKs from A below SND.UNA, at growing intervals; each gets an answer.
        var probes = link.Log.Skip(before).Where(s => s.FromA && s.PayloadLength == 0 && s.Flags == TcpFlags.ACK).ToList();
        Assert.InRange(probes.Count, 3, 12);
        for (int i = 2; i < probes.Count; i++)
            Assert.True(probes[i].Time - probes[i - 1].Time >= probes[i - 1].Time - probes[i - 2].Time);
        Assert.Contains(link.Log.Skip(before), s => !s.FromA);
        // The reader drains: the window update (or the next probe's answer) reopens the window.
        link.Drop = s => !s.FromA && s.Window != 0 && link.Now < 40_000; // lose the first updates
        pump.ReadPaused = false;
        Assert.True(link.RunUntil(() => pump.Eof, 600_000));
        Assert.True(data.AsSpan().SequenceEqual(pump.Received.ToArray()));
    }

    [Fact]
    public void Nagle_CoalescesSmallWrites_AndNoDelaySendsEach()
    {
        foreach (bool noDelay in new[] { false, true })
        {
            var link = new SimulatedLink { DelayMs = 10 };
            var (client, server, _) = link.Connect();
            client.NoDelay = noDelay;
            int before = link.Log.Count;
            for (int i = 0; i < 10; i++)
                Assert.Equal(1, client.Send(new byte[] { (byte)i }, link.Now));
            link.Run(1000);
            var dataSegments = link.Log.Skip(before).Where(s => s.FromA && s.PayloadLength > 0).ToList();
            if (noDelay)
                Assert.Equal(10, dataSegments.Count);
            else
                Assert.Equal(new[] { 1, 9 }, dataSegments.Select(s => s.PayloadLength));
            var buffer = new byte[64];
            Assert.Equal(10, server.Receive(buffer, false, link.Now));
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), buffer.Take(10));
        }
    }

    [Fact]
    public void DelayedAck_Waits40ms_ButAcksEverySecondFullSegmentAtOnce()
    {
        var link = new SimulatedLink { DelayMs = 1 };
        var (client, _, _) = link.Connect();
        int before = link.Log.Count;
        ulong sent = link.Now;
        client.Send(new byte[100], link.Now);
        link.Run(500);
        var ack = link.Log.Skip(before).First(s => !s.FromA);
        Assert.Equal(sent + 1 + TcpSocket.DelayedAckMs, ack.Time);

        before = link.Log.Count;
        client.NoDelay = true;
        client.Send(new byte[2 * client.Mss], link.Now);
        sent = link.Now;
        link.Run(500);
        var acks = link.Log.Skip(before).Where(s => !s.FromA).ToList();
        Assert.Single(acks);
        Assert.Equal(sent + 1, acks[0].Time);
    }

    [Fact]
    public void In_a_receive_batch_full_segments_get_one_ack_at_its_end()
    {
        var link = new SimulatedLink { DelayMs = 1, BatchReceives = true };
        var (client, server, _) = link.Connect();
        client.NoDelay = true;
        int before = link.Log.Count;
        // Eight full segments leave together and arrive together: one batch at the receiver.
        Assert.Equal(8 * client.Mss, client.Send(new byte[8 * client.Mss], link.Now));
        link.Run(10);
        var acks = link.Log.Skip(before).Where(s => !s.FromA).ToList();
        Assert.Single(acks);
        Assert.Equal(link.Log.Skip(before).Where(s => s.FromA).Max(s => s.SeqNum + (uint)s.PayloadLength), acks[0].AckNum);

        // Without batches, every second one is acknowledged at once.
        link.BatchReceives = false;
        before = link.Log.Count;
        Assert.Equal(8 * client.Mss, client.Send(new byte[8 * client.Mss], link.Now));
        link.Run(10);
        Assert.Equal(4, link.Log.Skip(before).Count(s => !s.FromA));
        Assert.Equal(16 * client.Mss, server.Receive(new byte[16 * client.Mss], false, link.Now));
    }

    [Fact]
    public void OutOfOrderSegments_AreHeldAndReassembled()
    {
        var link = new SimulatedLink { DelayMs = 5 };
        var (client, server, _) = link.Connect();
        client.NoDelay = true;
        int dropped = 0;
        link.Drop = s => s.FromA && s.PayloadLength > 0 && dropped++ == 0; // lose the first of five segments
        byte[] data = Pattern(5 * client.Mss, 5);
        Assert.Equal(data.Length, client.Send(data, link.Now));
        link.Run(3);
        var buffer = new byte[data.Length];
        link.RunUntil(() => server.ReceiveQueueBytes == data.Length, 5000);
        Assert.Equal(data.Length, server.Receive(buffer, false, link.Now));
        Assert.Equal(data, buffer);
        // The four later segments drew ACKs of the hole's start (the first also updates the window, so
        // it is no duplicate: RFC 5681, Linux); the third duplicate triggered fast retransmit one
        // round trip later, long before the 200 ms retransmission timeout.
        var first = link.Log.First(x => x.FromA && x.PayloadLength > 0);
        var copies = link.Log.Where(s => s.FromA && s.PayloadLength > 0 && s.SeqNum == first.SeqNum).ToList();
        Assert.Equal(2, copies.Count);
        Assert.Equal(4, link.Log.Count(s => !s.FromA && s.Flags == TcpFlags.ACK && s.AckNum == first.SeqNum && s.Time < copies[1].Time));
        Assert.InRange(copies[1].Time - first.Time, 1UL, 20UL);
    }
}
