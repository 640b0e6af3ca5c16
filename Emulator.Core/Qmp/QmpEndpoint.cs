using System.Net;
using System.Net.Sockets;

namespace Emulator.Core.Qmp;

/// <summary>Where a QMP server listens: a Unix socket path or a TCP address (QEMU's -qmp unix:PATH / tcp:HOST:PORT).</summary>
public sealed record QmpEndpoint
{
    private QmpEndpoint(string? unixPath, IPEndPoint? tcp)
    {
        UnixPath = unixPath;
        Tcp = tcp;
    }

    public string? UnixPath { get; }

    public IPEndPoint? Tcp { get; }

    public static QmpEndpoint Unix(string path) => new(path, null);

    public static QmpEndpoint TcpAt(IPEndPoint endPoint) => new(null, endPoint);

    public EndPoint SocketEndPoint => Tcp is { } tcp ? tcp : new UnixDomainSocketEndPoint(UnixPath!);

    public override string ToString() => Tcp is { } tcp ? $"tcp:{tcp}" : $"unix:{UnixPath}";
}
