using System.Buffers.Binary;
using Emulator.Devices.Net;

namespace Emulator.Devices.Virtio;

/// <summary>
/// virtio network device (OASIS virtio 1.x, 5.1; device id 1) on a host back end (<see cref="INetworkBackend"/>,
/// libslirp for <c>-netdev user</c>). Offers MAC and STATUS (the link is always up) and nothing that changes the
/// frames: no checksum offload, no segmentation, no merged receive buffers. Queue 0 receives, queue 1 transmits.
/// Every frame is preceded by struct virtio_net_hdr (5.1.6): 10 bytes for a legacy driver, 12 (with
/// num_buffers) once VERSION_1 is negotiated.
/// <para>
/// Transmit runs on the notifying (vCPU) thread and only hands each frame to the back end, which queues it
/// without blocking. Receive runs on the back end's thread: like virtio-blk's worker it takes the machine lock,
/// writes the frame into the next buffer the driver posted and raises the interrupt. When the driver has posted
/// no buffer the frame is dropped and counted, never queued (the guest's TCP recovers; nothing grows without
/// bound). A chain the device cannot use as the protocol says (a transmit without its header, a receive buffer
/// the device would have to write into read-only, or one too small for the frame without merged buffers) breaks
/// the device, as QEMU's virtio_error does.
/// </para>
/// </summary>
public sealed class VirtioNet : IVirtioDevice, IDisposable
{
    // Feature bits (5.1.3).
    public const int VIRTIO_NET_F_MAC = 5;
    public const int VIRTIO_NET_F_STATUS = 16;

    /// <summary>Status field bit (5.1.4): the link is up.</summary>
    public const ushort VIRTIO_NET_S_LINK_UP = 1;

    public const int ReceiveQueue = 0;
    public const int TransmitQueue = 1;

    /// <summary>struct virtio_net_hdr without num_buffers (legacy, no MRG_RXBUF).</summary>
    public const int LegacyHeaderSize = 10;

    /// <summary>struct virtio_net_hdr with num_buffers (VERSION_1 or MRG_RXBUF).</summary>
    public const int HeaderSize = 12;

    /// <summary>The largest frame taken from the guest: a 64 KiB IP packet and its Ethernet header (no GSO is offered).</summary>
    public const int MaxFrameSize = 65536 + 14;

    private const int ConfigBytes = 8; // mac[6], status

    private readonly INetworkBackend _backend;
    private readonly byte[] _frame = new byte[MaxFrameSize];
    private VirtioMmio? _transport;
    private MacAddress _mac;

    public VirtioNet(INetworkBackend backend, MacAddress mac)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backend = backend;
        _mac = mac;
        backend.Attach(Receive);
    }

    public uint DeviceId => 1;

    public string Name => "virtio-net";

    public ulong Features => (1UL << VIRTIO_NET_F_MAC) | (1UL << VIRTIO_NET_F_STATUS);

    public int QueueCount => 2;

    public int ConfigSize => ConfigBytes;

    /// <summary>The MAC address in the configuration space (a legacy driver may change it).</summary>
    public MacAddress Mac => _mac;

    /// <summary>Frames taken from the guest and handed to the back end.</summary>
    public long FramesSent { get; private set; }

    /// <summary>Frames written into the guest's receive buffers.</summary>
    public long FramesReceived { get; private set; }

    /// <summary>Frames for the guest dropped because it had posted no receive buffer (or was not running the device).</summary>
    public long ReceiveDropped { get; private set; }

    /// <summary>Frames from the guest dropped because they were empty or longer than <see cref="MaxFrameSize"/>.</summary>
    public long TransmitDropped { get; private set; }

    public void Attach(VirtioMmio transport) => _transport = transport;

    /// <summary>The header's size for what the driver negotiated.</summary>
    private int NetHeaderSize => _transport!.HasFeature(VirtioMmio.VIRTIO_F_VERSION_1) ? HeaderSize : LegacyHeaderSize;

    public void ReadConfig(int offset, Span<byte> destination)
    {
        Span<byte> config = stackalloc byte[ConfigBytes];
        _mac.WriteTo(config);
        BinaryPrimitives.WriteUInt16LittleEndian(config[6..], VIRTIO_NET_S_LINK_UP);
        config.Slice(offset, destination.Length).CopyTo(destination);
    }

    /// <summary>A legacy driver may set the MAC address by writing it (QEMU accepts that without VERSION_1); the status is read-only.</summary>
    public void WriteConfig(int offset, ReadOnlySpan<byte> source)
    {
        if (offset + source.Length > 6 || _transport!.HasFeature(VirtioMmio.VIRTIO_F_VERSION_1))
        {
            DeviceLog.Once($"virtio-net: write to configuration byte 0x{offset:x} ignored (only a legacy driver may write the MAC address)");
            return;
        }

        Span<byte> mac = stackalloc byte[6];
        _mac.WriteTo(mac);
        source.CopyTo(mac[offset..]);
        var value = 0UL;
        foreach (var b in mac)
        {
            value = (value << 8) | b;
        }

        _mac = new MacAddress(value);
    }

    public void QueueNotify(int queue)
    {
        if (queue == TransmitQueue)
        {
            Transmit();
        }

        // Receive buffers are used when a frame arrives; there is no backlog to flush.
    }

    /// <summary>Hands every available transmit chain's frame to the back end (vCPU thread, under the machine lock).</summary>
    private void Transmit()
    {
        var transport = _transport!;
        var queue = transport.Queue(TransmitQueue);
        var header = NetHeaderSize;
        var served = false;
        while (transport.IsLive && queue.Pop() is { } chain)
        {
            if (chain.ReadableLength < header)
            {
                transport.DeviceError($"a transmit request has {chain.ReadableLength} device-readable bytes, less than its {header}-byte header");
                return;
            }

            var length = chain.ReadableLength - header;
            if (length == 0 || length > MaxFrameSize)
            {
                TransmitDropped++;
                DeviceLog.Once($"virtio-net: a transmitted frame of {length} bytes was dropped (1 to {MaxFrameSize})");
            }
            else
            {
                var count = chain.Read(transport.Memory, header, _frame.AsSpan(0, (int)length));
                _backend.Send(_frame.AsSpan(0, count));
                FramesSent++;
            }

            queue.Push(chain.Head, 0);
            served = true;
        }

        if (served)
        {
            transport.SignalUsed(queue);
        }
    }

    /// <summary>A frame from the back end (its thread): written into the next receive buffer, or dropped when there is none.</summary>
    private void Receive(ReadOnlySpan<byte> frame)
    {
        var transport = _transport;
        if (transport == null)
        {
            return;
        }

        lock (transport.Lock)
        {
            if (!transport.IsLive || transport.Queue(ReceiveQueue).Pop() is not { } chain)
            {
                ReceiveDropped++;
                return;
            }

            var queue = transport.Queue(ReceiveQueue);
            var headerSize = NetHeaderSize;
            if (chain.ReadableLength > 0)
            {
                transport.DeviceError("a receive buffer is device-readable: the device would write into a read-only buffer");
                return;
            }

            if (chain.WritableLength < headerSize + frame.Length)
            {
                transport.DeviceError($"a receive buffer of {chain.WritableLength} bytes cannot hold a {frame.Length}-byte frame and its {headerSize}-byte header (no merged buffers were negotiated)");
                return;
            }

            Span<byte> header = stackalloc byte[HeaderSize];
            header.Clear();
            if (headerSize == HeaderSize)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(header[10..], 1); // num_buffers
            }

            chain.Write(transport.Memory, 0, header[..headerSize]);
            chain.Write(transport.Memory, headerSize, frame);
            queue.Push(chain.Head, (uint)(headerSize + frame.Length));
            FramesReceived++;
            transport.SignalUsed(queue);
        }
    }

    /// <summary>Nothing is in flight between calls: receive completes under the machine lock, transmit on the notifying thread.</summary>
    public void Reset()
    {
    }

    public void Dispose() => _backend.Dispose();
}
