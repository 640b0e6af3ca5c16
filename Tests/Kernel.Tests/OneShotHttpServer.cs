using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kernel.Tests;

/// <summary>
/// An HTTP server on the host's loopback (a guest on -netdev user reaches it as 10.0.2.2) that answers one
/// request with a text body and keeps the request's head for the test to check.
/// </summary>
public sealed class OneShotHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Thread _thread;
    private string? _request;

    public OneShotHttpServer(string body)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _thread = new Thread(() => Serve(body)) { IsBackground = true, Name = "one-shot HTTP server" };
        _thread.Start();
    }

    public int Port { get; }

    /// <summary>Waits up to <paramref name="timeout"/> for the request to have been served; its head (request line and headers), or null.</summary>
    public string? Request(TimeSpan timeout) => _thread.Join(timeout) ? _request : null;

    private void Serve(string text)
    {
        try
        {
            using TcpClient c = _listener.AcceptTcpClient();
            using NetworkStream s = c.GetStream();
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && s.Read(one, 0, 1) == 1)
                head.Append((char)one[0]);
            byte[] body = Encoding.ASCII.GetBytes(text);
            s.Write(Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n"));
            s.Write(body);
            _request = head.ToString();
        }
        catch (SocketException)
        {
            // Stopped before a request came: Request reports null.
        }
        catch (IOException)
        {
        }
    }

    public void Dispose() => _listener.Stop();
}
