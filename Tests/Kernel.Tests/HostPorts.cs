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
}
