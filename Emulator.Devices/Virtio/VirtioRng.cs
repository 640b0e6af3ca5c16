using System.Security.Cryptography;

namespace Emulator.Devices.Virtio;

/// <summary>
/// virtio entropy device (OASIS virtio 1.x, 5.4; device id 4): one queue whose device-writable buffers it
/// fills from the host's CSPRNG. Served at once, on the notifying thread: filling a buffer is as quick as
/// the guest's own copy. A chain with a device-readable buffer asks the device to write into memory the
/// driver marked read-only, which breaks the device (5.4.6.1: the driver must not place them).
/// </summary>
public sealed class VirtioRng : IVirtioDevice
{
    private const int RequestQueue = 0;
    private const int ChunkSize = 4096;

    private VirtioMmio? _transport;

    public uint DeviceId => 4;

    public string Name => "virtio-rng";

    public ulong Features => 0;

    public int QueueCount => 1;

    public int ConfigSize => 0;

    public void Attach(VirtioMmio transport) => _transport = transport;

    public void ReadConfig(int offset, Span<byte> destination) => destination.Clear();

    public void WriteConfig(int offset, ReadOnlySpan<byte> source)
    {
    }

    public void QueueNotify(int queue)
    {
        var transport = _transport!;
        var requests = transport.Queue(RequestQueue);
        Span<byte> random = stackalloc byte[ChunkSize];
        var served = false;
        while (requests.Pop() is { } chain)
        {
            if (chain.ReadableLength > 0)
            {
                transport.DeviceError($"a request on queue {RequestQueue} has a device-readable buffer: the device would write into a read-only buffer");
                return;
            }

            var written = 0L;
            while (written < chain.WritableLength)
            {
                var chunk = random[..(int)Math.Min(ChunkSize, chain.WritableLength - written)];
                RandomNumberGenerator.Fill(chunk);
                var count = chain.Write(transport.Memory, written, chunk);
                if (count == 0)
                {
                    break;
                }

                written += count;
            }

            requests.Push(chain.Head, (uint)written);
            served = true;
        }

        if (served)
        {
            transport.SignalUsed(requests);
        }
    }

    public void Reset()
    {
    }
}
