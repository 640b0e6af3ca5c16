using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Emulator.Devices.Net;

namespace Emulator.Devices.Tests;

/// <summary>libslirp through our P/Invoke layer, fed frames as a guest would send them: QEMU's user network answers.</summary>
public sealed class SlirpNetworkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private const uint GuestAddress = 0x0A00_020F; // 10.0.2.15
    private const uint Gateway = 0x0A00_0202; // 10.0.2.2

    /// <summary>Frames slirp sent to the guest, in order.</summary>
    private sealed class Inbox
    {
        private readonly BlockingCollection<byte[]> _frames = [];

        public void Add(ReadOnlySpan<byte> frame) => _frames.Add(frame.ToArray());

        /// <summary>The first frame that <paramref name="match"/> accepts, skipping others; fails after the timeout.</summary>
        public byte[] WaitFor(Func<byte[], bool> match, string what)
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (_frames.TryTake(out var frame, deadline - DateTime.UtcNow > TimeSpan.Zero ? deadline - DateTime.UtcNow : TimeSpan.Zero))
            {
                if (match(frame))
                {
                    return frame;
                }
            }

            Assert.Fail($"slirp sent no {what} within {Timeout.TotalSeconds} s");
            return [];
        }
    }

    private static (SlirpNetwork Network, Inbox Inbox) Start(UserNetworkConfig? config = null)
    {
        var network = new SlirpNetwork(config ?? new UserNetworkConfig());
        var inbox = new Inbox();
        network.Attach(inbox.Add);
        return (network, inbox);
    }

    [Fact]
    public void LibslirpIsVersion4()
    {
        Assert.StartsWith("4.", SlirpNetwork.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void ArpRequestForTheGateway_IsAnsweredFromItsMac()
    {
        var (network, inbox) = Start();
        using var _ = network;

        network.Send(TestFrames.ArpRequest(GuestAddress, Gateway));

        var reply = inbox.WaitFor(f => BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(12)) == TestFrames.EtherTypeArp, "ARP reply");
        Assert.Equal(TestFrames.GuestMac, reply[..6]); // to the guest
        Assert.Equal(2, BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(20))); // a reply
        Assert.Equal(new byte[] { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 }, reply[22..28]); // sender MAC: slirp's for 10.0.2.2
        Assert.Equal(Gateway, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(28)));
    }

    [Fact]
    public void DhcpDiscover_GetsAnOfferOf10_0_2_15_WithTheGatewayAndDns()
    {
        var (network, inbox) = Start();
        using var _ = network;

        network.Send(TestFrames.DhcpDiscover(0x1234_5678));

        var offer = inbox.WaitFor(f => f.Length > 42 + 240 && BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(12)) == TestFrames.EtherTypeIpv4 &&
            f[23] == 17 && BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(36)) == 68, "DHCP offer");
        var bootp = offer.AsSpan(42);
        Assert.Equal(2, bootp[0]); // BOOTREPLY
        Assert.Equal(0x1234_5678u, BinaryPrimitives.ReadUInt32BigEndian(bootp[4..]));
        Assert.Equal(GuestAddress, BinaryPrimitives.ReadUInt32BigEndian(bootp[16..])); // yiaddr
        Assert.Equal(new byte[] { 2 }, TestFrames.DhcpOption(bootp, 53)); // OFFER
        Assert.Equal(new byte[] { 10, 0, 2, 2 }, TestFrames.DhcpOption(bootp, 3)); // router
        Assert.Equal(new byte[] { 10, 0, 2, 3 }, TestFrames.DhcpOption(bootp, 6)); // DNS
    }

    [Fact]
    public void OtherNetwork_OffersItsOwnAddresses()
    {
        var (network, inbox) = Start(new UserNetworkConfig { Network = 0xC0A8_6400, Mask = 0xFFFF_FF00, Host = 0xC0A8_6402, Dns = 0xC0A8_6403, DhcpStart = 0xC0A8_6420 });
        using var _ = network;

        network.Send(TestFrames.DhcpDiscover(7));

        var offer = inbox.WaitFor(f => f.Length > 42 + 240 && f[23] == 17 && BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(36)) == 68, "DHCP offer");
        Assert.Equal(0xC0A8_6420u, BinaryPrimitives.ReadUInt32BigEndian(offer.AsSpan(42 + 16))); // 192.168.100.32
    }

    [Fact]
    public void HostForward_OnAPortInUse_IsRefusedWithOneLine()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = (ushort)((IPEndPoint)listener.LocalEndpoint).Port;

        var e = Assert.Throws<NetworkException>(() => new SlirpNetwork(new UserNetworkConfig
        {
            Forwards = [new HostForward(false, 0x7F00_0001, port, 0, 22)],
        }));

        Assert.Contains($"could not set up host forwarding rule 'tcp:127.0.0.1:{port}-:22'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void HostForward_ListensOnLoopback_UntilDisposed()
    {
        var port = FreePort();
        var network = new SlirpNetwork(new UserNetworkConfig { Forwards = [new HostForward(false, 0x7F00_0001, port, 0, 22)] });
        using (var client = new TcpClient())
        {
            client.Connect(IPAddress.Loopback, port); // slirp accepts, then tries the guest
        }

        network.Dispose();
        using var again = new TcpListener(IPAddress.Loopback, port);
        again.Start(); // the port is free again
    }

    [Fact]
    public void HostForwardedConnection_ReachesTheGuestAsASyn()
    {
        var port = FreePort();
        var (network, inbox) = Start(new UserNetworkConfig { Forwards = [new HostForward(false, 0x7F00_0001, port, 0, 22)] });
        using var _ = network;
        // slirp learns the guest's MAC from its frames (else it ARPs for 10.0.2.15 first).
        network.Send(TestFrames.ArpRequest(GuestAddress, Gateway));
        inbox.WaitFor(f => BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(12)) == TestFrames.EtherTypeArp, "ARP reply");

        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);

        var syn = inbox.WaitFor(f => BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(12)) == TestFrames.EtherTypeIpv4 && f[23] == 6, "TCP segment");
        Assert.Equal(Gateway, BinaryPrimitives.ReadUInt32BigEndian(syn.AsSpan(26)));
        Assert.Equal(GuestAddress, BinaryPrimitives.ReadUInt32BigEndian(syn.AsSpan(30)));
        Assert.Equal(22, BinaryPrimitives.ReadUInt16BigEndian(syn.AsSpan(36)));
        Assert.Equal(0x02, syn[47] & 0x12); // SYN, no ACK
    }

    [Fact]
    public void Send_NeverBlocks_AndWhatTheLoopCannotTakeIsDroppedAndCounted()
    {
        var (network, _) = Start();
        using var __ = network;
        var frame = TestFrames.ArpRequest(GuestAddress, 0x0A00_0299);
        const int Frames = 50_000;
        var clock = global::System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < Frames; i++)
        {
            network.Send(frame);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"50,000 sends took {clock.Elapsed}");
        var deadline = DateTime.UtcNow + Timeout;
        while (network.FramesFromGuest + network.DroppedFromGuest < Frames && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        Assert.Equal(Frames, network.FramesFromGuest + network.DroppedFromGuest);
        Assert.True(network.FramesFromGuest >= SlirpNetwork.MaxQueuedFrames);
    }

    private static ushort FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return (ushort)((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
