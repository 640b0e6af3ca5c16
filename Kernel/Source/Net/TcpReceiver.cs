using System;
using Kernel.Logic.Net;
using Kernel.Logic.Net.Tcp;

namespace Kernel.Net
{
    /// <summary>Hands the TCP segments IPv4 receives to the <see cref="TcpStack"/> (registered for protocol 6).</summary>
    public sealed class TcpReceiver : ITransportReceiver
    {
        private readonly TcpStack _tcp;

        public TcpReceiver(TcpStack tcp) => _tcp = tcp;

        public void Receive(uint source, uint destination, ReadOnlySpan<byte> segment, ulong now) => _tcp.Receive(source, destination, segment, now);
    }
}
