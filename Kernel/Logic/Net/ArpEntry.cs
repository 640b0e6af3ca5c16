namespace Kernel.Logic.Net
{
    /// <summary>One neighbour of <see cref="ArpCache"/>.</summary>
    public struct ArpEntry
    {
        public const byte Free = 0, Incomplete = 1, Reachable = 2, Stale = 3;

        public byte State;
        public uint Address;
        public MacAddress Mac;
        public NetInterface? Interface;
        /// <summary>When the neighbour last answered (Reachable lasts <see cref="ArpCache.ReachableMs"/> from it).</summary>
        public ulong ConfirmedAt;
        /// <summary>When the next request is due (Incomplete, or a stale entry being probed).</summary>
        public ulong NextProbeAt;
        public int Probes;
        public ulong UsedAt;
    }
}
