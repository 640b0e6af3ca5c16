using System;

namespace Kernel.Logic.Net.Tcp
{
    /// <summary>
    /// The TCP layer: the table of sockets (bound, listening, connecting, connected, in TIME_WAIT),
    /// demultiplexing of received segments, resets for segments nobody wants, ephemeral ports and the
    /// timers. Not thread-safe: the kernel serialises every call on one network lock. Times are the
    /// caller's monotonic milliseconds. The stack owns every socket in its table and every socket the
    /// user closed; a socket the user holds is freed by <see cref="TcpSocket.Close"/>.
    /// </summary>
    public sealed class TcpStack
    {
        public const ushort EphemeralFirst = 32768, EphemeralLast = 60999;
        /// <summary>What <see cref="Poll"/> returns when no timer is armed.</summary>
        public const ulong NoDeadline = ulong.MaxValue;
        private const int MaxHeader = 60;

        internal readonly IIpSender Ip;
        internal readonly ITcpRandom Random;
        internal readonly INetWaker Waker;
        private readonly byte[] _scratch = new byte[MaxHeader + 65536];
        private TcpSocket?[] _sockets = new TcpSocket?[16];
        private int _count;
        private TcpSocket?[] _graveyard = new TcpSocket?[8];
        private int _buried;
        private ulong _reportedDeadline = NoDeadline;

        public TcpStack(IIpSender ip, ITcpRandom random, INetWaker waker)
        {
            Ip = ip;
            Random = random;
            Waker = waker;
        }

        /// <summary>Sockets in the table (for /proc/net/tcp): bound, listening, connecting, connected or waiting to close.</summary>
        public int Count => _count;

        /// <summary>Inside <see cref="BeginBatch"/> ... <see cref="EndBatch"/>.</summary>
        internal bool Batching { get; private set; }

        /// <summary>
        /// A batch of frames from a card begins: ACKs owed only for the amount of data received (every second
        /// full segment) wait for <see cref="EndBatch"/>, which sends one per connection for the whole batch,
        /// as Linux acknowledges a GRO aggregate once. ACKs for holes, FINs and duplicates still go at once.
        /// </summary>
        public void BeginBatch() => Batching = true;

        /// <summary>The batch ended: each connection sends the ACK it held, if any.</summary>
        public void EndBatch()
        {
            Batching = false;
            for (int i = 0; i < _count; i++)
                _sockets[i]!.FlushDeferredAck();
        }

        public TcpSocket SocketAt(int index) => _sockets[index]!;

        /// <summary>socket(AF_INET, SOCK_STREAM, 0): a new closed, unbound socket the caller holds.</summary>
        public TcpSocket CreateSocket() => new TcpSocket(this);

        /// <summary>A TCP segment from IPv4 (the datagram's payload) addressed to this host.</summary>
        public void Receive(uint source, uint destination, ReadOnlySpan<byte> bytes, ulong nowMs)
        {
            if (!TcpSegment.TryParse(source, destination, bytes, out TcpSegment segment))
                return;
            TcpSocket? socket = FindConnection(destination, segment.DestinationPort, source, segment.SourcePort);
            if (socket != null && socket.State == TcpState.TimeWait && segment.Has(TcpFlags.SYN) && !segment.Has(TcpFlags.ACK)
                && !segment.Has(TcpFlags.RST) && Seq.Gt(segment.SequenceNumber, socket.ReceiveNext))
            {
                // RFC 1122 4.2.2.13: a new SYN above the old connection's sequence space ends TIME_WAIT.
                socket.Terminate(0, nowMs);
                socket = null;
            }
            socket ??= FindListener(destination, segment.DestinationPort);
            if (socket == null)
                SendResetFor(source, destination, ref segment);
            else
                socket.Input(ref segment, source, destination, nowMs);
            Reap();
        }

        /// <summary>
        /// Runs the timers due at <paramref name="nowMs"/> and returns the next deadline (or
        /// <see cref="NoDeadline"/>). When a call arms an earlier timer, the stack wakes the channel
        /// <c>this</c> through <see cref="INetWaker"/> so that the kernel's network thread polls sooner.
        /// </summary>
        public ulong Poll(ulong nowMs)
        {
            for (int i = _count - 1; i >= 0; i--)
            {
                if (i < _count)
                    _sockets[i]!.OnTimer(nowMs);
            }
            Reap();
            ulong next = NoDeadline;
            for (int i = 0; i < _count; i++)
                next = Math.Min(next, _sockets[i]!.NextDeadline);
            _reportedDeadline = next;
            return next;
        }

        internal void Wake(object channel) => Waker.Wake(channel);

        internal void NoteDeadline(ulong at)
        {
            if (at < _reportedDeadline)
            {
                _reportedDeadline = at;
                Waker.Wake(this);
            }
        }

        internal void Add(TcpSocket socket)
        {
            if (_count == _sockets.Length)
            {
                var bigger = new TcpSocket?[_count * 2];
                Array.Copy(_sockets, 0, bigger, 0, _count);
                Owned.Free(_sockets);
                _sockets = bigger;
            }
            _sockets[_count++] = socket;
        }

        internal void Remove(TcpSocket socket)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_sockets[i] == socket)
                {
                    _sockets[i] = _sockets[_count - 1];
                    _sockets[--_count] = null;
                    return;
                }
            }
        }

        /// <summary>Queues a socket nobody holds any more to be freed when the current call ends.</summary>
        internal void Bury(TcpSocket socket)
        {
            if (_buried == _graveyard.Length)
            {
                var bigger = new TcpSocket?[_buried * 2];
                Array.Copy(_graveyard, 0, bigger, 0, _buried);
                Owned.Free(_graveyard);
                _graveyard = bigger;
            }
            _graveyard[_buried++] = socket;
        }

        internal void Reap()
        {
            while (_buried > 0)
            {
                TcpSocket s = _graveyard[--_buried]!;
                _graveyard[_buried] = null;
                s.FreeStorage();
                Owned.Free(s);
            }
        }

        internal TcpSocket? FindConnection(uint localAddress, ushort localPort, uint remoteAddress, ushort remotePort)
        {
            for (int i = 0; i < _count; i++)
            {
                TcpSocket s = _sockets[i]!;
                if (s.LocalPort == localPort && s.RemotePort == remotePort && s.RemoteAddress == remoteAddress
                    && s.LocalAddress == localAddress && s.State != TcpState.Closed && s.State != TcpState.Listen)
                    return s;
            }
            return null;
        }

        private TcpSocket? FindListener(uint localAddress, ushort localPort)
        {
            TcpSocket? wildcard = null;
            for (int i = 0; i < _count; i++)
            {
                TcpSocket s = _sockets[i]!;
                if (s.State != TcpState.Listen || s.LocalPort != localPort)
                    continue;
                if (s.LocalAddress == localAddress)
                    return s;
                if (s.LocalAddress == 0)
                    wildcard = s;
            }
            return wildcard;
        }

        /// <summary>Whether binding <paramref name="me"/> to address:port clashes with another socket (Linux's bind conflict rules, simplified).</summary>
        internal bool PortConflict(TcpSocket me, uint address, ushort port, bool listening)
        {
            for (int i = 0; i < _count; i++)
            {
                TcpSocket s = _sockets[i]!;
                if (s == me || s.LocalPort != port || !s.Bound)
                    continue;
                if (s.LocalAddress != 0 && address != 0 && s.LocalAddress != address)
                    continue;
                if (listening)
                {
                    if (s.State == TcpState.Listen)
                        return true;
                    continue;
                }
                if (me.ReuseAddress && (s.State == TcpState.TimeWait || (s.ReuseAddress && s.State != TcpState.Listen)))
                    continue;
                return true;
            }
            return false;
        }

        /// <summary>A free port in 32768..60999 (Linux's ip_local_port_range), starting at a random one; 0 when all are taken.</summary>
        internal ushort EphemeralPort()
        {
            const int range = EphemeralLast - EphemeralFirst + 1;
            int start = (int)(Random.NextUInt32() % range);
            for (int i = 0; i < range; i++)
            {
                ushort port = (ushort)(EphemeralFirst + (start + i) % range);
                if (!PortUsed(port))
                    return port;
            }
            return 0;
        }

        private bool PortUsed(ushort port)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_sockets[i]!.LocalPort == port)
                    return true;
            }
            return false;
        }

        /// <summary>Builds a segment (header, options, data from <paramref name="data"/>) and hands it to IPv4.</summary>
        internal void Transmit(uint source, uint destination, ushort sourcePort, ushort destinationPort, uint seq, uint ack,
            byte flags, ushort window, int mssOption, int windowScaleOption, ByteRing? data, int dataOffset, int length)
        {
            Span<byte> b = _scratch;
            int header = TcpSegment.HeaderLength + (mssOption > 0 ? 4 : 0) + (windowScaleOption >= 0 ? 4 : 0);
            int total = header + length;
            BigEndian.Put16(b, 0, sourcePort);
            BigEndian.Put16(b, 2, destinationPort);
            BigEndian.Put32(b, 4, seq);
            BigEndian.Put32(b, 8, ack);
            b[12] = (byte)(header / 4 << 4);
            b[13] = flags;
            BigEndian.Put16(b, 14, window);
            BigEndian.Put16(b, 16, 0);
            BigEndian.Put16(b, 18, 0);
            int o = TcpSegment.HeaderLength;
            if (mssOption > 0)
            {
                b[o] = 2;
                b[o + 1] = 4;
                BigEndian.Put16(b, o + 2, (ushort)mssOption);
                o += 4;
            }
            if (windowScaleOption >= 0)
            {
                b[o] = 1;
                b[o + 1] = 3;
                b[o + 2] = 3;
                b[o + 3] = (byte)windowScaleOption;
                o += 4;
            }
            if (length > 0)
                data!.CopyOut(dataOffset, b.Slice(header, length));
            uint sum = InternetChecksum.PseudoHeader(source, destination, IpProtocol.Tcp, total);
            BigEndian.Put16(b, 16, InternetChecksum.Finish(InternetChecksum.Add(sum, b.Slice(0, total))));
            Ip.SendIp(source, destination, IpProtocol.Tcp, b.Slice(0, total));
        }

        /// <summary>RFC 9293 3.10.7.1: the reset answering a segment for which no socket exists.</summary>
        private void SendResetFor(uint source, uint destination, ref TcpSegment segment)
        {
            if (segment.Has(TcpFlags.RST))
                return;
            if (segment.Has(TcpFlags.ACK))
                Transmit(destination, source, segment.DestinationPort, segment.SourcePort, segment.AckNumber, 0, TcpFlags.RST, 0, 0, -1, null, 0, 0);
            else
                Transmit(destination, source, segment.DestinationPort, segment.SourcePort, 0, segment.SequenceNumber + (uint)segment.SequenceLength,
                    TcpFlags.RST | TcpFlags.ACK, 0, 0, -1, null, 0, 0);
        }
    }
}
