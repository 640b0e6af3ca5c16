using System.Net;
using System.Net.Sockets;

namespace Emulator.Core.Debug;

/// <summary>
/// The gdb stub's TCP listener (QEMU's -gdb tcp:HOST:PORT, -s): serves one gdb at a time on a thread of its
/// own. The socket is bound when the server is made, so a port in use is an error before the guest starts.
/// </summary>
public sealed class GdbServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Thread _thread;
    private readonly object _lock = new();
    private IDebugTarget? _target;
    private Socket? _client;
    private volatile bool _disposed;

    public GdbServer(IPEndPoint endPoint)
    {
        _listener = new TcpListener(endPoint);
        try
        {
            _listener.Start(1);
        }
        catch (SocketException e)
        {
            throw new IOException($"gdb stub: cannot listen on {endPoint}: {e.Message}", e);
        }

        _thread = new Thread(Serve) { IsBackground = true, Name = "gdb stub" };
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Serves connections to <paramref name="target"/> (the machine's CPU); a reset machine attaches its new CPU.</summary>
    public void Attach(IDebugTarget target)
    {
        lock (_lock)
        {
            _target = target;
            Monitor.PulseAll(_lock);
        }

        if (!_thread.IsAlive)
        {
            _thread.Start();
        }
    }

    private void Serve()
    {
        while (!_disposed)
        {
            Socket client;
            try
            {
                client = _listener.AcceptSocket();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            client.NoDelay = true;
            IDebugTarget target;
            lock (_lock)
            {
                _client = client;
                target = _target!;
            }

            try
            {
                using var stream = new NetworkStream(client, ownsSocket: true);
                new GdbSession(target, stream, ms => client.Poll(ms * 1000, SelectMode.SelectRead)).Run();
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The connection broke; the next gdb may connect.
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"gdb stub: {e}");
            }
            finally
            {
                lock (_lock)
                {
                    _client = null;
                    Monitor.PulseAll(_lock);
                }
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Stop();
        lock (_lock)
        {
            // Let a session send its last reply (W00 when the guest powered off) and end by itself.
            var deadline = Environment.TickCount64 + 500;
            while (_client != null && Environment.TickCount64 < deadline)
            {
                Monitor.Wait(_lock, 50);
            }

            _client?.Dispose();
        }

        if (_thread.IsAlive)
        {
            _thread.Join(500);
        }
    }
}
