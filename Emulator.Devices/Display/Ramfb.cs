using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Emulator.Devices.Display;

/// <summary>
/// QEMU's ramfb (hw/display/ramfb.c): a framebuffer in plain guest RAM that the guest describes by writing
/// the fw_cfg file etc/ramfb (<see cref="RamfbConfig"/>), usually from firmware. There is no register and
/// no device-tree node; the guest finds the file in the fw_cfg directory. A configuration QEMU would refuse
/// is ignored and the previous one stays. The machine may start it configured, standing in for firmware
/// (our board does for a Linux Image, and describes that framebuffer in the device tree itself).
/// The configuration changes on the CPU's thread (a fw_cfg DMA write); <see cref="Capture"/> runs on any
/// other and reads the framebuffer while the guest draws, as a display controller does.
/// </summary>
public sealed class Ramfb : IDisplaySource
{
    public const string FileName = "etc/ramfb";

    private readonly IGuestMemory _memory;
    private readonly Lock _captureGate = new();
    private volatile StrongBox<RamfbConfig>? _config;
    private long _configurations;

    // Capture state, under _captureGate: the guest bytes the current frame was made from, and the frame.
    private byte[] _raw = [];
    private byte[] _previousRaw = [];
    private StrongBox<RamfbConfig>? _frameConfig;
    private DisplayFrame? _frame;
    private long _generation;

    /// <summary>
    /// Adds etc/ramfb (writable) to <paramref name="fwCfg"/>: 28 zero bytes, or <paramref name="firmwareConfig"/>
    /// as though firmware had written it before the guest starts (the guest reads it back, and may replace it).
    /// </summary>
    public Ramfb(FwCfg fwCfg, IGuestMemory memory, RamfbConfig? firmwareConfig = null)
    {
        ArgumentNullException.ThrowIfNull(fwCfg);
        ArgumentNullException.ThrowIfNull(memory);
        _memory = memory;
        var contents = firmwareConfig?.ToBytes() ?? new byte[RamfbConfig.Size];
        if (firmwareConfig is { } config && !config.IsUsable(memory))
        {
            throw new ArgumentException($"ramfb cannot show {Describe(config)}", nameof(firmwareConfig));
        }

        fwCfg.AddFile(FileName, contents, Configure);
        if (firmwareConfig is not null)
        {
            Configure(contents);
        }
    }

    /// <summary>The configuration in use, or null until the guest has written a usable one.</summary>
    public RamfbConfig? Config => _config?.Value;

    /// <summary>How many usable configurations the guest has written (each replaces the previous).</summary>
    public long Configurations => Interlocked.Read(ref _configurations);

    private void Configure(byte[] contents)
    {
        var config = RamfbConfig.Parse(contents);
        if (!config.IsUsable(_memory))
        {
            DeviceLog.Once($"ramfb: configuration ignored ({Describe(config)})");
            return;
        }

        _config = new StrongBox<RamfbConfig>(config);
        Interlocked.Increment(ref _configurations);
    }

    private static string Describe(RamfbConfig config) =>
        $"fourcc 0x{config.FourCc:X8}, {config.Width}x{config.Height}, stride {config.Stride}, at 0x{config.Address:X}";

    public DisplayFrame? Capture()
    {
        var current = _config;
        if (current is null)
        {
            return null;
        }

        lock (_captureGate)
        {
            var config = current.Value;
            var lineSize = (int)config.LineSize;
            var height = (int)config.Height;
            var sameConfig = _frame is not null && ReferenceEquals(current, _frameConfig);
            if (sameConfig && UnchangedInPlace(config, lineSize, height) is { } unchanged)
            {
                if (unchanged)
                {
                    return _frame;
                }

                sameConfig = false; // changed: copy it, no need to compare again
            }

            var size = lineSize * height;
            if (_raw.Length != size)
            {
                _raw = new byte[size];
            }

            for (var y = 0; y < height; y++)
            {
                var row = config.Address + ((ulong)y * config.EffectiveStride);
                if (!_memory.TryRead(row, _raw.AsSpan(y * lineSize, lineSize)))
                {
                    return _frame; // cannot happen for a usable configuration; keep the last picture
                }
            }

            if (sameConfig && _raw.AsSpan().SequenceEqual(_previousRaw))
            {
                return _frame;
            }

            var pixels = new uint[(int)config.Width * height];
            Convert(config, _raw, pixels);
            (_raw, _previousRaw) = (_previousRaw, _raw);
            _frameConfig = current;
            _frame = new DisplayFrame((int)config.Width, height, pixels, ++_generation);
            return _frame;
        }
    }

    /// <summary>
    /// Whether the guest's framebuffer still holds the bytes of the frame shown, compared where it lies in guest RAM
    /// (no copy: a still picture, the common case, costs one read of it); null when RAM cannot be reached that way.
    /// </summary>
    private unsafe bool? UnchangedInPlace(RamfbConfig config, int lineSize, int height)
    {
        var stride = config.EffectiveStride;
        var host = (byte*)_memory.HostAddress(config.Address, config.FrameSpan);
        if (host is null)
        {
            return null;
        }

        for (var y = 0; y < height; y++)
        {
            var row = new ReadOnlySpan<byte>(host + ((ulong)y * stride), lineSize);
            if (!row.SequenceEqual(_previousRaw.AsSpan(y * lineSize, lineSize)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Turns rows of guest pixels (no padding between rows) into opaque 0xFFRRGGBB values.</summary>
    public static void Convert(RamfbConfig config, ReadOnlySpan<byte> rows, Span<uint> pixels)
    {
        var count = (int)config.Width * (int)config.Height;
        switch (config.BytesPerPixel)
        {
            case 4 when BitConverter.IsLittleEndian:
                {
                    // The guest's little-endian words are the host's: set the unused byte, a vector at a time.
                    var words = MemoryMarshal.Cast<byte, uint>(rows[..(count * 4)]);
                    var opaque = new Vector<uint>(0xFF00_0000);
                    var i = 0;
                    for (; i <= count - Vector<uint>.Count; i += Vector<uint>.Count)
                    {
                        (new Vector<uint>(words[i..]) | opaque).CopyTo(pixels[i..]);
                    }

                    for (; i < count; i++)
                    {
                        pixels[i] = words[i] | 0xFF00_0000;
                    }

                    break;
                }

            case 4:
                for (var i = 0; i < count; i++)
                {
                    pixels[i] = BinaryPrimitives.ReadUInt32LittleEndian(rows[(i * 4)..]) | 0xFF00_0000;
                }

                break;
            case 3:
                for (var i = 0; i < count; i++)
                {
                    var p = rows.Slice(i * 3, 3);
                    pixels[i] = 0xFF00_0000 | ((uint)p[2] << 16) | ((uint)p[1] << 8) | p[0];
                }

                break;
            default:
                throw new ArgumentException($"unsupported fourcc 0x{config.FourCc:X8}", nameof(config));
        }
    }
}
