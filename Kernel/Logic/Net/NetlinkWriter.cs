using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// Builds netlink messages into a buffer: <see cref="Begin"/> a message, add its fixed header's bytes and
    /// attributes, <see cref="End"/> it (which writes its length). What does not fit sets <see cref="Overflow"/>
    /// and is not written; a message left unfinished by an overflow is dropped with <see cref="Cancel"/>.
    /// </summary>
    public ref struct NetlinkWriter
    {
        private readonly Span<byte> _buffer;
        private int _start;

        public int Length;
        public bool Overflow;

        public NetlinkWriter(Span<byte> buffer)
        {
            _buffer = buffer;
            _start = 0;
            Length = 0;
            Overflow = false;
        }

        public ReadOnlySpan<byte> Written => _buffer.Slice(0, Length);

        /// <summary>Starts a message with its nlmsghdr (the length is written by <see cref="End"/>).</summary>
        public void Begin(ushort type, ushort flags, uint sequence, uint portId)
        {
            _start = Length;
            Span<byte> h = Reserve(Netlink.HeaderLength);
            if (h.IsEmpty)
                return;
            LittleEndian.Put16(h, 4, type);
            LittleEndian.Put16(h, 6, flags);
            LittleEndian.Put32(h, 8, sequence);
            LittleEndian.Put32(h, 12, portId);
        }

        /// <summary>Room for <paramref name="length"/> bytes (zeroed, padded to 4); empty when it does not fit.</summary>
        public Span<byte> Reserve(int length)
        {
            int aligned = Netlink.Align(length);
            if (Overflow || _buffer.Length - Length < aligned)
            {
                Overflow = true;
                return Span<byte>.Empty;
            }
            Span<byte> s = _buffer.Slice(Length, aligned);
            s.Clear();
            Length += aligned;
            return s.Slice(0, length);
        }

        public void Bytes(scoped ReadOnlySpan<byte> data)
        {
            Span<byte> s = Reserve(data.Length);
            if (!s.IsEmpty)
                data.CopyTo(s);
        }

        public void Attribute(ushort type, scoped ReadOnlySpan<byte> value)
        {
            Span<byte> s = Reserve(Netlink.AttributeHeader + value.Length);
            if (s.IsEmpty)
                return;
            LittleEndian.Put16(s, 0, (ushort)(Netlink.AttributeHeader + value.Length));
            LittleEndian.Put16(s, 2, type);
            value.CopyTo(s.Slice(Netlink.AttributeHeader));
        }

        public void U8(ushort type, byte value)
        {
            Span<byte> v = stackalloc byte[1];
            v[0] = value;
            Attribute(type, v);
        }

        public void U32(ushort type, uint value)
        {
            Span<byte> v = stackalloc byte[4];
            LittleEndian.Put32(v, 0, value);
            Attribute(type, v);
        }

        /// <summary>An IPv4 address (host order in, network order on the wire).</summary>
        public void Address(ushort type, uint address)
        {
            Span<byte> v = stackalloc byte[4];
            BigEndian.Put32(v, 0, address);
            Attribute(type, v);
        }

        /// <summary>A NUL-terminated string attribute.</summary>
        public void Text(ushort type, scoped ReadOnlySpan<byte> text)
        {
            Span<byte> s = Reserve(Netlink.AttributeHeader + text.Length + 1);
            if (s.IsEmpty)
                return;
            LittleEndian.Put16(s, 0, (ushort)(Netlink.AttributeHeader + text.Length + 1));
            LittleEndian.Put16(s, 2, type);
            text.CopyTo(s.Slice(Netlink.AttributeHeader));
        }

        /// <summary>Finishes the message begun last: writes its length (unaligned, as Linux's nlmsg_end).</summary>
        public void End()
        {
            if (Overflow)
                return;
            LittleEndian.Put32(_buffer, _start, (uint)(Length - _start));
        }

        /// <summary>Drops the message begun last (after an overflow, the buffer ends before it).</summary>
        public void Cancel()
        {
            Length = _start;
            Overflow = false;
        }

        /// <summary>An NLMSG_ERROR message: <paramref name="error"/> (0 for an acknowledgement, else -errno) and the request's header, or the whole request for an error.</summary>
        public void Error(int error, scoped ReadOnlySpan<byte> request, uint portId)
        {
            bool capped = error == 0;
            ReadOnlySpan<byte> quoted = capped ? request.Slice(0, Netlink.HeaderLength) : request;
            Begin(Netlink.NLMSG_ERROR, capped ? Netlink.NLM_F_CAPPED : (ushort)0, Netlink.Sequence(request), portId);
            Span<byte> e = Reserve(4);
            if (!e.IsEmpty)
                LittleEndian.Put32(e, 0, (uint)error);
            Bytes(quoted);
            End();
        }

        /// <summary>The NLMSG_DONE that ends a dump (its payload an int 0).</summary>
        public void Done(uint sequence, uint portId)
        {
            Begin(Netlink.NLMSG_DONE, Netlink.NLM_F_MULTI, sequence, portId);
            Reserve(4);
            End();
        }
    }
}
