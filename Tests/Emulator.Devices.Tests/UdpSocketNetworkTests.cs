using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Emulator.Devices.Net;

namespace Emulator.Devices.Tests;

/// <summary>
/// QEMU's <c>-netdev socket,udp=,localaddr=</c> over loopback: one datagram is one frame in each direction, and
/// what the guest's side cannot use is dropped, never queued or thrown.
/// </summary>
public sealed class UdpSocketNetworkTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>The far end: the test's own socket, where the guest's frames go and from where frames for the guest come.</summary>
    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly BlockingCollection<byte[]> _toGuest = [];

    public UdpSocketNetworkTests()
    {
        _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _peer.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
    }

    public void Dispose() => _peer.Dispose();

    private UdpSocketNetwork Start(bool attach = true)
    {
        var network = new UdpSocketNetwork(new UdpSocketNetworkConfig((IPEndPoint)_peer.LocalEndPoint!, new IPEndPoint(IPAddress.Loopback, 0)));
        if (attach)
        {
            network.Attach(frame => _toGuest.Add(frame.ToArray()));
        }

        return network;
    }

    private static byte[] Frame(int length, byte seed)
    {
        var frame = new byte[length];
        for (var i = 0; i < length; i++)
        {
            frame[i] = (byte)(seed + i);
        }

        return frame;
    }

    private byte[] NextToGuest()
    {
        Assert.True(_toGuest.TryTake(out var frame, Timeout), $"no frame reached the guest within {Timeout.TotalSeconds} s");
        return frame;
    }

    [Fact]
    public void FramesFromTheGuest_AreOneDatagramEach_ToTheUdpAddress()
    {
        using var network = Start();
        network.Send(Frame(60, 1));
        network.Send(Frame(1514, 2));

        var buffer = new byte[2048];
        Assert.Equal(Frame(60, 1), buffer.AsSpan(0, _peer.Receive(buffer)).ToArray());
        Assert.Equal(Frame(1514, 2), buffer.AsSpan(0, _peer.Receive(buffer)).ToArray());
        Assert.Equal(2, network.FramesFromGuest);
    }

    [Fact]
    public void DatagramsArrivingAtLocaladdr_ReachTheGuestWhole_InOrder()
    {
        using var network = Start();
        _peer.SendTo(Frame(42, 3), network.LocalEndPoint);
        _peer.SendTo(Frame(1518, 4), network.LocalEndPoint);
        _peer.SendTo(Frame(1, 5), network.LocalEndPoint);

        Assert.Equal(Frame(42, 3), NextToGuest());
        Assert.Equal(Frame(1518, 4), NextToGuest());
        Assert.Equal(Frame(1, 5), NextToGuest());
    }

    [Fact]
    public void DatagramsFromAnySender_ReachTheGuest()
    {
        using var network = Start();
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.SendTo(Frame(64, 6), network.LocalEndPoint);

        Assert.Equal(Frame(64, 6), NextToGuest());
    }

    [Fact]
    public void EmptyAndOversizedDatagrams_AreDropped_AndLaterFramesStillArrive()
    {
        using var network = Start();
        _peer.SendTo(Array.Empty<byte>(), network.LocalEndPoint);
        _peer.SendTo(Frame(UdpSocketNetwork.MaxFrameSize + 1, 7), network.LocalEndPoint);
        _peer.SendTo(Frame(9000, 8), network.LocalEndPoint);
        _peer.SendTo(Frame(60, 9), network.LocalEndPoint);

        Assert.Equal(Frame(60, 9), NextToGuest());
        Assert.Equal(3, network.DroppedToGuest);
        Assert.Equal(1, network.FramesToGuest);
    }

    [Fact]
    public void DatagramsBeforeAttach_AreDropped()
    {
        using var network = Start(attach: false);
        _peer.SendTo(Frame(60, 10), network.LocalEndPoint);
        var deadline = DateTime.UtcNow + Timeout;
        while (network.DroppedToGuest == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        Assert.Equal(1, network.DroppedToGuest);
        network.Attach(frame => _toGuest.Add(frame.ToArray()));
        _peer.SendTo(Frame(60, 11), network.LocalEndPoint);
        Assert.Equal(Frame(60, 11), NextToGuest());
    }

    [Fact]
    public void SendingToNobody_NeverThrows()
    {
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var nobody = (IPEndPoint)closed.LocalEndPoint!;
        closed.Dispose();

        using var network = new UdpSocketNetwork(new UdpSocketNetworkConfig(nobody, new IPEndPoint(IPAddress.Loopback, 0)));
        for (var i = 0; i < 100; i++)
        {
            network.Send(Frame(60, 12)); // ICMP port unreachable comes back; it may surface as an error on the socket
        }

        Assert.Equal(100, network.FramesFromGuest + network.DroppedFromGuest);
    }

    [Fact]
    public void ALocaladdrInUse_IsOneLine()
    {
        var e = Assert.Throws<NetworkException>(() =>
            new UdpSocketNetwork(new UdpSocketNetworkConfig(new IPEndPoint(IPAddress.Loopback, 9), (IPEndPoint)_peer.LocalEndPoint!)));
        Assert.Contains("in use", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Dispose_StopsTheReceiveThread_AndFreesThePort()
    {
        var network = Start();
        var local = network.LocalEndPoint;
        network.Dispose();
        network.Dispose();
        network.Send(Frame(60, 13));

        using var again = new UdpSocketNetwork(new UdpSocketNetworkConfig((IPEndPoint)_peer.LocalEndPoint!, local));
        Assert.Equal(local, again.LocalEndPoint);
    }
}
