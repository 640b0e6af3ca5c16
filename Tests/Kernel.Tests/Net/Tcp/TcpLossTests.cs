using Kernel.Logic;

namespace Kernel.Tests.Net.Tcp;

public class TcpLossTests
{
    [Theory]
    [InlineData(1, 0.05)]
    [InlineData(2, 0.03)]
    [InlineData(3, 0.1)]
    [InlineData(4, 0.02)]
    [InlineData(5, 0.2)]
    /// <summary>1 MiB in odd-sized writes and reads under 2-20 % loss, 5 % duplication and reordering; close; every socket but the listener is freed.</summary>
    public void OneMiB_UnderHeavyLoss_ArrivesExactly_AndEverySocketIsFreed(int seed, double loss)
    {
        var link = new SimulatedLink(seed) { Loss = loss, Duplication = 0.05, DelayMs = 3, JitterMs = 10, KeepLog = false };
        var (client, server, _) = link.Connect();
        var up = new byte[1 << 20];
        new Random(seed).NextBytes(up);
        var got = new MemoryStream();
        int written = 0;
        bool shut = false, eof = false;
        link.Applications = () =>
        {
            if (written < up.Length)
            {
                int n = client.Send(up.AsSpan(written, Math.Min(7000, up.Length - written)), link.Now);
                if (n > 0)
                    written += n;
                else
                    Assert.Equal(-Errno.EAGAIN, n);
            }
            else if (!shut)
            {
                client.Close(link.Now);
                shut = true;
            }
            var buffer = new byte[3000];
            int m;
            while ((m = server.Receive(buffer, false, link.Now)) > 0)
                got.Write(buffer, 0, m);
            if (m == 0)
                eof = true;
        };
        Assert.True(link.RunUntil(() => eof, 3_600_000), $"got {got.Length} state {client.State} {server.State}");
        Assert.Equal(up, got.ToArray());
        server.Close(link.Now);
        link.Applications = null;
        link.Run(200_000);
        Assert.Equal(1, link.B.Count);
        Assert.Equal(0, link.A.Count);
    }
}
