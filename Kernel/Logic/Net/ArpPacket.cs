using System;

namespace Kernel.Logic.Net
{
    /// <summary>ARP for IPv4 over Ethernet (RFC 826): 28 bytes after the Ethernet header.</summary>
    public static class ArpPacket
    {
        public const int Length = 28;
        public const ushort Request = 1, Reply = 2;
        private const ushort HardwareEthernet = 1;

        /// <summary>Whether <paramref name="p"/> is an Ethernet/IPv4 ARP packet this stack understands.</summary>
        public static bool IsValid(ReadOnlySpan<byte> p) =>
            p.Length >= Length && BigEndian.U16(p, 0) == HardwareEthernet && BigEndian.U16(p, 2) == Ethernet.TypeIpv4 &&
            p[4] == 6 && p[5] == 4;

        public static ushort Operation(ReadOnlySpan<byte> p) => BigEndian.U16(p, 6);
        public static MacAddress SenderMac(ReadOnlySpan<byte> p) => MacAddress.Read(p, 8);
        public static uint SenderIp(ReadOnlySpan<byte> p) => BigEndian.U32(p, 14);
        public static MacAddress TargetMac(ReadOnlySpan<byte> p) => MacAddress.Read(p, 18);
        public static uint TargetIp(ReadOnlySpan<byte> p) => BigEndian.U32(p, 24);

        public static void Write(Span<byte> p, ushort operation, MacAddress senderMac, uint senderIp, MacAddress targetMac, uint targetIp)
        {
            BigEndian.Put16(p, 0, HardwareEthernet);
            BigEndian.Put16(p, 2, Ethernet.TypeIpv4);
            p[4] = 6;
            p[5] = 4;
            BigEndian.Put16(p, 6, operation);
            senderMac.Write(p, 8);
            BigEndian.Put32(p, 14, senderIp);
            targetMac.Write(p, 18);
            BigEndian.Put32(p, 24, targetIp);
        }
    }
}
