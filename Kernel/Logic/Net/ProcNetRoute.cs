using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// /proc/net/route (what busybox `route` and `netstat -r` read) and /proc/net/arp, in Linux's formats:
    /// route lines padded to 127 columns, addresses as the hexadecimal of the network-order word on a
    /// little-endian machine (10.0.2.2 is 0202000A); the loopback route lives in Linux's local table, not here.
    /// </summary>
    public static class ProcNetRoute
    {
        public static void RenderRoutes(NetStack stack, ref TextBuilder t)
        {
            int start = t.Length;
            t.Append("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"u8);
            Pad(ref t, start);
            Span<int> order = stackalloc int[RoutingTable.Capacity];
            int count = stack.Routes.InOrder(order);
            for (int k = 0; k < count; k++)
            {
                Route r = stack.Routes.At(order[k]);
                if (r.Interface!.IsLoopback)
                    continue;
                start = t.Length;
                t.Append(r.Interface.Name);
                t.Append((byte)'\t');
                Word(ref t, r.Destination);
                t.Append((byte)'\t');
                Word(ref t, r.Gateway);
                t.Append((byte)'\t');
                t.Hex(r.Flags, 4);
                t.Append("\t0\t0\t"u8);
                t.Decimal((ulong)r.Metric);
                t.Append((byte)'\t');
                Word(ref t, r.Netmask);
                t.Append("\t0\t0\t0"u8);
                Pad(ref t, start);
            }
        }

        public static void RenderArp(NetStack stack, ref TextBuilder t)
        {
            t.Append("IP address       HW type     Flags       HW address            Mask     Device\n"u8);
            for (int i = 0; i < ArpCache.Capacity; i++)
            {
                ArpEntry e = stack.Arp.At(i);
                if (e.State == ArpEntry.Free)
                    continue;
                int start = t.Length;
                for (int b = 0; b < 4; b++)
                {
                    if (b > 0)
                        t.Append((byte)'.');
                    t.Decimal(e.Address >> (24 - 8 * b) & 0xFF);
                }
                for (int p = t.Length - start; p < 16; p++)
                    t.Append((byte)' ');
                t.Append(" 0x1         0x"u8);
                t.Append(e.State == ArpEntry.Incomplete ? (byte)'0' : (byte)'2');
                t.Append("         "u8);
                MacAddress mac = e.State == ArpEntry.Incomplete ? MacAddress.Zero : e.Mac;
                for (int b = 0; b < 6; b++)
                {
                    if (b > 0)
                        t.Append((byte)':');
                    HexByte(ref t, mac[b]);
                }
                t.Append("     *        "u8);
                t.Append(e.Interface!.Name);
                t.Append((byte)'\n');
            }
        }

        private static void HexByte(ref TextBuilder t, byte b)
        {
            t.Append("0123456789abcdef"u8[b >> 4]);
            t.Append("0123456789abcdef"u8[b & 15]);
        }

        /// <summary>%08X of the address as a little-endian CPU holds the network-order word.</summary>
        private static void Word(ref TextBuilder t, uint address)
        {
            uint swapped = (address >> 24) | (address >> 8 & 0xFF00) | (address << 8 & 0xFF_0000) | (address << 24);
            for (int i = 7; i >= 0; i--)
                t.Append("0123456789ABCDEF"u8[(int)(swapped >> (4 * i) & 15)]);
        }

        private static void Pad(ref TextBuilder t, int start)
        {
            while (t.Length - start < 127)
                t.Append((byte)' ');
            t.Append((byte)'\n');
        }
    }
}
