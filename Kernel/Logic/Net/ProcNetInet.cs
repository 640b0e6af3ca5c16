using Kernel.Logic.Net.Tcp;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// /proc/net/tcp and /proc/net/udp in Linux's formats (what busybox netstat reads): one line per
    /// socket, addresses as the hexadecimal of the network-order word read on a little-endian machine
    /// (127.0.0.1 is 0100007F), ports in hexadecimal, the state as Linux numbers it, the queues, uid and
    /// inode (0 for a socket its user closed). TCP lines are padded to 149 columns, UDP lines to 127. The
    /// timer columns are zero (not kept).
    /// </summary>
    public static class ProcNetInet
    {
        private const int TcpWidth = 149, UdpWidth = 127;

        public static void RenderTcp(TcpStack? tcp, ref TextBuilder t)
        {
            int start = t.Length;
            t.Append("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"u8);
            Pad(ref t, start, TcpWidth);
            if (tcp == null)
                return;
            for (int i = 0; i < tcp.Count; i++)
            {
                TcpSocket s = tcp.SocketAt(i);
                start = t.Length;
                Line(ref t, i, s.LocalAddress, s.LocalPort, s.RemoteAddress, s.RemotePort, (int)s.State,
                    s.SendQueueBytes, s.ReceiveQueueBytes, s.OwnerUid, s.OwnerInode);
                if (s.State == TcpState.TimeWait)
                    t.Append(" 3 0000000000000000"u8);
                else
                    t.Append(" 1 0000000000000000 100 0 0 10 0"u8);
                Pad(ref t, start, TcpWidth);
            }
        }

        public static void RenderUdp(NetStack? stack, ref TextBuilder t)
        {
            int start = t.Length;
            t.Append("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops"u8);
            Pad(ref t, start, UdpWidth);
            if (stack == null)
                return;
            int line = 0;
            for (int i = 0; i < stack.UdpSlots; i++)
            {
                UdpSocket? s = stack.UdpAt(i);
                if (s == null || !s.Bound)
                    continue;
                start = t.Length;
                t.Append((byte)' ');
                Line(ref t, line++, s.LocalAddress, s.LocalPort, s.RemoteAddress, s.RemotePort,
                    s.Connected ? (int)TcpState.Established : (int)TcpState.Closed, 0, s.NextDatagramLength, s.OwnerUid, s.OwnerInode);
                t.Append(" 2 0000000000000000 "u8);
                t.Decimal(s.Drops);
                Pad(ref t, start, UdpWidth);
            }
        }

        /// <summary>/proc/net/tcp6 without IPv6: the header alone (busybox netstat reads it after tcp and complains when it is missing).</summary>
        public static void RenderTcp6Header(ref TextBuilder t)
            => t.Append("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"u8);

        public static void RenderUdp6Header(ref TextBuilder t)
            => t.Append("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"u8);

        private static void Line(ref TextBuilder t, int index, uint local, ushort localPort, uint remote, ushort remotePort,
            int state, int txQueue, int rxQueue, uint uid, ulong inode)
        {
            t.Decimal((ulong)index, 4);
            t.Append(": "u8);
            Word(ref t, local);
            t.Append((byte)':');
            Hex(ref t, localPort, 4);
            t.Append((byte)' ');
            Word(ref t, remote);
            t.Append((byte)':');
            Hex(ref t, remotePort, 4);
            t.Append((byte)' ');
            Hex(ref t, (uint)state, 2);
            t.Append((byte)' ');
            Hex(ref t, (uint)txQueue, 8);
            t.Append((byte)':');
            Hex(ref t, (uint)rxQueue, 8);
            t.Append(" 00:00000000 00000000 "u8);
            t.Decimal(uid, 5);
            t.Append("        0 "u8);
            t.Decimal(inode);
        }

        private static void Word(ref TextBuilder t, uint address)
        {
            uint swapped = (address >> 24) | (address >> 8 & 0xFF00) | (address << 8 & 0xFF_0000) | (address << 24);
            Hex(ref t, swapped, 8);
        }

        private static void Hex(ref TextBuilder t, uint value, int digits)
        {
            for (int i = digits - 1; i >= 0; i--)
                t.Append("0123456789ABCDEF"u8[(int)(value >> (4 * i) & 15)]);
        }

        private static void Pad(ref TextBuilder t, int start, int width)
        {
            while (t.Length - start < width)
                t.Append((byte)' ');
            t.Append((byte)'\n');
        }
    }
}
