using System;

namespace Kernel.Logic.Net
{
    /// <summary>/proc/net/dev: Linux's header and one line per interface (dev_seq_printf_stats's format).</summary>
    public static class ProcNetDev
    {
        public static int Format(NetStack stack, Span<byte> buffer)
        {
            var t = new TextBuilder(buffer);
            Render(stack, ref t);
            return t.Length;
        }

        public static void Render(NetStack stack, ref TextBuilder t)
        {
            t.Append("Inter-|   Receive                                                |  Transmit\n"u8);
            t.Append(" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"u8);
            for (int i = 0; i < stack.InterfaceCount; i++)
            {
                NetInterface n = stack.InterfaceAt(i);
                ReadOnlySpan<byte> name = n.Name;
                for (int p = name.Length; p < 6; p++)
                    t.Append((byte)' ');
                t.Append(name);
                t.Append((byte)':');
                t.Decimal(n.RxBytes, 8);
                Field(ref t, n.RxPackets, 7);
                Field(ref t, n.RxErrors, 4);
                Field(ref t, n.RxDropped, 4);
                Field(ref t, 0, 4);
                Field(ref t, 0, 5);
                Field(ref t, 0, 10);
                Field(ref t, n.RxMulticast, 9);
                Field(ref t, n.TxBytes, 8);
                Field(ref t, n.TxPackets, 7);
                Field(ref t, n.TxErrors, 4);
                Field(ref t, n.TxDropped, 4);
                Field(ref t, 0, 4);
                Field(ref t, 0, 5);
                Field(ref t, 0, 7);
                Field(ref t, 0, 10);
                t.Append((byte)'\n');
            }
        }

        private static void Field(ref TextBuilder t, ulong value, int width)
        {
            t.Append((byte)' ');
            t.Decimal(value, width);
        }
    }
}
