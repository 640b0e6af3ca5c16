using System.Net;

namespace Emulator.Devices.Net;

/// <summary>
/// QEMU's <c>-netdev socket,udp=HOST:PORT,localaddr=HOST:PORT</c>: each UDP datagram is one Ethernet frame (no
/// length prefix, no FCS). Frames from the guest go to <see cref="Remote"/>; datagrams that arrive at the socket
/// bound to <see cref="Local"/>, from any sender, go to the guest.
/// </summary>
public sealed record UdpSocketNetworkConfig(IPEndPoint Remote, IPEndPoint Local) : NetworkBackendConfig
{
    public override string ToString() => $"socket,udp={Remote},localaddr={Local}";
}
