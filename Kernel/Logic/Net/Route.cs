namespace Kernel.Logic.Net
{
    /// <summary>One IPv4 route: datagrams to <see cref="Destination"/>/<see cref="Netmask"/> leave through <see cref="Interface"/>, to <see cref="Gateway"/> when it is not 0 (else straight to the destination).</summary>
    public struct Route
    {
        /// <summary>Linux's rtentry flags (RTF_UP, RTF_GATEWAY, RTF_HOST), as /proc/net/route and SIOCADDRT use them.</summary>
        public const ushort FlagUp = 1, FlagGateway = 2, FlagHost = 4;

        public uint Destination, Netmask, Gateway;
        public NetInterface? Interface;
        public int Metric;

        public ushort Flags =>
            (ushort)(FlagUp | (Gateway != 0 ? FlagGateway : 0) | (Netmask == 0xFFFF_FFFF ? FlagHost : 0));

        public bool InUse => Interface != null;
    }
}
