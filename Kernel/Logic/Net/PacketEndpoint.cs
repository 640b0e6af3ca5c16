using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// What an AF_PACKET socket holds (Linux's af_packet): its type (SOCK_RAW sees whole frames, SOCK_DGRAM the
    /// payload with the link header in sockaddr_ll), the EtherType it takes (<see cref="EthernetAll"/> for all,
    /// 0 for none), the interface it is bound to (0: all), a classic BPF filter, and a bounded queue of what it
    /// received (frames beyond it dropped and counted). Results are byte counts or negative errno values.
    /// </summary>
    public sealed class PacketEndpoint
    {
        /// <summary>ETH_P_ALL.</summary>
        public const ushort EthernetAll = 0x0003;
        /// <summary>sizeof(struct sockaddr_ll); the length an address with a 6-byte hardware address reports.</summary>
        public const int SockaddrLength = 20, AddressOffset = 12;

        private readonly PacketTaps _taps;
        private DatagramQueue? _queue;
        private byte[]? _filter;

        public readonly bool Raw;
        public ushort Protocol { get; private set; }
        public int Ifindex { get; private set; }
        /// <summary>Frames dropped because the queue was full.</summary>
        public ulong Drops;

        internal PacketEndpoint(PacketTaps taps, bool raw, ushort protocol, int receiveCapacity)
        {
            _taps = taps;
            Raw = raw;
            Protocol = protocol;
            _queue = new DatagramQueue(receiveCapacity);
        }

        public bool Closed => _queue == null;
        public bool Readable => _queue == null || !_queue.IsEmpty;
        public bool HasFilter => _filter != null;
        /// <summary>The next datagram's length as recv would return it whole (FIONREAD), 0 when none.</summary>
        public int NextLength
        {
            get
            {
                if (_queue == null || _queue.IsEmpty)
                    return 0;
                _queue.Peek(out _, out _, out ushort length);
                return length;
            }
        }

        /// <summary>The protocol argument of socket(2) and sll_protocol are in network order: the EtherType they name.</summary>
        public static ushort EtherTypeOf(int networkOrder) => (ushort)((networkOrder & 0xFF) << 8 | (networkOrder >> 8 & 0xFF));

        /// <summary>bind(2) with a sockaddr_ll: -EINVAL (short, or not AF_PACKET), -ENODEV (no such interface).</summary>
        public int Bind(ReadOnlySpan<byte> address)
        {
            if (address.Length < SockaddrLength || LittleEndian.U16(address, 0) != SocketConstants.AF_PACKET)
                return -Errno.EINVAL;
            int ifindex = (int)LittleEndian.U32(address, 4);
            if (ifindex != 0 && _taps.Stack.FindInterface(ifindex) == null)
                return -Errno.ENODEV;
            ushort protocol = BigEndian.U16(address, 2);
            if (protocol != 0)
                Protocol = protocol;
            Ifindex = ifindex;
            return 0;
        }

        /// <summary>getsockname(2): the bound interface's sockaddr_ll; returns its length (12 plus the hardware address).</summary>
        public int LocalName(Span<byte> address)
        {
            address.Slice(0, SockaddrLength).Clear();
            LittleEndian.Put16(address, 0, SocketConstants.AF_PACKET);
            BigEndian.Put16(address, 2, Protocol);
            LittleEndian.Put32(address, 4, (uint)Ifindex);
            NetInterface? iface = Ifindex != 0 ? _taps.Stack.FindInterface(Ifindex) : null;
            if (iface == null)
                return AddressOffset;
            LittleEndian.Put16(address, 8, iface.IsLoopback ? InterfaceIoctl.HardwareLoopback : InterfaceIoctl.HardwareEther);
            address[11] = 6;
            iface.Mac.Write(address, AddressOffset);
            return AddressOffset + 6;
        }

        /// <summary>SO_ATTACH_FILTER with a program <see cref="ClassicBpf.Validate"/> accepted; the endpoint owns it from now on.</summary>
        public void AttachFilter(byte[] program)
        {
            if (_filter != null)
                Owned.Free(_filter);
            _filter = program;
        }

        /// <summary>SO_DETACH_FILTER: -ENOENT when none is attached.</summary>
        public int DetachFilter()
        {
            if (_filter == null)
                return -Errno.ENOENT;
            Owned.Free(_filter);
            _filter = null;
            return 0;
        }

        /// <summary>
        /// sendto(2): to the sockaddr_ll in <paramref name="address"/> (empty: the bound interface and protocol, with
        /// a broadcast destination for SOCK_DGRAM). The byte count or a negative errno.
        /// </summary>
        public int Send(ReadOnlySpan<byte> data, ReadOnlySpan<byte> address)
        {
            if (_queue == null)
                return -Errno.EBADF;
            int ifindex = Ifindex;
            ushort protocol = Protocol;
            MacAddress destination = MacAddress.Broadcast;
            if (address.Length > 0)
            {
                if (address.Length < AddressOffset || LittleEndian.U16(address, 0) != SocketConstants.AF_PACKET)
                    return -Errno.EINVAL;
                int halen = address[11];
                if (address.Length < AddressOffset + halen)
                    return -Errno.EINVAL;
                ifindex = (int)LittleEndian.U32(address, 4);
                protocol = BigEndian.U16(address, 2);
                if (!Raw)
                {
                    if (halen < 6)
                        return -Errno.EINVAL;
                    destination = MacAddress.Read(address, AddressOffset);
                }
            }
            else if (!Raw)
                return -Errno.EINVAL; // Linux needs the destination for a link header
            if (ifindex == 0)
                return -Errno.ENXIO;
            return _taps.Send(this, ifindex, !Raw, destination, protocol, data);
        }

        /// <summary>
        /// recvfrom(2): the next frame (SOCK_RAW) or its payload (SOCK_DGRAM) into <paramref name="buffer"/>, its real
        /// length in <paramref name="fullLength"/>, and the sockaddr_ll (source, protocol, interface, packet type) into
        /// <paramref name="address"/> (room for <see cref="SockaddrLength"/>) with its length. -EAGAIN when none.
        /// </summary>
        public int Receive(Span<byte> buffer, Span<byte> address, bool peek, out int fullLength, out int addressLength)
        {
            fullLength = 0;
            addressLength = 0;
            if (_queue == null)
                return -Errno.EBADF;
            if (_queue.IsEmpty)
                return -Errno.EAGAIN;
            // Each record is the frame (at least its link header) and, as its extra word, how much of it recv gives.
            ReadOnlySpan<byte> frame = _queue.Peek(out uint ifindex, out ushort type, out ushort length);
            ReadOnlySpan<byte> d = frame.Slice(Raw ? 0 : Ethernet.HeaderLength, length);
            fullLength = d.Length;
            int n = d.Length < buffer.Length ? d.Length : buffer.Length;
            d.Slice(0, n).CopyTo(buffer);
            if (address.Length >= SockaddrLength)
            {
                address.Slice(0, SockaddrLength).Clear();
                LittleEndian.Put16(address, 0, SocketConstants.AF_PACKET);
                address[2] = frame[12];
                address[3] = frame[13];
                LittleEndian.Put32(address, 4, ifindex);
                LittleEndian.Put16(address, 8, InterfaceIoctl.HardwareEther);
                address[10] = (byte)type;
                address[11] = 6;
                frame.Slice(6, 6).CopyTo(address.Slice(AddressOffset));
                addressLength = AddressOffset + 6;
            }
            if (!peek)
                _queue.Dequeue();
            return n;
        }

        /// <summary>A frame seen on <paramref name="iface"/>: queued when the protocol, the interface and the filter take it.</summary>
        internal void Offer(NetInterface iface, ReadOnlySpan<byte> frame, byte packetType)
        {
            if (_queue == null || Protocol == 0 || (Ifindex != 0 && Ifindex != iface.Index))
                return;
            ushort etherType = Ethernet.Type(frame);
            if (Protocol != EthernetAll && Protocol != etherType)
                return;
            int offset = Raw ? 0 : Ethernet.HeaderLength;
            int keep = frame.Length - offset;
            if (_filter != null)
            {
                var context = new ClassicBpf.Context
                {
                    Protocol = (ushort)(etherType >> 8 | (etherType & 0xFF) << 8),
                    PacketType = packetType,
                    Ifindex = iface.Index,
                    HardwareType = InterfaceIoctl.HardwareEther,
                };
                uint snap = ClassicBpf.Run(_filter, frame, offset, Ethernet.HeaderLength, in context);
                if (snap == 0)
                    return;
                if (snap < (uint)keep)
                    keep = (int)snap;
            }
            int stored = offset + keep < Ethernet.HeaderLength ? Ethernet.HeaderLength : offset + keep;
            if (!_queue.Enqueue(frame.Slice(0, stored), (uint)iface.Index, packetType, (ushort)keep))
            {
                Drops++;
                return;
            }
            _taps.Stack.Wake(this);
        }

        /// <summary>close(2): frees the queue and the filter; the endpoint takes nothing more.</summary>
        public void Close()
        {
            if (!DatagramQueue.Release(ref _queue))
                return;
            if (_filter != null)
                Owned.Free(_filter);
            _filter = null;
            _taps.Remove(this);
            _taps.Stack.Wake(this);
        }
    }
}
