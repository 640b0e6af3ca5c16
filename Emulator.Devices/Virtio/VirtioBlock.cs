using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Emulator.Devices.Storage;

namespace Emulator.Devices.Virtio;

/// <summary>
/// virtio block device (OASIS virtio 1.x, 5.2; device id 2) on a raw image. Requests are served by a worker
/// thread of its own, off the CPU's thread: it takes the available chains under the machine lock (checking
/// each request's layout there), does the file I/O without it, and completes the batch under the lock
/// again, raising the interrupt. FLUSH completes only after the image is fsync'ed; a write to a read-only
/// image and an access beyond the disk complete with IOERR, an unknown request type with UNSUPP (QEMU).
/// A request without its header or status byte, or whose data the device would have to write into
/// device-readable buffers, breaks the device (QEMU's virtio_error: DEVICE_NEEDS_RESET).
/// </summary>
public sealed class VirtioBlock : IVirtioDevice, IDisposable
{
    // Feature bits (5.2.3).
    public const int VIRTIO_BLK_F_SEG_MAX = 2;
    public const int VIRTIO_BLK_F_RO = 5;
    public const int VIRTIO_BLK_F_BLK_SIZE = 6;
    public const int VIRTIO_BLK_F_FLUSH = 9;

    // Request types and status values (5.2.6).
    public const uint VIRTIO_BLK_T_IN = 0;
    public const uint VIRTIO_BLK_T_OUT = 1;
    public const uint VIRTIO_BLK_T_FLUSH = 4;
    public const uint VIRTIO_BLK_T_GET_ID = 8;
    public const byte VIRTIO_BLK_S_OK = 0;
    public const byte VIRTIO_BLK_S_IOERR = 1;
    public const byte VIRTIO_BLK_S_UNSUPP = 2;

    /// <summary>Bytes of the serial number GET_ID returns at most (VIRTIO_BLK_ID_BYTES).</summary>
    public const int IdBytes = 20;

    private const int RequestQueue = 0;
    private const int HeaderSize = 16; // struct virtio_blk_req: le32 type, le32 reserved, le64 sector
    private const int SectorSize = RawImage.SectorSize;
    private const int ChunkSize = 1 << 20;
    private const int MaxBatch = 64;

    /// <summary>seg_max: the queue size less the header and status descriptors (QEMU's seg-max-adjust for 256).</summary>
    private const uint SegMax = VirtQueue.DefaultSize - 2;

    private readonly RawImage _image;
    private readonly byte[] _serial;
    private readonly SemaphoreSlim _kick = new(0);
    private readonly Thread _worker;
    private readonly byte[] _chunk = new byte[ChunkSize];
    private readonly IoVector[] _vectors = new IoVector[VirtQueue.MaxSize]; // a chain has at most one buffer per queue entry
    private VirtioMmio? _transport;
    private readonly VirtioBlockStatistics _statistics = new();
    private long _notifiedAt; // Stopwatch timestamp of the first notification the worker has not yet answered
    private long _idleSince; // Stopwatch timestamp of the last completion that left nothing in flight
    private bool _busy; // the worker is serving a batch without the lock
    private bool _pending; // notified, and the worker has not yet found the queue empty
    private volatile bool _stopping;

    /// <param name="serial">The drive's serial number (GET_ID); QEMU's <c>serial=</c>, empty by default.</param>
    public VirtioBlock(RawImage image, string serial = "")
    {
        ArgumentNullException.ThrowIfNull(image);
        _image = image;
        _serial = Encoding.ASCII.GetBytes(serial);
        _worker = new Thread(Work) { IsBackground = true, Name = "virtio-blk " + image.Path };
        _worker.Start();
    }

    public uint DeviceId => 2;

    public string Name => "virtio-blk";

    public ulong Features =>
        (1UL << VIRTIO_BLK_F_SEG_MAX) | (1UL << VIRTIO_BLK_F_BLK_SIZE) | (1UL << VIRTIO_BLK_F_FLUSH) |
        (_image.ReadOnly ? 1UL << VIRTIO_BLK_F_RO : 0);

    public int QueueCount => 1;

    /// <summary>struct virtio_blk_config up to num_queues (QEMU's minimum config size).</summary>
    public int ConfigSize => 36;

    public void Attach(VirtioMmio transport) => _transport = transport;

    public void ReadConfig(int offset, Span<byte> destination)
    {
        Span<byte> config = stackalloc byte[ConfigSize];
        config.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(config, _image.Sectors); // capacity
        BinaryPrimitives.WriteUInt32LittleEndian(config[12..], SegMax); // seg_max
        BinaryPrimitives.WriteUInt32LittleEndian(config[20..], SectorSize); // blk_size
        config[32] = 1; // writeback: the host's page cache holds writes until a flush
        BinaryPrimitives.WriteUInt16LittleEndian(config[34..], 1); // num_queues
        config.Slice(offset, destination.Length).CopyTo(destination);
    }

    public void WriteConfig(int offset, ReadOnlySpan<byte> source) =>
        DeviceLog.Once($"virtio-blk: write to configuration byte 0x{offset:x} ignored (no writable fields are offered)");

    /// <summary>What the worker has done so far (requests, bytes, where its time went); read it under the machine lock.</summary>
    public VirtioBlockStatistics Statistics => _statistics;

    public void QueueNotify(int queue)
    {
        _statistics.Notifications++;
        if (_notifiedAt == 0)
        {
            _notifiedAt = Stopwatch.GetTimestamp();
            // The guest's turn between two requests; a longer pause is the guest doing other things.
            if (_idleSince != 0 && _notifiedAt - _idleSince < Stopwatch.Frequency / 10)
            {
                _statistics.GuestTicks += _notifiedAt - _idleSince;
            }

            _idleSince = 0;
        }

        _pending = true;
        if (_kick.CurrentCount == 0)
        {
            _kick.Release();
        }
    }

    /// <summary>Waits (releasing the machine lock) until the worker has nothing in flight: QEMU drains on reset.</summary>
    public void Reset()
    {
        var gate = _transport!.Lock;
        while (_busy)
        {
            Monitor.Wait(gate);
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the worker to finish what is available; for tests.</summary>
    public bool WaitUntilIdle(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var gate = _transport!.Lock;
        lock (gate)
        {
            while (_busy || _pending)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }

                Monitor.Wait(gate, left < TimeSpan.FromMilliseconds(10) ? left : TimeSpan.FromMilliseconds(10));
            }
        }

        return true;
    }

    private void Work()
    {
        while (true)
        {
            _kick.Wait();
            if (_stopping)
            {
                return;
            }

            while (ServeBatch())
            {
            }
        }
    }

    /// <summary>Serves up to <see cref="MaxBatch"/> requests; false when there were none.</summary>
    private bool ServeBatch()
    {
        var transport = _transport!;
        var gate = transport.Lock;
        var batch = new List<Request>();
        int epoch;
        var asked = Stopwatch.GetTimestamp();
        lock (gate)
        {
            var got = Stopwatch.GetTimestamp();
            _statistics.LockWaitTicks += got - asked;
            if (_notifiedAt != 0)
            {
                _statistics.WakeTicks += got - _notifiedAt;
                _notifiedAt = 0;
            }

            epoch = transport.ResetCount;
            var queue = transport.Queue(RequestQueue);
            while (batch.Count < MaxBatch && transport.IsLive && queue.Pop() is { } chain)
            {
                if (Parse(transport, chain) is not { } request)
                {
                    break;
                }

                batch.Add(request);
            }

            if (batch.Count == 0)
            {
                _pending = false;
                Monitor.PulseAll(gate);
                return false;
            }

            _busy = true;
            _statistics.Batches++;
            _statistics.Requests += batch.Count;
        }

        var served = Stopwatch.GetTimestamp();
        try
        {
            foreach (var request in batch)
            {
                request.Status = Serve(transport.Memory, request);
            }
        }
        finally
        {
            var done = Stopwatch.GetTimestamp();
            lock (gate)
            {
                var relocked = Stopwatch.GetTimestamp();
                _statistics.IoTicks += done - served;
                _statistics.LockWaitTicks += relocked - done;
                if (epoch == transport.ResetCount)
                {
                    var queue = transport.Queue(RequestQueue);
                    foreach (var request in batch)
                    {
                        request.Chain.Write(transport.Memory, request.Chain.WritableLength - 1, [request.Status]);
                        queue.Push(request.Chain.Head, (uint)request.Chain.WritableLength);
                    }

                    transport.SignalUsed(queue);
                    _idleSince = _notifiedAt == 0 ? Stopwatch.GetTimestamp() : 0;
                }

                _busy = false;
                Monitor.PulseAll(gate);
            }
        }

        return true;
    }

    /// <summary>Checks a request's layout (under the lock); null when it broke the device.</summary>
    private static Request? Parse(VirtioMmio transport, DescriptorChain chain)
    {
        if (chain.Readable.Count == 0 || chain.Writable.Count == 0)
        {
            transport.DeviceError("a request lacks its header or its status byte");
            return null;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        if (chain.Read(transport.Memory, 0, header) < HeaderSize)
        {
            transport.DeviceError($"a request's header is shorter than {HeaderSize} bytes");
            return null;
        }

        var type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var sector = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        if (type is VIRTIO_BLK_T_IN or VIRTIO_BLK_T_GET_ID && chain.ReadableLength > HeaderSize)
        {
            transport.DeviceError($"a request of type {type} gives its data buffers device-readable: the device would write into a read-only buffer");
            return null;
        }

        return new Request(chain, type, sector);
    }

    /// <summary>Does a request's I/O (without the lock); returns its status.</summary>
    private byte Serve(IGuestMemory memory, Request request)
    {
        var chain = request.Chain;
        try
        {
            switch (request.Type)
            {
                case VIRTIO_BLK_T_IN:
                    {
                        var length = chain.WritableLength - 1;
                        if (!InRange(request.Sector, length))
                        {
                            return VIRTIO_BLK_S_IOERR;
                        }

                        _statistics.BytesRead += length;
                        if (HostVectors(memory, chain.Writable, 0, length) is var into and >= 0)
                        {
                            _image.ReadInto((long)request.Sector * SectorSize, _vectors.AsSpan(0, into));
                            return VIRTIO_BLK_S_OK;
                        }

                        for (var done = 0L; done < length;)
                        {
                            var count = (int)Math.Min(ChunkSize, length - done);
                            _image.Read(((long)request.Sector * SectorSize) + done, _chunk.AsSpan(0, count));
                            chain.Write(memory, done, _chunk.AsSpan(0, count));
                            done += count;
                        }

                        return VIRTIO_BLK_S_OK;
                    }

                case VIRTIO_BLK_T_OUT:
                    {
                        var length = chain.ReadableLength - HeaderSize;
                        if (_image.ReadOnly || !InRange(request.Sector, length))
                        {
                            return VIRTIO_BLK_S_IOERR;
                        }

                        _statistics.BytesWritten += length;
                        if (HostVectors(memory, chain.Readable, HeaderSize, length) is var from and >= 0)
                        {
                            _image.WriteFrom((long)request.Sector * SectorSize, _vectors.AsSpan(0, from));
                            return VIRTIO_BLK_S_OK;
                        }

                        for (var done = 0L; done < length;)
                        {
                            var count = (int)Math.Min(ChunkSize, length - done);
                            chain.Read(memory, HeaderSize + done, _chunk.AsSpan(0, count));
                            _image.Write(((long)request.Sector * SectorSize) + done, _chunk.AsSpan(0, count));
                            done += count;
                        }

                        return VIRTIO_BLK_S_OK;
                    }

                case VIRTIO_BLK_T_FLUSH:
                    if (!_image.ReadOnly)
                    {
                        _image.Flush();
                    }

                    return VIRTIO_BLK_S_OK;

                case VIRTIO_BLK_T_GET_ID:
                    {
                        // As QEMU: the serial, NUL-terminated only when shorter than the 20 bytes.
                        var size = (int)Math.Min(_serial.Length + 1, Math.Min(chain.WritableLength - 1, IdBytes));
                        var id = new byte[IdBytes + 1];
                        _serial.AsSpan(0, Math.Min(_serial.Length, IdBytes)).CopyTo(id);
                        chain.Write(memory, 0, id.AsSpan(0, size));
                        return VIRTIO_BLK_S_OK;
                    }

                default:
                    DeviceLog.Once($"virtio-blk: request type {request.Type} is not supported");
                    return VIRTIO_BLK_S_UNSUPP;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeviceLog.Once($"virtio-blk: I/O error on '{_image.Path}': {e.Message}");
            return VIRTIO_BLK_S_IOERR;
        }
    }

    /// <summary>
    /// The host memory of <paramref name="length"/> bytes of <paramref name="buffers"/> from byte
    /// <paramref name="skip"/> on, as I/O vectors (guest-contiguous buffers merged), so the file I/O goes
    /// straight to or from guest RAM. Fills the first entries of the vector array and returns their count, or
    /// -1 when the memory cannot be reached that way (then the data is copied).
    /// </summary>
    private int HostVectors(IGuestMemory memory, IReadOnlyList<VirtioBuffer> buffers, long skip, long length)
    {
        var count = 0;
        var nextGuest = 0UL;
        foreach (var buffer in buffers)
        {
            if (length == 0)
            {
                break;
            }

            if (skip >= buffer.Length)
            {
                skip -= buffer.Length;
                continue;
            }

            var guest = buffer.Address + (ulong)skip;
            var size = Math.Min(buffer.Length - skip, length);
            skip = 0;
            length -= size;
            var host = memory.HostAddress(guest, (ulong)size);
            if (host == 0)
            {
                return -1;
            }

            if (count > 0 && guest == nextGuest && _vectors[count - 1].Base + _vectors[count - 1].Length == host)
            {
                _vectors[count - 1] = _vectors[count - 1] with { Length = _vectors[count - 1].Length + (nint)size };
            }
            else
            {
                _vectors[count++] = new IoVector(host, (nint)size);
            }

            nextGuest = guest + (ulong)size;
        }

        return count;
    }

    /// <summary>A whole number of sectors from <paramref name="sector"/>, all within the disk (QEMU's virtio_blk_sect_range_ok).</summary>
    private bool InRange(ulong sector, long length)
    {
        if (length % SectorSize != 0)
        {
            return false;
        }

        var sectors = (ulong)length / SectorSize;
        return sector <= _image.Sectors && sectors <= _image.Sectors - sector;
    }

    public void Dispose()
    {
        _stopping = true;
        _kick.Release();
        _worker.Join();
        _kick.Dispose();
        _image.Dispose();
    }

    /// <summary>A request taken from the queue: its chain, its header, and the status it completes with.</summary>
    private sealed class Request(DescriptorChain chain, uint type, ulong sector)
    {
        public DescriptorChain Chain { get; } = chain;

        public uint Type { get; } = type;

        public ulong Sector { get; } = sector;

        public byte Status { get; set; }
    }
}
