namespace Emulator.Devices.Virtio;

/// <summary>
/// One virtio device type (blk, rng, ...) behind the shared <see cref="VirtioMmio"/> transport, which owns
/// the registers, feature negotiation, the queues and the interrupt. Every call comes under the machine
/// lock (the transport is an <see cref="IMmioDevice"/>); a device that works on another thread takes that
/// lock again to complete requests (<see cref="VirtioMmio.Lock"/>).
/// </summary>
public interface IVirtioDevice
{
    /// <summary>The virtio device id (OASIS virtio 1.x, 5 "Device Types"): 2 block, 4 entropy.</summary>
    uint DeviceId { get; }

    /// <summary>Short name for messages, e.g. "virtio-blk".</summary>
    string Name { get; }

    /// <summary>The device-type feature bits offered; the transport adds the ring and version bits.</summary>
    ulong Features { get; }

    int QueueCount { get; }

    /// <summary>The configuration space's size in bytes; accesses beyond it read as all ones (QEMU) and are not passed on.</summary>
    int ConfigSize { get; }

    /// <summary>Called once by the transport the device sits behind, before any other call.</summary>
    void Attach(VirtioMmio transport);

    /// <summary>Reads <paramref name="destination"/>.Length bytes of the configuration space at <paramref name="offset"/> (within <see cref="ConfigSize"/>).</summary>
    void ReadConfig(int offset, Span<byte> destination);

    /// <summary>A driver's write to the configuration space; devices whose config is read-only log and ignore it.</summary>
    void WriteConfig(int offset, ReadOnlySpan<byte> source);

    /// <summary>The driver made buffers available on queue <paramref name="queue"/> (the device is live: DRIVER_OK, not broken).</summary>
    void QueueNotify(int queue);

    /// <summary>
    /// The driver reset the device: nothing may be in flight when this returns (a device with a worker waits for it,
    /// releasing the machine lock meanwhile with <see cref="Monitor.Wait(object)"/>).
    /// </summary>
    void Reset();
}
