using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// What a transport protocol (TCP, UDP, ICMP) needs from the IPv4 layer below it. Addresses are
    /// IPv4 addresses as uints in host order (10.0.2.15 is 0x0A00020F); 0 is INADDR_ANY.
    /// </summary>
    public interface IIpSender
    {
        /// <summary>
        /// Sends one IPv4 datagram carrying <paramref name="payload"/> (copied before it returns).
        /// <paramref name="source"/> 0 means the address of the interface the route picks. Returns 0,
        /// or -EHOSTUNREACH/-ENETUNREACH (no route), -EMSGSIZE, -ENOBUFS (no memory or the device's
        /// queue is full; the caller's retransmission covers it).
        /// </summary>
        int SendIp(uint source, uint destination, byte protocol, ReadOnlySpan<byte> payload);

        /// <summary>The local address a datagram to <paramref name="destination"/> would leave from, or 0 when no route reaches it.</summary>
        uint SourceFor(uint destination);

        /// <summary>The MTU of the interface that reaches <paramref name="destination"/> (1500 on Ethernet, 65536 on loopback), or 0 without a route.</summary>
        int MtuFor(uint destination);
    }
}
