using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.System.Tests;

/// <summary>A QMP client on a Unix socket, as a management tool talks to QEMU: one JSON message per line.</summary>
public sealed class QmpClient : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly NetworkStream _stream;

    private QmpClient(Socket socket)
    {
        _socket = socket;
        _socket.ReceiveTimeout = (int)ReplyTimeout.TotalMilliseconds;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
        Greeting = Receive();
    }

    public JsonObject Greeting { get; }

    /// <summary>Every line received, as sent.</summary>
    public List<string> Lines { get; } = [];

    /// <summary>Connects once the server listens (it starts with the machine), within <paramref name="timeout"/>.</summary>
    public static QmpClient Connect(string path, TimeSpan timeout, Func<string, string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(path));
                return new QmpClient(socket);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                Thread.Sleep(50);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                Assert.Fail(describe($"no QMP server at {path}: {e.Message}"));
            }
        }
    }

    /// <summary>Sends raw text (a request, or deliberately broken JSON) followed by a newline.</summary>
    public void Send(string text)
    {
        _stream.Write(Encoding.UTF8.GetBytes(text + "\n"));
        _stream.Flush();
    }

    /// <summary>The next message from the server.</summary>
    public JsonObject Receive()
    {
        string? line;
        try
        {
            line = _reader.ReadLine();
        }
        catch (IOException e)
        {
            Assert.Fail($"no QMP message within {ReplyTimeout.TotalSeconds} s: {e.Message}");
            throw;
        }

        Assert.True(line is not null, "the QMP server closed the connection");
        Lines.Add(line);
        return JsonNode.Parse(line)!.AsObject();
    }

    /// <summary>Sends a request and returns the messages up to and including its reply (events first, if any).</summary>
    public List<JsonObject> Execute(string request)
    {
        Send(request);
        var messages = new List<JsonObject>();
        do
        {
            messages.Add(Receive());
        }
        while (messages[^1].ContainsKey("event"));

        return messages;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
        _socket.Dispose();
    }
}
