using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Core.Qmp;

/// <summary>
/// One client connection: the greeting, then requests in, responses and (once negotiated) events out, each a
/// line ending in CR LF as QEMU writes them. A malformed request gets an error and the connection stays.
/// </summary>
public sealed class QmpSession
{
    private readonly Stream _stream;
    private readonly QmpDispatcher _dispatcher;
    private readonly Lock _writeGate = new();
    private bool _closed;

    public QmpSession(Stream stream, QmpDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(dispatcher);
        _stream = stream;
        _dispatcher = dispatcher;
    }

    /// <summary>Serves the client until it closes the connection (or the stream fails).</summary>
    public void Run()
    {
        var negotiated = false;
        try
        {
            Send(QmpDispatcher.Greeting());
            var decoder = Encoding.UTF8.GetDecoder();
            var splitter = new QmpJsonSplitter();
            var bytes = new byte[4096];
            var chars = new char[4096 + 1];
            while (true)
            {
                var count = _stream.Read(bytes);
                if (count == 0)
                {
                    break;
                }

                var charCount = decoder.GetChars(bytes, 0, count, chars, 0);
                for (var i = 0; i < charCount; i++)
                {
                    if (splitter.Add(chars[i]) is not { } text)
                    {
                        continue;
                    }

                    var wasNegotiated = negotiated;
                    var reply = _dispatcher.Handle(text, ref negotiated);
                    if (negotiated && !wasNegotiated)
                    {
                        _dispatcher.EventRaised += Send;
                    }

                    Send(reply.Response);
                    reply.AfterReply?.Invoke();
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The client went away.
        }
        finally
        {
            _dispatcher.EventRaised -= Send;
            lock (_writeGate)
            {
                _closed = true;
            }
        }
    }

    private void Send(JsonObject message)
    {
        var line = Encoding.UTF8.GetBytes(QmpJson.Format(message) + "\r\n");
        lock (_writeGate)
        {
            if (_closed)
            {
                return;
            }

            try
            {
                _stream.Write(line);
                _stream.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                _closed = true;
            }
        }
    }
}
