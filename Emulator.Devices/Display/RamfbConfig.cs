using System.Buffers.Binary;

namespace Emulator.Devices.Display;

/// <summary>
/// The contents of the fw_cfg file etc/ramfb (QEMU hw/display/ramfb.c, struct RAMFBCfg): 28 packed
/// big-endian bytes { u64 addr; u32 fourcc; u32 flags; u32 width; u32 height; u32 stride }.
/// </summary>
public readonly record struct RamfbConfig(ulong Address, uint FourCc, uint Flags, uint Width, uint Height, uint Stride)
{
    public const int Size = 28;

    // The limits QEMU takes from the Bochs VBE interface (VBE_DISPI_MAX_XRES / MAX_YRES).
    public const uint MinWidth = 16;
    public const uint MaxWidth = 16000;
    public const uint MinHeight = 16;
    public const uint MaxHeight = 12000;

    public static RamfbConfig Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size)
        {
            throw new ArgumentException($"etc/ramfb holds {Size} bytes", nameof(bytes));
        }

        return new RamfbConfig(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[20..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[24..]));
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, Address);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), FourCc);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(12), Flags);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), Width);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(20), Height);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(24), Stride);
        return bytes;
    }

    public int BytesPerPixel => DrmFourCc.BytesPerPixel(FourCc);

    /// <summary>Bytes of one row of pixels (without the padding a larger stride adds).</summary>
    public ulong LineSize => (ulong)Width * (ulong)BytesPerPixel;

    /// <summary>The distance between rows: the stride, or the line size when the stride is 0.</summary>
    public ulong EffectiveStride => Stride == 0 ? LineSize : Stride;

    /// <summary>Bytes from the first pixel to the end of the last: stride * (height - 1) + line size.</summary>
    public ulong FrameSpan => (EffectiveStride * (Height - 1)) + LineSize;

    /// <summary>
    /// Whether QEMU would show this configuration: a known format, 16-16000 by 16-12000 pixels, and the whole
    /// framebuffer in guest RAM. QEMU ignores any other configuration (the previous one stays).
    /// </summary>
    public bool IsUsable(IGuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return BytesPerPixel != 0 &&
            Width is >= MinWidth and <= MaxWidth &&
            Height is >= MinHeight and <= MaxHeight &&
            memory.Contains(Address, FrameSpan);
    }
}
