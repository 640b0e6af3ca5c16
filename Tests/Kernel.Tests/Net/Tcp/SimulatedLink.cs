using Kernel.Logic.Net;
using Kernel.Logic.Net.Tcp;

namespace Kernel.Tests.Net.Tcp;

/// <summary>
/// Two TCP stacks (A at 10.0.0.1, B at 10.0.0.2) joined by a simulated link with virtual time,
/// delay, jitter (which reorders), loss, duplication and a drop filter. Every segment put on the
/// link is logged with its send time.
/// </summary>
internal sealed class SimulatedLink
{
    public const uint AddressA = 0x0A000001, AddressB = 0x0A000002;

    public sealed record Sent(ulong Time, bool FromA, byte[] Bytes, bool Dropped)
    {
        public byte Flags => Bytes[13];
        public uint SeqNum => (uint)(Bytes[4] << 24 | Bytes[5] << 16 | Bytes[6] << 8 | Bytes[7]);
        public uint AckNum => (uint)(Bytes[8] << 24 | Bytes[9] << 16 | Bytes[10] << 8 | Bytes[11]);
        public ushort Window => (ushort)(Bytes[14] << 8 | Bytes[15]);
        public int PayloadLength => Bytes.Length - (Bytes[12] >> 4) * 4;
        public bool Has(byte flag) => (Flags & flag) != 0;
    }

    private sealed class Host : IIpSender
    {
        private readonly SimulatedLink _link;
        private readonly bool _isA;
        public int Mtu = 1500;

        public Host(SimulatedLink link, bool isA)
        {
            _link = link;
            _isA = isA;
        }

        public int SendIp(uint source, uint destination, byte protocol, ReadOnlySpan<byte> payload)
        {
            Assert.Equal(IpProtocol.Tcp, protocol);
            Assert.Equal(_isA ? AddressA : AddressB, source);
            _link.Put(_isA, destination, payload.ToArray());
            return 0;
        }

        public uint SourceFor(uint destination) => destination == AddressA || destination == AddressB ? (_isA ? AddressA : AddressB) : 0;

        public int MtuFor(uint destination) => SourceFor(destination) == 0 ? 0 : Mtu;
    }

    private sealed class SeededRandom(int seed) : ITcpRandom
    {
        private readonly Random _random = new(seed);

        public uint NextUInt32() => (uint)_random.NextInt64(0, 1L << 32);
    }

    public sealed class WakeLog : INetWaker
    {
        public readonly List<object> Channels = new();

        public void Wake(object channel) => Channels.Add(channel);
    }

    private readonly Host _hostA, _hostB;
    private readonly List<(ulong At, bool FromA, byte[] Bytes)> _inFlight = new();
    private readonly Random _random;

    public readonly TcpStack A, B;
    public readonly WakeLog Wakes = new();
    public readonly List<Sent> Log = new();
    public ulong Now = 1000;
    public ulong DelayMs = 1;
    public ulong JitterMs;
    public double Loss, Duplication;
    /// <summary>Drops segments for which it returns true (in addition to random loss).</summary>
    public Func<Sent, bool>? Drop;
    /// <summary>Runs at every step (the applications).</summary>
    public Action? Applications;
    public bool KeepLog = true;
    /// <summary>Segments due at the same moment reach each host as one batch (BeginBatch/EndBatch), as the kernel's net thread hands over a card's frames.</summary>
    public bool BatchReceives;

    public SimulatedLink(int seed = 1)
    {
        _random = new Random(seed);
        _hostA = new Host(this, true);
        _hostB = new Host(this, false);
        A = new TcpStack(_hostA, new SeededRandom(seed * 2 + 1), Wakes);
        B = new TcpStack(_hostB, new SeededRandom(seed * 2 + 2), Wakes);
    }

    public int MtuA { set => _hostA.Mtu = value; }
    public int MtuB { set => _hostB.Mtu = value; }

    private void Put(bool fromA, uint destination, byte[] bytes)
    {
        var sent = new Sent(Now, fromA, bytes, false);
        bool dropped = destination != (fromA ? AddressB : AddressA) || (Drop?.Invoke(sent) ?? false)
            || (Loss > 0 && _random.NextDouble() < Loss);
        if (KeepLog || dropped)
            Log.Add(sent with { Dropped = dropped });
        if (dropped)
            return;
        int copies = Duplication > 0 && _random.NextDouble() < Duplication ? 2 : 1;
        for (int i = 0; i < copies; i++)
        {
            ulong jitter = JitterMs == 0 ? 0 : (ulong)_random.NextInt64(0, (long)JitterMs + 1);
            _inFlight.Add((Now + DelayMs + jitter, fromA, bytes));
        }
    }

    /// <summary>Injects raw bytes as if sent by the other host (no loss, no delay).</summary>
    public void Inject(bool toA, byte[] bytes)
    {
        if (toA)
            A.Receive(AddressB, AddressA, bytes, Now);
        else
            B.Receive(AddressA, AddressB, bytes, Now);
    }

    /// <summary>Advances virtual time, delivering segments and running timers, until <paramref name="done"/> holds or <paramref name="limitMs"/> from now passes. Returns whether done.</summary>
    public bool RunUntil(Func<bool> done, ulong limitMs = 600_000)
    {
        ulong end = Now + limitMs;
        while (true)
        {
            ulong nextA = A.Poll(Now), nextB = B.Poll(Now);
            Applications?.Invoke();
            if (done())
                return true;
            ulong next = Math.Min(nextA, nextB);
            foreach (var p in _inFlight)
                next = Math.Min(next, p.At);
            if (Applications != null)
                next = Math.Min(next, Now + 1);
            if (next > end)
            {
                Now = end;
                A.Poll(Now);
                B.Poll(Now);
                return done();
            }
            if (next > Now)
                Now = next;
            if (BatchReceives)
            {
                A.BeginBatch();
                B.BeginBatch();
            }
            for (int i = 0; i < _inFlight.Count; i++)
            {
                var p = _inFlight[i];
                if (p.At > Now)
                    continue;
                _inFlight.RemoveAt(i--);
                if (p.FromA)
                    B.Receive(AddressA, AddressB, p.Bytes, Now);
                else
                    A.Receive(AddressB, AddressA, p.Bytes, Now);
            }
            if (BatchReceives)
            {
                A.EndBatch();
                B.EndBatch();
            }
        }
    }

    /// <summary>Runs for <paramref name="ms"/> of virtual time.</summary>
    public void Run(ulong ms) => RunUntil(() => false, ms);

    /// <summary>A listener on B port <paramref name="port"/> and a connection from A; returns (client on A, accepted socket on B).</summary>
    public (TcpSocket Client, TcpSocket Server, TcpSocket Listener) Connect(ushort port = 80, Action<TcpSocket>? configure = null)
    {
        TcpSocket listener = B.CreateSocket();
        configure?.Invoke(listener);
        Assert.Equal(0, listener.Bind(0, port));
        Assert.Equal(0, listener.Listen(16));
        TcpSocket client = A.CreateSocket();
        configure?.Invoke(client);
        Assert.Equal(-Kernel.Logic.Errno.EINPROGRESS, client.Connect(AddressB, port, Now));
        TcpSocket? server = null;
        Assert.True(RunUntil(() => client.State == TcpState.Established && listener.Accept(out server) == 0, 10_000));
        Assert.NotNull(server);
        return (client, server!, listener);
    }
}
