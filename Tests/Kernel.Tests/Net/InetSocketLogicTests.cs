using System.Text;
using Kernel.Logic;
using Kernel.Logic.Net;
using Kernel.Logic.Net.Tcp;
using Kernel.Tests.Net.Tcp;

namespace Kernel.Tests.Net;

/// <summary>What AF_INET sockets take from Logic: sockaddr_in, /proc/net/tcp and udp, TIME_WAIT's cost.</summary>
public class InetSocketLogicTests
{
    [Fact]
    public void SockaddrIn_RoundTrips_AndRejectsShortOrForeignAddresses()
    {
        var a = new byte[16];
        Assert.Equal(16, SockaddrIn.Write(a, 0x7F00_0001, 8080));
        Assert.Equal(new byte[] { 2, 0, 0x1F, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }, a);
        Assert.Equal(0, SockaddrIn.Parse(a, out uint ip, out ushort port, out bool unspecified));
        Assert.Equal((0x7F00_0001u, (ushort)8080, false), (ip, port, unspecified));
        Assert.Equal(-Errno.EINVAL, SockaddrIn.Parse(a.AsSpan(0, 15), out _, out _, out _));
        a[0] = 1; // AF_UNIX
        Assert.Equal(-Errno.EAFNOSUPPORT, SockaddrIn.Parse(a, out _, out _, out _));
        a[0] = 0; // AF_UNSPEC: connect's "dissolve", even when short
        Assert.Equal(-Errno.EINVAL, SockaddrIn.Parse(a.AsSpan(0, 2), out _, out _, out unspecified));
        Assert.True(unspecified);
    }

    private static string Render(TcpStack tcp)
    {
        var buffer = new byte[1 << 16];
        var t = new TextBuilder(buffer);
        ProcNetInet.RenderTcp(tcp, ref t);
        return Encoding.ASCII.GetString(t.Text);
    }

    [Fact]
    public void ProcNetTcp_ShowsListenersAndConnections_InLinuxsFormat()
    {
        var link = new SimulatedLink();
        var (client, server, listener) = link.Connect();
        listener.OwnerUid = 1000;
        listener.OwnerInode = 4242;
        string text = Render(link.B);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", lines[0]);
        Assert.All(text.Split('\n')[..^1], l => Assert.Equal(149, l.Length));
        // The listener on 0.0.0.0:80 (0x50) in state 0A with its owner; the connection in state 01.
        Assert.Contains(lines, l => l.Contains(": 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($": {Word(server.LocalAddress)}:0050 {Word(server.RemoteAddress)}:{server.RemotePort:X4} 01 ", StringComparison.Ordinal));
        Assert.Equal(TcpState.Established, client.State);
    }

    private static string Word(uint address) => $"{address & 0xFF:X2}{address >> 8 & 0xFF:X2}{address >> 16 & 0xFF:X2}{address >> 24:X2}";

    [Fact]
    public void TimeWait_KeepsNoBuffers_OnceTheUserClosed()
    {
        var link = new SimulatedLink();
        var (client, server, _) = link.Connect();
        Assert.Equal(5, client.Send(new byte[5], link.Now));
        Assert.True(link.RunUntil(() => server.ReceiveQueueBytes == 5, 5000));
        server.Receive(new byte[5], false, link.Now);
        client.Close(link.Now); // the active closer ends in TIME_WAIT
        Assert.True(link.RunUntil(() => server.State == TcpState.CloseWait, 5000));
        server.Close(link.Now);
        Assert.True(link.RunUntil(() => client.State == TcpState.TimeWait, 5000));
        Assert.Equal(0, client.SendBufferSize);
        Assert.Equal(0, client.ReceiveBufferSize);
        // 60 s later it is gone from the table.
        Assert.True(link.RunUntil(() => link.A.Count == 0, 120_000));
    }

    [Fact]
    public void ReceiveBufferSmallerThanTheMss_StillOpensItsWindow()
    {
        // Loopback's MSS is 65,496: a 4 KiB SO_RCVBUF must still take data (Linux counts the MSS at most the space).
        var link = new SimulatedLink { MtuA = 65536, MtuB = 65536 };
        var (client, server, _) = link.Connect(configure: s => s.ReceiveBufferSize = 4096);
        var data = new byte[100_000];
        new Random(5).NextBytes(data);
        var got = new List<byte>();
        int sent = 0;
        var buffer = new byte[8192];
        link.Applications = () =>
        {
            if (sent < data.Length)
            {
                int n = client.Send(data.AsSpan(sent), link.Now);
                if (n > 0)
                    sent += n;
            }
            int r;
            while ((r = server.Receive(buffer, false, link.Now)) > 0)
                got.AddRange(buffer[..r]);
        };
        Assert.True(link.RunUntil(() => got.Count == data.Length, 10_000), $"{got.Count} of {data.Length} bytes in 10 s");
        Assert.Equal(data, got.ToArray());
    }
}
