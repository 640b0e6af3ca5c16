using System.Net;
using System.Net.Sockets;

namespace Kernel.Tests;

internal static class HostPorts
{
    /// <summary>A TCP port on 127.0.0.1 that nothing listens on now (for a hostfwd rule).</summary>
    public static int Free()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>A UDP port on 127.0.0.1 that no socket is bound to now (for -netdev socket's localaddr=).</summary>
    public static int FreeUdp()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
