using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// A network device below the stack (virtio-net, a test's fake): it sends whole Ethernet frames
    /// (destination, source, type, payload; no FCS). Received frames come the other way through
    /// <see cref="NetStack.Receive"/>.
    /// </summary>
    public interface INetDevice
    {
        /// <summary>Queues <paramref name="frame"/> for transmission (copied before it returns): 0, or -ENOBUFS when the device's queue is full.</summary>
        int Transmit(ReadOnlySpan<byte> frame);

        MacAddress Mac { get; }

        /// <summary>The largest IP datagram a frame carries (1500 on Ethernet).</summary>
        int Mtu { get; }

        /// <summary>Whether the link is up (virtio-net's status; true when the device does not say).</summary>
        bool LinkUp { get; }
    }
}
