namespace Kernel.Logic.Net
{
    /// <summary>The stack's protocol counters (a subset of Linux's /proc/net/snmp, named as there).</summary>
    public sealed class NetStats
    {
        public ulong IpInReceives, IpInHdrErrors, IpInAddrErrors, IpInUnknownProtos, IpInDiscards, IpInDelivers,
            IpOutRequests, IpOutNoRoutes, IpReasmOks, IpReasmFails, IpFragOks, IpFragCreates;
        public ulong IcmpInMsgs, IcmpInErrors, IcmpInEchos, IcmpInEchoReps, IcmpInDestUnreachs, IcmpOutMsgs, IcmpOutEchoReps,
            IcmpOutDestUnreachs, IcmpRateLimited;
        public ulong UdpInDatagrams, UdpNoPorts, UdpInErrors, UdpOutDatagrams, UdpReceiveBufferErrors;
        public ulong ArpIn, ArpOut, ArpInvalid, EthernetInvalid;
    }
}
