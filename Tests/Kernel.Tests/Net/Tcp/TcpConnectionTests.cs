using Kernel.Logic;
using Kernel.Logic.Net.Tcp;

namespace Kernel.Tests.Net.Tcp;

public class TcpConnectionTests
{
    private static int Read(TcpSocket s, SimulatedLink link, out byte[] data)
    {
        var buffer = new byte[1 << 20];
        int n = s.Receive(buffer, false, link.Now);
        data = n > 0 ? buffer[..n] : [];
        return n;
    }

    [Fact]
    public void RetransmissionTimeouts_DoubleEachTime()
    {
        var link = new SimulatedLink { DelayMs = 1 };
        var (client, _, _) = link.Connect();
        link.Drop = s => s.FromA && s.PayloadLength > 0;
        Assert.Equal(100, client.Send(new byte[100], link.Now));
        link.Run(60_000);
        var times = link.Log.Where(s => s.FromA && s.PayloadLength > 0).Select(s => s.Time).ToList();
        Assert.True(times.Count >= 7);
        // RFC 6298: the RTO starts at its 200 ms floor (the handshake measured 2 ms) and doubles (Karn: no samples from retransmissions).
        Assert.Equal(200UL, times[1] - times[0]);
        for (int i = 2; i < times.Count; i++)
            Assert.Equal(2 * (times[i - 1] - times[i - 2]), times[i] - times[i - 1]);
        // A new ACK ends the back-off: the data gets through and the connection stays up.
        link.Drop = null;
        Assert.True(link.RunUntil(() => client.SendQueueBytes == 0, 200_000));
        Assert.Equal(TcpState.Established, client.State);
    }

    [Fact]
    public void UnansweredSyns_AreRetriedWithBackOff_ThenConnectFailsWithETIMEDOUT()
    {
        var link = new SimulatedLink();
        link.Drop = s => s.FromA;
        TcpSocket client = link.A.CreateSocket();
        ulong start = link.Now;
        Assert.Equal(-Errno.EINPROGRESS, client.Connect(SimulatedLink.AddressB, 80, link.Now));
        Assert.Equal(-Errno.EALREADY, client.Connect(SimulatedLink.AddressB, 80, link.Now));
        Assert.Equal(0, client.PollEvents() & (PollEvents.POLLOUT | PollEvents.POLLERR));
        Assert.True(link.RunUntil(() => client.State == TcpState.Closed, 300_000));
        var syns = link.Log.Where(s => s.FromA && s.Flags == TcpFlags.SYN).Select(s => (s.Time - start) / 1000).ToList();
        Assert.Equal(new ulong[] { 0, 1, 3, 7, 15, 31, 63 }, syns);
        Assert.Equal(127UL, (link.Now - start) / 1000);
        Assert.NotEqual(0, client.PollEvents() & PollEvents.POLLERR);
        Assert.Equal(Errno.ETIMEDOUT, client.TakeError());
        Assert.Equal(0, link.A.Count);
    }

    [Fact]
    public void ConnectToClosedPort_GetsRst_AndECONNREFUSED()
    {
        var link = new SimulatedLink();
        TcpSocket client = link.A.CreateSocket();
        client.Connect(SimulatedLink.AddressB, 4444, link.Now);
        Assert.True(link.RunUntil(() => client.State == TcpState.Closed, 5000));
        var rst = link.Log.Single(s => !s.FromA);
        Assert.Equal(TcpFlags.RST | TcpFlags.ACK, rst.Flags);
        Assert.Equal(link.Log[0].SeqNum + 1, rst.AckNum);
        Assert.Equal(Errno.ECONNREFUSED, client.TakeError());
        // Linux lets a failed socket connect again.
        TcpSocket listener = link.B.CreateSocket();
        listener.Bind(0, 4444);
        listener.Listen(1);
        Assert.Equal(-Errno.EINPROGRESS, client.Connect(SimulatedLink.AddressB, 4444, link.Now));
        Assert.True(link.RunUntil(() => client.State == TcpState.Established, 5000));
    }

    [Fact]
    public void SegmentToClosedPortWithAck_GetsRstWithItsAckAsSequence()
    {
        var link = new SimulatedLink();
        var (client, server, listener) = link.Connect();
        server.Close(link.Now);
        link.Run(100);
        listener.Close(link.Now);
        link.Run(200_000); // B forgets the connection (TIME_WAIT ends on A; B's LAST_ACK ended)
        Assert.Equal(TcpState.CloseWait, client.State);
        Assert.Equal(4, client.Send("late"u8, link.Now));
        link.Run(100);
        Assert.Equal(TcpState.Closed, client.State);
        Assert.Equal(-Errno.ECONNRESET, client.Send("x"u8, link.Now));
        Assert.Equal(-Errno.EPIPE, client.Send("x"u8, link.Now));
        Assert.Equal(0, client.Receive(new byte[10], false, link.Now));
    }

    [Fact]
    public void SimultaneousOpen_Establishes()
    {
        var link = new SimulatedLink { DelayMs = 10 };
        TcpSocket a = link.A.CreateSocket(), b = link.B.CreateSocket();
        Assert.Equal(0, a.Bind(0, 5000));
        Assert.Equal(0, b.Bind(0, 6000));
        a.Connect(SimulatedLink.AddressB, 6000, link.Now);
        b.Connect(SimulatedLink.AddressA, 5000, link.Now);
        Assert.True(link.RunUntil(() => a.State == TcpState.Established && b.State == TcpState.Established, 5000));
        a.Send("hello"u8, link.Now);
        b.Send("world"u8, link.Now);
        link.Run(200);
        Assert.Equal(5, Read(b, link, out byte[] gotB));
        Assert.Equal("hello"u8.ToArray(), gotB);
        Assert.Equal(5, Read(a, link, out byte[] gotA));
        Assert.Equal("world"u8.ToArray(), gotA);
    }

    [Fact]
    public void SimultaneousClose_BothPassThroughClosingToTimeWait()
    {
        var link = new SimulatedLink { DelayMs = 10 };
        var (client, server, _) = link.Connect();
        client.Shutdown(TcpSocket.SHUT_WR, link.Now);
        server.Shutdown(TcpSocket.SHUT_WR, link.Now);
        Assert.Equal(TcpState.FinWait1, client.State);
        link.Run(15);
        Assert.Equal(TcpState.Closing, client.State);
        Assert.Equal(TcpState.Closing, server.State);
        link.Run(100);
        Assert.Equal(TcpState.TimeWait, client.State);
        Assert.Equal(TcpState.TimeWait, server.State);
        Assert.Equal(0, Read(client, link, out _));
        Assert.NotEqual(0, client.PollEvents() & PollEvents.POLLHUP);
        link.Run(TcpSocket.TimeWaitMs);
        Assert.Equal(TcpState.Closed, client.State);
        Assert.Equal(TcpState.Closed, server.State);
    }

    [Fact]
    public void HalfClose_PeerStillSends_ThenEofAndEpipe()
    {
        var link = new SimulatedLink();
        var (client, server, _) = link.Connect();
        Assert.Equal(0, client.Shutdown(TcpSocket.SHUT_WR, link.Now));
        Assert.Equal(-Errno.EPIPE, client.Send("x"u8, link.Now));
        link.Run(100);
        Assert.Equal(TcpState.FinWait2, client.State);
        Assert.Equal(TcpState.CloseWait, server.State);
        Assert.Equal(0, Read(server, link, out _));
        Assert.NotEqual(0, server.PollEvents() & PollEvents.POLLRDHUP);
        Assert.Equal(7, server.Send("answer!"u8, link.Now));
        link.Run(100);
        Assert.Equal(7, Read(client, link, out byte[] got));
        Assert.Equal("answer!"u8.ToArray(), got);
        server.Close(link.Now);
        link.Run(100);
        Assert.Equal(TcpState.TimeWait, client.State);
        Assert.Equal(0, Read(client, link, out _));
        Assert.Equal(1, link.B.Count); // only the listener: the closed server socket was freed
    }

    [Fact]
    public void TimeWait_HoldsThePort_UnlessReuseAddr()
    {
        var link = new SimulatedLink();
        var (client, server, listener) = link.Connect(port: 8080);
        server.Close(link.Now); // the server closes first and ends in TIME_WAIT
        link.Run(100);
        client.Close(link.Now);
        link.Run(100);
        listener.Close(link.Now);
        Assert.Equal(TcpState.TimeWait, link.B.SocketAt(0).State);
        TcpSocket again = link.B.CreateSocket();
        Assert.Equal(-Errno.EADDRINUSE, again.Bind(0, 8080));
        again.ReuseAddress = true;
        Assert.Equal(0, again.Bind(0, 8080));
        Assert.Equal(0, again.Listen(4));
        // A listener keeps its port even from SO_REUSEADDR sockets (Linux's bind conflict rule).
        TcpSocket third = link.B.CreateSocket();
        third.ReuseAddress = true;
        Assert.Equal(-Errno.EADDRINUSE, third.Bind(0, 8080));
        third.Close(link.Now);
        // Without SO_REUSEADDR the port is free once TIME_WAIT (60 s) ends.
        link.Run(TcpSocket.TimeWaitMs);
        again.Close(link.Now);
        TcpSocket plain = link.B.CreateSocket();
        Assert.Equal(0, plain.Bind(0, 8080));
        Assert.Equal(1, link.B.Count);
        Assert.Equal(0, link.A.Count);
    }

    [Fact]
    public void KeepAlive_DetectsADeadPeer_AndSparesALiveOne()
    {
        var link = new SimulatedLink();
        var (client, _, _) = link.Connect(configure: s =>
        {
            s.KeepAlive = true;
            s.KeepIdleSeconds = 10;
            s.KeepIntervalSeconds = 2;
            s.KeepCount = 3;
        });
        ulong start = link.Now;
        link.Run(60_000);
        Assert.Equal(TcpState.Established, client.State); // the live peer answered every probe
        Assert.True(link.Log.Count(s => s.FromA && s.Time > start) >= 5);

        link.Drop = s => !s.FromA; // the peer vanishes
        int before = link.Log.Count;
        ulong lastHeard = link.Log.Last(s => !s.FromA).Time + link.DelayMs;
        Assert.True(link.RunUntil(() => client.State == TcpState.Closed, 60_000));
        var probes = link.Log.Skip(before).Where(s => s.FromA && s.Flags == TcpFlags.ACK).ToList();
        Assert.Equal(3, probes.Count);
        Assert.Equal(TcpFlags.RST, link.Log.Last(s => s.FromA).Flags);
        Assert.Equal(Errno.ETIMEDOUT, client.TakeError());
        // Probes at idle (10 s) after the last segment heard, then every 2 s; after the third goes unanswered for 2 s, the end.
        Assert.Equal(lastHeard + 10_000, probes[0].Time);
        Assert.Equal(2000UL, probes[1].Time - probes[0].Time);
        Assert.Equal(2000UL, probes[2].Time - probes[1].Time);
        Assert.Equal(lastHeard + 16_000, link.Now);
    }

    [Fact]
    public void LingerZero_CloseResetsThePeer()
    {
        var link = new SimulatedLink();
        var (client, server, _) = link.Connect();
        client.NoDelay = true; // all 5000 bytes leave before the reset (Nagle would hold the tail, which the reset discards)
        client.Send(new byte[5000], link.Now);
        client.LingerOn = true;
        client.LingerSeconds = 0;
        client.Close(link.Now);
        Assert.Equal(TcpFlags.RST, link.Log.Last(s => s.FromA).Flags);
        link.Run(100);
        Assert.Equal(TcpState.Closed, server.State);
        // Data that arrived before the reset is still read, then the error once, then end of file.
        Assert.Equal(5000, server.Receive(new byte[10000], false, link.Now));
        Assert.Equal(-Errno.ECONNRESET, server.Receive(new byte[10000], false, link.Now));
        Assert.Equal(0, server.Receive(new byte[10000], false, link.Now));
        Assert.Equal(0, link.A.Count);
    }

    [Fact]
    public void CloseWithUnreadData_Resets()
    {
        var link = new SimulatedLink();
        var (client, server, _) = link.Connect();
        client.Send("unread"u8, link.Now);
        link.Run(100);
        server.Close(link.Now);
        link.Run(100);
        Assert.Equal(TcpState.Closed, client.State);
        Assert.Equal(Errno.ECONNRESET, client.TakeError());
    }

    [Fact]
    public void BacklogOverflow_DropsTheSyn_AndTheClientGetsInLater()
    {
        var link = new SimulatedLink();
        TcpSocket listener = link.B.CreateSocket();
        listener.Bind(0, 80);
        Assert.Equal(0, listener.Listen(1)); // Linux: the accept queue holds backlog + 1
        var clients = new List<TcpSocket>();
        for (int i = 0; i < 3; i++)
        {
            TcpSocket c = link.A.CreateSocket();
            c.Connect(SimulatedLink.AddressB, 80, link.Now);
            clients.Add(c);
            link.Run(50);
        }
        Assert.Equal(TcpState.Established, clients[0].State);
        Assert.Equal(TcpState.Established, clients[1].State);
        Assert.Equal(TcpState.SynSent, clients[2].State);
        Assert.Equal(2, listener.ReceiveQueueBytes);
        // No answer at all to the third SYN: no SYN-ACK, no reset.
        ushort thirdPort = clients[2].LocalPort;
        Assert.DoesNotContain(link.Log, s => !s.FromA && (s.Bytes[2] << 8 | s.Bytes[3]) == thirdPort);
        Assert.Equal(0, listener.Accept(out TcpSocket? first));
        Assert.Equal(clients[0].LocalPort, first!.RemotePort);
        Assert.True(link.RunUntil(() => clients[2].State == TcpState.Established, 5000));
        link.Run(10); // the handshake's last ACK reaches the listener
        Assert.Equal(0, listener.Accept(out _));
        Assert.Equal(0, listener.Accept(out TcpSocket? third));
        Assert.Equal(thirdPort, third!.RemotePort);
        Assert.Equal(-Errno.EAGAIN, listener.Accept(out _));
    }

    [Fact]
    public void Rst_OutOfWindowIgnored_InWindowChallenged_ExactResets()
    {
        var link = new SimulatedLink();
        var (client, server, _) = link.Connect();
        var last = link.Log.Last(s => s.FromA);
        uint rcvNxt = last.AckNum; // A's next expected sequence from B
        int before = link.Log.Count;
        link.Inject(toA: true, TcpPacket.Build(80, client.LocalPort, rcvNxt + 1_000_000, 0, TcpFlags.RST, 0));
        Assert.Equal(before, link.Log.Count);
        link.Inject(toA: true, TcpPacket.Build(80, client.LocalPort, rcvNxt + 100, 0, TcpFlags.RST, 0));
        Assert.Equal(TcpState.Established, client.State);
        Assert.Equal(TcpFlags.ACK, link.Log.Last().Flags); // the challenge ACK
        link.Inject(toA: true, TcpPacket.Build(80, client.LocalPort, rcvNxt, 0, TcpFlags.RST, 0));
        Assert.Equal(TcpState.Closed, client.State);
        Assert.Equal(-Errno.ECONNRESET, client.Receive(new byte[1], false, link.Now));
        Assert.Equal(0, client.Receive(new byte[1], false, link.Now));
        Assert.NotEqual(0, client.PollEvents() & PollEvents.POLLHUP);
        _ = server;
    }

    [Fact]
    public void EphemeralPorts_AreInLinuxRange_AndDistinct()
    {
        var link = new SimulatedLink();
        TcpSocket listener = link.B.CreateSocket();
        listener.Bind(0, 80);
        listener.Listen(100);
        var ports = new HashSet<ushort>();
        for (int i = 0; i < 50; i++)
        {
            TcpSocket c = link.A.CreateSocket();
            c.Connect(SimulatedLink.AddressB, 80, link.Now);
            Assert.InRange(c.LocalPort, (ushort)32768, (ushort)60999);
            Assert.True(ports.Add(c.LocalPort));
        }
        TcpSocket wildcard = link.A.CreateSocket();
        Assert.Equal(0, wildcard.Bind(0, 0));
        Assert.InRange(wildcard.LocalPort, (ushort)32768, (ushort)60999);
    }

    [Fact]
    public void Readiness_WakesTheSocketsChannel()
    {
        var link = new SimulatedLink();
        var (client, server, listener) = link.Connect();
        link.Wakes.Channels.Clear();
        Assert.Equal(0, server.PollEvents() & PollEvents.POLLIN);
        Assert.NotEqual(0, server.PollEvents() & PollEvents.POLLOUT);
        client.Send("ping"u8, link.Now);
        link.Run(10);
        Assert.Contains(server, link.Wakes.Channels);
        Assert.NotEqual(0, server.PollEvents() & PollEvents.POLLIN);
        _ = listener;
    }

    [Fact]
    public void ClosedSockets_AreFreed()
    {
        var link = new SimulatedLink();
        var (client, server, listener) = link.Connect();
        client.Send(new byte[1000], link.Now);
        link.Run(100);
        Read(server, link, out _);
        long freedBefore = Owned.FreedOnThisThread;
        client.Close(link.Now);
        server.Close(link.Now);
        listener.Close(link.Now);
        link.Run(TcpSocket.TimeWaitMs + 1000);
        Assert.Equal(0, link.A.Count);
        Assert.Equal(0, link.B.Count);
        // Each connection frees its two rings, their arrays and itself; the listener its queue and itself.
        Assert.True(Owned.FreedOnThisThread - freedBefore >= 2 * 5 + 2);
    }

    [Fact]
    public void Listeners_OnAnAddressWinOverWildcard_AndOtherAddressesAreRefused()
    {
        var link = new SimulatedLink();
        TcpSocket any = link.B.CreateSocket(), specific = link.B.CreateSocket();
        Assert.Equal(0, any.Bind(0, 90));
        Assert.Equal(0, any.Listen(4));
        Assert.Equal(-Errno.EADDRINUSE, specific.Bind(SimulatedLink.AddressB, 90));
        TcpSocket other = link.B.CreateSocket();
        Assert.Equal(0, other.Bind(SimulatedLink.AddressB, 91));
        Assert.Equal(0, other.Listen(4));
        TcpSocket c1 = link.A.CreateSocket(), c2 = link.A.CreateSocket();
        c1.Connect(SimulatedLink.AddressB, 90, link.Now);
        c2.Connect(SimulatedLink.AddressB, 91, link.Now);
        link.Run(100);
        Assert.Equal(0, any.Accept(out TcpSocket? a1));
        Assert.Equal(SimulatedLink.AddressB, a1!.LocalAddress);
        Assert.Equal(0, other.Accept(out _));
    }

    [Fact]
    public void FullSendBuffer_SaysEagain_AndBecomesWritableWhenAcked()
    {
        var link = new SimulatedLink { DelayMs = 20 };
        var (client, server, _) = link.Connect(configure: s =>
        {
            s.SendBufferSize = 8192;
            s.ReceiveBufferSize = 4096; // set on the listener: the accepted socket inherits it
        });
        Assert.Equal(4096, server.ReceiveBufferSize);
        int total = 0, n;
        while ((n = client.Send(new byte[1000], link.Now)) > 0)
            total += n;
        Assert.Equal(-Errno.EAGAIN, n);
        Assert.Equal(8192, total);
        Assert.Equal(0, client.PollEvents() & PollEvents.POLLOUT);
        link.Wakes.Channels.Clear();
        var buffer = new byte[100_000];
        int read = 0;
        link.Applications = () =>
        {
            int m = server.Receive(buffer, false, link.Now);
            if (m > 0)
                read += m;
        };
        Assert.True(link.RunUntil(() => (client.PollEvents() & PollEvents.POLLOUT) != 0, 5000));
        Assert.Contains(client, link.Wakes.Channels);
        // The 4 KiB receive buffer bounded the window the sender saw.
        Assert.InRange(client.PeerWindow, 1u, 4096u);
    }

    [Fact]
    public void ArmingAnEarlierTimer_WakesTheStack_AndPollReportsIt()
    {
        var link = new SimulatedLink();
        var (client, _, _) = link.Connect();
        link.Run(1000);
        Assert.Equal(TcpStack.NoDeadline, link.A.Poll(link.Now));
        link.Wakes.Channels.Clear();
        link.Drop = s => true;
        client.Send("x"u8, link.Now);
        Assert.Contains(link.A, link.Wakes.Channels);
        Assert.Equal(link.Now + client.RetransmitTimeoutMs, link.A.Poll(link.Now));
    }
}
