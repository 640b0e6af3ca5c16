using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// A DHCP client for one interface (RFC 2131): DISCOVER, OFFER, REQUEST, ACK; the lease renewed by
    /// unicast at T1, by broadcast at T2, dropped at its end; NAK or silence starts over. Retransmissions
    /// back off from 2 s to 64 s (RFC 2131 4.1 says 4 s doubling). Driven by <see cref="Poll"/>, which
    /// returns its next deadline; what a lease gives (address, netmask, router, DNS servers) is applied to
    /// the interface through the stack, and <see cref="Version"/> changes each time it is.
    /// </summary>
    public sealed class DhcpClient
    {
        public const ushort ClientPort = 68, ServerPort = 67;
        public const byte Discover = 1, Offer = 2, Request = 3, Decline = 4, Ack = 5, Nak = 6, Release = 7;
        private const int FixedBytes = 236, MinimumMessage = 300;
        private const uint Cookie = 0x63825363;
        private const ulong FirstTimeoutMs = 2_000, MaxTimeoutMs = 64_000, MinRenewRetryMs = 60_000;
        private const int MaxRequests = 4;

        public enum State : byte { Stopped, Selecting, Requesting, Bound, Renewing, Rebinding }

        private readonly NetStack _stack;
        private readonly NetInterface _iface;
        private readonly byte[] _message = new byte[MinimumMessage + 64];
        private readonly uint[] _dns = new uint[3];
        private ulong _deadline, _timeout, _leaseStart, _started;
        private int _attempts;
        private uint _xid;
        private uint _offered, _offerServer;

        public State Current { get; private set; }
        public uint Address { get; private set; }
        public uint Netmask { get; private set; }
        public uint Router { get; private set; }
        public uint Server { get; private set; }
        public uint LeaseSeconds { get; private set; }
        public uint RenewSeconds { get; private set; }
        public uint RebindSeconds { get; private set; }
        public int DnsCount { get; private set; }
        public uint Dns(int i) => _dns[i];
        /// <summary>Counts the leases applied (a new or changed configuration); the kernel logs when it moves.</summary>
        public int Version { get; private set; }

        internal DhcpClient(NetStack stack, NetInterface iface)
        {
            _stack = stack;
            _iface = iface;
        }

        /// <summary>Listening for replies (anything but stopped).</summary>
        public bool Active => Current != State.Stopped;

        public void Start(uint seed, ulong now)
        {
            _xid = seed ^ (uint)_iface.Mac.Value ^ 0x5A5A_0000;
            _started = now;
            Restart(now);
        }

        public void Stop() => Current = State.Stopped;

        private void Restart(ulong now)
        {
            Current = State.Selecting;
            _attempts = 0;
            _timeout = FirstTimeoutMs;
            _xid = _xid * 1103515245 + 12345;
            _started = now;
            SendDiscover();
            _deadline = now + _timeout;
        }

        /// <summary>Retransmissions and the lease's timers; the next deadline.</summary>
        public ulong Poll(ulong now)
        {
            if (Current == State.Stopped)
                return ulong.MaxValue;
            if (now < _deadline)
                return _deadline;
            switch (Current)
            {
                case State.Selecting:
                    Backoff(now);
                    SendDiscover();
                    break;
                case State.Requesting:
                    if (++_attempts >= MaxRequests)
                    {
                        Restart(now);
                        break;
                    }
                    Backoff(now);
                    SendRequest(broadcast: true, selecting: true);
                    break;
                case State.Bound:
                case State.Renewing:
                case State.Rebinding:
                    LeaseTimers(now);
                    break;
            }
            return _deadline;
        }

        private void Backoff(ulong now)
        {
            _timeout = _timeout * 2 > MaxTimeoutMs ? MaxTimeoutMs : _timeout * 2;
            _deadline = now + _timeout;
        }

        private void LeaseTimers(ulong now)
        {
            ulong end = _leaseStart + LeaseSeconds * 1000UL, t1 = _leaseStart + RenewSeconds * 1000UL, t2 = _leaseStart + RebindSeconds * 1000UL;
            if (now >= end)
            {
                _stack.DropLease(_iface);
                Address = 0;
                Version++;
                Restart(now);
                return;
            }
            ulong until;
            if (now >= t2)
            {
                Current = State.Rebinding;
                SendRequest(broadcast: true, selecting: false);
                until = end;
            }
            else if (now >= t1)
            {
                Current = State.Renewing;
                SendRequest(broadcast: false, selecting: false);
                until = t2;
            }
            else
            {
                _deadline = t1;
                return;
            }
            ulong wait = (until - now) / 2;
            if (wait < MinRenewRetryMs)
                wait = MinRenewRetryMs;
            _deadline = now + wait < until ? now + wait : until;
        }

        // ------------------------------------------------------------ messages

        private int Begin(byte type, uint clientAddress)
        {
            Span<byte> m = _message;
            m.Clear();
            m[0] = 1; // BOOTREQUEST
            m[1] = 1; // Ethernet
            m[2] = 6;
            BigEndian.Put32(m, 4, _xid);
            ulong secs = (_stack.Now - _started) / 1000;
            BigEndian.Put16(m, 8, (ushort)(secs > 65535 ? 65535 : secs));
            BigEndian.Put16(m, 10, clientAddress == 0 ? (ushort)0x8000 : (ushort)0); // answer by broadcast while we have no address
            BigEndian.Put32(m, 12, clientAddress);
            _iface.Mac.Write(m, 28);
            BigEndian.Put32(m, FixedBytes, Cookie);
            int o = FixedBytes + 4;
            m[o++] = 53;
            m[o++] = 1;
            m[o++] = type;
            m[o++] = 61; // client identifier: the hardware address
            m[o++] = 7;
            m[o++] = 1;
            _iface.Mac.Write(m, o);
            o += 6;
            m[o++] = 57; // maximum message size
            m[o++] = 2;
            BigEndian.Put16(m, o, 576);
            o += 2;
            m[o++] = 55; // parameters wanted: netmask, router, DNS, host name, domain, broadcast, lease, T1, T2
            m[o++] = 9;
            m[o++] = 1;
            m[o++] = 3;
            m[o++] = 6;
            m[o++] = 12;
            m[o++] = 15;
            m[o++] = 28;
            m[o++] = 51;
            m[o++] = 58;
            m[o++] = 59;
            return o;
        }

        private void Finish(int o, bool broadcast, uint source)
        {
            _message[o++] = 255;
            int length = o < MinimumMessage ? MinimumMessage : o;
            ReadOnlySpan<byte> m = new ReadOnlySpan<byte>(_message, 0, length);
            if (broadcast)
                _stack.SendDhcpBroadcast(_iface, m, source);
            else
                _stack.SendUdp(Address, ClientPort, Server, ServerPort, m);
        }

        private void SendDiscover()
        {
            int o = Begin(Discover, 0);
            Finish(o, broadcast: true, 0);
        }

        private void SendRequest(bool broadcast, bool selecting)
        {
            int o = Begin(Request, selecting ? 0 : Address);
            if (selecting)
            {
                _message[o++] = 50;
                _message[o++] = 4;
                BigEndian.Put32(_message, o, _offered);
                o += 4;
                _message[o++] = 54;
                _message[o++] = 4;
                BigEndian.Put32(_message, o, _offerServer);
                o += 4;
            }
            Finish(o, broadcast, selecting ? 0 : Address);
        }

        /// <summary>A message from a server (UDP 67 to 68), valid only during the call.</summary>
        public void Receive(ReadOnlySpan<byte> m, ulong now)
        {
            if (Current == State.Stopped || Current == State.Bound || m.Length < FixedBytes + 4 || m[0] != 2 || m[1] != 1 || m[2] != 6 ||
                BigEndian.U32(m, 4) != _xid || MacAddress.Read(m, 28).Value != _iface.Mac.Value || BigEndian.U32(m, FixedBytes) != Cookie)
                return;
            byte type = 0;
            uint server = 0, netmask = 0, router = 0, lease = 0, t1 = 0, t2 = 0;
            int dnsCount = 0;
            Span<uint> dns = stackalloc uint[3];
            for (int o = FixedBytes + 4; o < m.Length;)
            {
                byte code = m[o++];
                if (code == 0)
                    continue;
                if (code == 255 || o >= m.Length)
                    break;
                int len = m[o++];
                if (o + len > m.Length)
                    return; // a truncated option: the message is not trusted
                ReadOnlySpan<byte> v = m.Slice(o, len);
                o += len;
                switch (code)
                {
                    case 53 when len == 1: type = v[0]; break;
                    case 54 when len == 4: server = BigEndian.U32(v, 0); break;
                    case 1 when len == 4: netmask = BigEndian.U32(v, 0); break;
                    case 3 when len >= 4: router = BigEndian.U32(v, 0); break;
                    case 51 when len == 4: lease = BigEndian.U32(v, 0); break;
                    case 58 when len == 4: t1 = BigEndian.U32(v, 0); break;
                    case 59 when len == 4: t2 = BigEndian.U32(v, 0); break;
                    case 6:
                        for (int i = 0; i + 4 <= len && dnsCount < dns.Length; i += 4)
                            dns[dnsCount++] = BigEndian.U32(v, i);
                        break;
                }
            }
            uint yiaddr = BigEndian.U32(m, 16);
            if (type == Offer && Current == State.Selecting)
            {
                if (yiaddr == 0 || yiaddr == Ipv4Address.Broadcast || server == 0)
                    return;
                _offered = yiaddr;
                _offerServer = server;
                Current = State.Requesting;
                _attempts = 0;
                _timeout = FirstTimeoutMs;
                SendRequest(broadcast: true, selecting: true);
                _deadline = now + _timeout;
                return;
            }
            if (type == Nak && (Current == State.Requesting || Current == State.Renewing || Current == State.Rebinding))
            {
                if (Address != 0)
                {
                    _stack.DropLease(_iface);
                    Address = 0;
                    Version++;
                }
                Restart(now);
                return;
            }
            if (type != Ack || yiaddr == 0 || (Current == State.Requesting && yiaddr != _offered))
                return;
            if (netmask == 0 || !Ipv4Address.IsValidMask(netmask))
                netmask = Ipv4Address.ClassMask(yiaddr);
            if (lease == 0)
                lease = 3600;
            if (t1 == 0 || t1 >= lease)
                t1 = lease / 2;
            if (t2 == 0 || t2 >= lease || t2 <= t1)
                t2 = (uint)((ulong)lease * 7 / 8);
            bool changed = Address != yiaddr || Netmask != netmask || Router != router;
            Address = yiaddr;
            Netmask = netmask;
            Router = router;
            if (server != 0)
                Server = server;
            else if (Server == 0)
                Server = _offerServer;
            LeaseSeconds = lease;
            RenewSeconds = t1;
            RebindSeconds = t2;
            DnsCount = dnsCount;
            for (int i = 0; i < _dns.Length; i++)
                _dns[i] = i < dnsCount ? dns[i] : 0;
            _leaseStart = now;
            Current = State.Bound;
            _deadline = now + t1 * 1000UL;
            _stack.ApplyLease(_iface, yiaddr, netmask, router, dns.Slice(0, dnsCount));
            if (changed)
                Version++;
        }
    }
}
