using System.Net;
using System.Net.Sockets;

namespace Emulator.Devices.Net;

/// <summary>
/// QEMU's <c>-netdev socket,udp=...,localaddr=...</c>: one UDP socket bound to the local address carries the
/// guest's frames, one datagram per frame, to the remote address; every datagram that arrives at it (from any
/// sender, as QEMU) is a frame for the guest. One receive thread delivers them one at a time; the only queue is
/// the socket's own buffer, which the kernel bounds: when the guest has posted no receive buffer the device
/// drops the frame, as with user-mode networking. Sending never blocks (the socket is non-blocking): a datagram
/// the host cannot take at once is dropped and counted.
/// </summary>
public sealed class UdpSocketNetwork : INetworkBackend
{
    /// <summary>
    /// The longest datagram handed to the guest: an Ethernet frame with a VLAN tag and no FCS. The device offers
    /// no segmentation offload, so the guest's receive buffers need hold no more; longer datagrams are dropped.
    /// </summary>
    public const int MaxFrameSize = 1518;

    private const int PollMicroseconds = 100_000;

    private readonly Socket _socket;
    private readonly Thread _thread;
    private volatile FrameHandler? _receive;
    private volatile bool _stopping;
    private long _sent;
    private long _sendDropped;
    private long _received;
    private long _receiveDropped;

    /// <summary>Binds the socket and starts receiving; throws <see cref="NetworkException"/> (one line for the user) when it cannot bind.</summary>
    public UdpSocketNetwork(UdpSocketNetworkConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
        try
        {
            _socket.Bind(config.Local);
        }
        catch (SocketException e)
        {
            _socket.Dispose();
            throw new NetworkException(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"-netdev socket: cannot bind localaddr={config.Local}: the port is in use"
                : $"-netdev socket: cannot bind localaddr={config.Local}: {e.Message}");
        }

        _thread = new Thread(ReceiveLoop) { IsBackground = true, Name = "netdev-socket" };
        _thread.Start();
    }

    public UdpSocketNetworkConfig Config { get; }

    /// <summary>The address the socket is bound to (the actual port when localaddr asked for port 0).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Guest frames sent as datagrams.</summary>
    public long FramesFromGuest => Interlocked.Read(ref _sent);

    /// <summary>Guest frames the host's socket did not take at once (buffer full, no route).</summary>
    public long DroppedFromGuest => Interlocked.Read(ref _sendDropped);

    /// <summary>Datagrams handed to the device for the guest.</summary>
    public long FramesToGuest => Interlocked.Read(ref _received);

    /// <summary>Datagrams dropped before the device: empty, longer than <see cref="MaxFrameSize"/>, or arrived before <see cref="Attach"/>.</summary>
    public long DroppedToGuest => Interlocked.Read(ref _receiveDropped);

    public void Attach(FrameHandler receive) => _receive = receive;

    public void Send(ReadOnlySpan<byte> frame)
    {
        if (_stopping || frame.IsEmpty)
        {
            return;
        }

        try
        {
            _socket.SendTo(frame, SocketFlags.None, Config.Remote);
            Interlocked.Increment(ref _sent);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Would block, or an ICMP error from an earlier datagram: a lost frame, as on a real wire.
            Interlocked.Increment(ref _sendDropped);
        }
    }

    private void ReceiveLoop()
    {
        // One byte more than the largest frame: a datagram that fills it was truncated and is dropped.
        var buffer = new byte[MaxFrameSize + 1];
        while (!_stopping)
        {
            int length;
            try
            {
                if (!_socket.Poll(PollMicroseconds, SelectMode.SelectRead))
                {
                    continue;
                }

                length = _socket.Receive(buffer.AsSpan(), SocketFlags.None, out var error);
                if (error != SocketError.Success)
                {
                    continue; // WouldBlock after a spurious wake-up, or an ICMP error reported on the socket
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                continue;
            }

            var receive = _receive;
            if (length is 0 or > MaxFrameSize || receive == null)
            {
                Interlocked.Increment(ref _receiveDropped);
                continue;
            }

            receive(buffer.AsSpan(0, length));
            Interlocked.Increment(ref _received);
        }
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _thread.Join();
        _socket.Dispose();
    }
}
