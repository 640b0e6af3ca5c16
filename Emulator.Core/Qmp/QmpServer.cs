using System.Net.Sockets;
using Emulator.Core.Boot;
using Emulator.Devices;

namespace Emulator.Core.Qmp;

/// <summary>
/// A QMP server on one listening socket (-qmp unix:PATH,server=on,wait=off or tcp:HOST:PORT,...): one thread
/// accepts a client and serves it until it disconnects, then takes the next, as QEMU's socket chardev serves
/// one client at a time. The machine is reached only through <see cref="QmpDispatcher"/>, whose commands
/// hand work to the machine without waiting for the guest.
/// </summary>
public sealed class QmpServer : IDisposable
{
    private readonly Socket _listener;
    private readonly QmpEndpoint _endpoint;
    private readonly QmpDispatcher _dispatcher;
    private readonly Thread _thread;
    private readonly Lock _gate = new();
    private Socket? _client;
    private volatile bool _disposed;

    /// <summary>Listens at once (a busy address is a <see cref="BootException"/>) and serves on a thread of its own.</summary>
    public QmpServer(QmpEndpoint endpoint, QmpDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(dispatcher);
        _endpoint = endpoint;
        _dispatcher = dispatcher;
        _listener = endpoint.UnixPath is null
            ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            if (endpoint.UnixPath is { } path)
            {
                RemoveStaleSocket(path);
            }
            else
            {
                _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            _listener.Bind(endpoint.SocketEndPoint);
            _listener.Listen(1);
        }
        catch (SocketException e)
        {
            _listener.Dispose();
            throw new BootException($"-qmp {endpoint}: cannot listen: {e.Message}");
        }

        _thread = new Thread(Serve) { IsBackground = true, Name = $"QMP {endpoint}" };
        _thread.Start();
    }

    /// <summary>As QEMU does (socket_listen_unix), whatever is at the path is unlinked before binding.</summary>
    private static void RemoveStaleSocket(string path)
    {
        if (Directory.Exists(path))
        {
            throw new BootException($"-qmp unix:{path}: is a directory");
        }

        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // nothing to remove; binding says what is wrong
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BootException($"-qmp unix:{path}: cannot remove the old socket: {e.Message}");
        }
    }

    private void Serve()
    {
        while (!_disposed)
        {
            Socket client;
            try
            {
                client = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_gate)
            {
                if (_disposed)
                {
                    client.Dispose();
                    return;
                }

                _client = client;
            }

            using (var stream = new NetworkStream(client, ownsSocket: true))
            {
                try
                {
                    new QmpSession(stream, _dispatcher).Run();
                }
                catch (Exception e)
                {
                    // A fault of ours must not take the emulator down from a background thread: drop the client.
                    DeviceLog.Once($"QMP: connection closed after an internal error: {e.GetType().Name}: {e.Message}");
                }
            }

            lock (_gate)
            {
                _client = null;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                _client?.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }

            _client?.Dispose();
        }

        _listener.Dispose();
        _thread.Join(1000);
        if (_endpoint.UnixPath is { } path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}
