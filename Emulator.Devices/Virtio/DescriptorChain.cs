namespace Emulator.Devices.Virtio;

/// <summary>
/// A descriptor chain taken from the available ring (OASIS virtio 1.x, 2.7.5 "The Virtqueue Descriptor
/// Table"), flattened: the device-readable buffers, then the device-writable ones, every one checked against
/// guest RAM when the chain was taken. Reads and writes go through the guest memory accessor and treat the
/// buffers of each kind as one contiguous byte stream.
/// </summary>
public sealed class DescriptorChain
{
    public DescriptorChain(ushort head, IReadOnlyList<VirtioBuffer> readable, IReadOnlyList<VirtioBuffer> writable)
    {
        Head = head;
        Readable = readable;
        Writable = writable;
        ReadableLength = readable.Sum(b => (long)b.Length);
        WritableLength = writable.Sum(b => (long)b.Length);
    }

    /// <summary>The index of the chain's first descriptor: what the used ring reports back.</summary>
    public ushort Head { get; }

    public IReadOnlyList<VirtioBuffer> Readable { get; }

    public IReadOnlyList<VirtioBuffer> Writable { get; }

    public long ReadableLength { get; }

    public long WritableLength { get; }

    /// <summary>Copies device-readable bytes from <paramref name="offset"/> on; returns how many there were.</summary>
    public int Read(IGuestMemory memory, long offset, Span<byte> destination)
    {
        var done = 0;
        foreach (var buffer in Readable)
        {
            if (!Step(buffer, ref offset, destination.Length - done, out var count))
            {
                continue;
            }

            if (count == 0 || !memory.TryRead(buffer.Address + (ulong)offset, destination.Slice(done, count)))
            {
                break;
            }

            done += count;
            offset = 0;
        }

        return done;
    }

    /// <summary>Copies <paramref name="source"/> into the device-writable bytes from <paramref name="offset"/> on; returns how many fitted.</summary>
    public int Write(IGuestMemory memory, long offset, ReadOnlySpan<byte> source)
    {
        var done = 0;
        foreach (var buffer in Writable)
        {
            if (!Step(buffer, ref offset, source.Length - done, out var count))
            {
                continue;
            }

            if (count == 0 || !memory.TryWrite(buffer.Address + (ulong)offset, source.Slice(done, count)))
            {
                break;
            }

            done += count;
            offset = 0;
        }

        return done;
    }

    /// <summary>Skips a buffer wholly before <paramref name="offset"/> (false), or says how much of it to copy.</summary>
    private static bool Step(VirtioBuffer buffer, ref long offset, int remaining, out int count)
    {
        if (offset >= buffer.Length)
        {
            offset -= buffer.Length;
            count = 0;
            return false;
        }

        count = (int)Math.Min(buffer.Length - offset, remaining);
        return true;
    }
}
