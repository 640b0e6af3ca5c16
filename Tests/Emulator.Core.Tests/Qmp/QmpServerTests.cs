using System.Net.Sockets;
using System.Text;
using Emulator.Core.Boot;
using Emulator.Core.Qmp;

namespace Emulator.Core.Tests.Qmp;

/// <summary>The QMP server on a real Unix socket: clients one after another, the socket file's life.</summary>
public sealed class QmpServerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qmp-server-").FullName;
    private readonly QmpDispatcher _dispatcher = new(new FakeQmpMachine());

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Greeting(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 10_000 };
        socket.Connect(new UnixDomainSocketEndPoint(path));
        using var reader = new StreamReader(new NetworkStream(socket), Encoding.UTF8);
        return reader.ReadLine() ?? "";
    }

    [Fact]
    public void ClientsAreServedOneAfterAnother()
    {
        var path = Path.Combine(_folder, "q.sock");
        using var server = new QmpServer(QmpEndpoint.Unix(path), _dispatcher);
        Assert.StartsWith("{\"QMP\": ", Greeting(path));
        Assert.StartsWith("{\"QMP\": ", Greeting(path));
    }

    [Fact]
    public void AFileLeftAtThePathIsReplaced_AndTheSocketIsRemovedAtTheEnd()
    {
        var path = Path.Combine(_folder, "stale.sock");
        File.WriteAllText(path, "left over");
        using (var server = new QmpServer(QmpEndpoint.Unix(path), _dispatcher))
        {
            Assert.StartsWith("{\"QMP\": ", Greeting(path));
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public void DisposingEndsAConnectedClientsSession()
    {
        var path = Path.Combine(_folder, "q.sock");
        var server = new QmpServer(QmpEndpoint.Unix(path), _dispatcher);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 10_000 };
        socket.Connect(new UnixDomainSocketEndPoint(path));
        using var reader = new StreamReader(new NetworkStream(socket), Encoding.UTF8);
        Assert.NotNull(reader.ReadLine());

        server.Dispose();

        Assert.Null(reader.ReadLine()); // end of stream, not a timeout
    }

    [Fact]
    public void APathInAMissingFolderIsABootException()
    {
        var e = Assert.Throws<BootException>(() => new QmpServer(QmpEndpoint.Unix(Path.Combine(_folder, "no", "q.sock")), _dispatcher));
        Assert.Contains("-qmp unix:", e.Message);
        Assert.Contains("cannot listen", e.Message);
    }
}
