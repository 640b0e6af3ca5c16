using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// The registration point of a transport protocol above IPv4 (TCP): <see cref="NetStack.RegisterTransport"/>
    /// hands it every valid datagram of its protocol addressed to us, after reassembly, its IP header removed.
    /// The segment is only valid during the call (copy what is kept). Sending goes through <see cref="IIpSender"/>
    /// (the <see cref="NetStack"/> itself), and may be done from inside this call.
    /// </summary>
    public interface ITransportReceiver
    {
        /// <param name="source">The sender's address (host order).</param>
        /// <param name="destination">Our address it was sent to (host order; a broadcast address is not passed to TCP).</param>
        /// <param name="segment">The transport header and data.</param>
        /// <param name="now">The caller's monotonic time in milliseconds.</param>
        void Receive(uint source, uint destination, ReadOnlySpan<byte> segment, ulong now);
    }
}
