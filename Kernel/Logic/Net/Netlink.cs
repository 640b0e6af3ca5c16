using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// Netlink's wire format (include/uapi/linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h): a 16-byte
    /// nlmsghdr {u32 len; u16 type; u16 flags; u32 seq; u32 pid} before each message, attributes as
    /// {u16 len; u16 type} and their data, everything aligned to 4 bytes, in host (little-endian) order.
    /// </summary>
    public static class Netlink
    {
        public const int NETLINK_ROUTE = 0;
        public const int HeaderLength = 16, AttributeHeader = 4;
        /// <summary>sizeof(struct sockaddr_nl): family, pad, pid, groups.</summary>
        public const int SockaddrLength = 12;

        public const ushort NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_MIN_TYPE = 0x10;
        public const ushort NLM_F_REQUEST = 1, NLM_F_MULTI = 2, NLM_F_ACK = 4, NLM_F_ECHO = 8, NLM_F_ROOT = 0x100,
            NLM_F_MATCH = 0x200, NLM_F_DUMP = 0x300, NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400,
            NLM_F_APPEND = 0x800, NLM_F_CAPPED = 0x100;

        public const ushort RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19, RTM_NEWADDR = 20,
            RTM_DELADDR = 21, RTM_GETADDR = 22, RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26, RTM_MAX = 123;

        /// <summary>struct ifinfomsg, ifaddrmsg and rtmsg sizes.</summary>
        public const int IfinfoLength = 16, IfaddrLength = 8, RtmsgLength = 12;

        public const ushort IFLA_ADDRESS = 1, IFLA_BROADCAST = 2, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_QDISC = 6, IFLA_STATS = 7,
            IFLA_TXQLEN = 13, IFLA_MAP = 14, IFLA_OPERSTATE = 16, IFLA_LINKMODE = 17, IFLA_STATS64 = 23, IFLA_GROUP = 27,
            IFLA_PROMISCUITY = 30, IFLA_NUM_TX_QUEUES = 31, IFLA_NUM_RX_QUEUES = 32, IFLA_CARRIER = 33, IFLA_MIN_MTU = 50,
            IFLA_MAX_MTU = 51;
        public const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4, IFA_CACHEINFO = 6, IFA_FLAGS = 8;
        public const ushort RTA_DST = 1, RTA_SRC = 2, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_TABLE = 15;

        public const byte IF_OPER_UNKNOWN = 0, IF_OPER_DOWN = 2, IF_OPER_UP = 6;
        public const byte IFA_F_PERMANENT = 0x80;
        public const byte RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254;
        public const byte RT_TABLE_UNSPEC = 0, RT_TABLE_MAIN = 254;
        public const byte RTPROT_KERNEL = 2, RTPROT_BOOT = 3;
        public const byte RTN_UNICAST = 1;

        public static int Align(int length) => (length + 3) & ~3;

        public static uint Length(ReadOnlySpan<byte> m) => LittleEndian.U32(m, 0);
        public static ushort Type(ReadOnlySpan<byte> m) => LittleEndian.U16(m, 4);
        public static ushort Flags(ReadOnlySpan<byte> m) => LittleEndian.U16(m, 6);
        public static uint Sequence(ReadOnlySpan<byte> m) => LittleEndian.U32(m, 8);
        public static uint PortId(ReadOnlySpan<byte> m) => LittleEndian.U32(m, 12);

        /// <summary>
        /// The next whole message of <paramref name="buffer"/> at <paramref name="offset"/> (advanced past it, aligned):
        /// false at the end or at a malformed header (Linux stops there and ignores the rest).
        /// </summary>
        public static bool NextMessage(ReadOnlySpan<byte> buffer, ref int offset, out ReadOnlySpan<byte> message)
        {
            message = default;
            if (buffer.Length - offset < HeaderLength)
                return false;
            uint length = LittleEndian.U32(buffer, offset);
            if (length < HeaderLength || length > (uint)(buffer.Length - offset))
                return false;
            message = buffer.Slice(offset, (int)length);
            offset += Align((int)length);
            if (offset > buffer.Length)
                offset = buffer.Length;
            return true;
        }

        /// <summary>
        /// Finds attribute <paramref name="type"/> among the attributes in <paramref name="attributes"/> (the nested
        /// flag bits ignored); false when absent or when the attributes are malformed before it.
        /// </summary>
        public static bool FindAttribute(ReadOnlySpan<byte> attributes, ushort type, out ReadOnlySpan<byte> value)
        {
            value = default;
            int at = 0;
            while (attributes.Length - at >= AttributeHeader)
            {
                int length = LittleEndian.U16(attributes, at);
                if (length < AttributeHeader || length > attributes.Length - at)
                    return false;
                if ((LittleEndian.U16(attributes, at + 2) & 0x3FFF) == type)
                {
                    value = attributes.Slice(at + AttributeHeader, length - AttributeHeader);
                    return true;
                }
                at += Align(length);
            }
            return false;
        }

        /// <summary>A u32 attribute (false when absent or shorter than 4 bytes).</summary>
        public static bool FindU32(ReadOnlySpan<byte> attributes, ushort type, out uint value)
        {
            value = 0;
            if (!FindAttribute(attributes, type, out ReadOnlySpan<byte> v) || v.Length < 4)
                return false;
            value = LittleEndian.U32(v, 0);
            return true;
        }

        /// <summary>An IPv4 address attribute (network order on the wire; host order out).</summary>
        public static bool FindAddress(ReadOnlySpan<byte> attributes, ushort type, out uint address)
        {
            address = 0;
            if (!FindAttribute(attributes, type, out ReadOnlySpan<byte> v) || v.Length < 4)
                return false;
            address = BigEndian.U32(v, 0);
            return true;
        }

        /// <summary>A string attribute without its terminating NUL (and nothing after one).</summary>
        public static ReadOnlySpan<byte> Text(ReadOnlySpan<byte> value)
        {
            int n = 0;
            while (n < value.Length && value[n] != 0)
                n++;
            return value.Slice(0, n);
        }
    }
}
