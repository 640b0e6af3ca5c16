using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Kernel.Tests.Display;

/// <summary>
/// The test side of QEMU's machine protocol on a Unix socket (<c>-qmp unix:PATH,server=on,wait=off</c>):
/// reads the greeting, negotiates capabilities, then runs one command at a time, skipping events.
/// </summary>
public sealed class QmpClient : IDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;

    private QmpClient(Socket socket)
    {
        _socket = socket;
        var stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(stream, Encoding.UTF8);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
    }

    /// <summary>Connects to <paramref name="path"/> (waiting for the machine to create it) and negotiates.</summary>
    public static QmpClient Connect(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 30_000 };
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(path));
                var client = new QmpClient(socket);
                JsonNode greeting = client.ReadMessage();
                Assert.True(greeting["QMP"] != null, $"not a QMP greeting: {greeting.ToJsonString()}");
                client.Execute("qmp_capabilities");
                return client;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Runs <paramref name="command"/>; its "return" value, or an assertion failure with its error.</summary>
    public JsonNode? Execute(string command, JsonObject? arguments = null)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments != null)
            request["arguments"] = arguments;
        _writer.WriteLine(request.ToJsonString());
        while (true)
        {
            JsonNode reply = ReadMessage();
            if (reply["event"] != null)
                continue;
            Assert.True(reply["error"] == null, $"{command} failed: {reply.ToJsonString()}");
            return reply["return"];
        }
    }

    private JsonNode ReadMessage()
        => JsonNode.Parse(_reader.ReadLine() ?? throw new IOException("the QMP connection closed"))
           ?? throw new IOException("an empty QMP message");

    public void Dispose()
    {
        _reader.Dispose();
        _writer.Dispose();
        _socket.Dispose();
    }
}
