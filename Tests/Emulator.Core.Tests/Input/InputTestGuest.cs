using System.Buffers.Binary;
using Emulator.Devices;
using Emulator.Devices.Virtio;

namespace Emulator.Core.Tests.Input;

/// <summary>
/// A virtio input device behind a modern virtio-mmio transport, started by a minimal driver that posts
/// <see cref="Slots"/> event buffers on queue 0; <see cref="Events"/> reads back what the device delivered.
/// </summary>
internal sealed class InputTestGuest
{
    public const int Slots = 64;
    private const ulong RamBase = 0x4000_0000;
    private const ulong Descriptors = RamBase;
    private const ulong Available = RamBase + 0x1000;
    private const ulong Used = RamBase + 0x2000;
    private const ulong Buffers = RamBase + 0x3000;

    private readonly Memory _ram = new();
    private readonly VirtioMmio _transport;

    public InputTestGuest(VirtioInputProfile profile, bool start = true)
    {
        Device = new VirtioInput(profile);
        _transport = new VirtioMmio(Device, _ram, new NullIrqLine(), legacy: false, Lock);
        if (start)
        {
            Start();
        }
    }

    public object Lock { get; } = new();

    public VirtioInput Device { get; }

    public void Start()
    {
        Write(0x070, 0);
        Write(0x070, 1 | 2);
        Write(0x024, 1);
        Write(0x020, 1); // VERSION_1
        Write(0x070, 1 | 2 | 8);
        Write(0x030, 0);
        Write(0x038, Slots);
        Write(0x080, (uint)Descriptors);
        Write(0x090, (uint)Available);
        Write(0x0a0, (uint)Used);
        Write(0x044, 1);
        for (var i = 0; i < Slots; i++)
        {
            var descriptor = _ram.At(Descriptors + ((ulong)i * 16), 16);
            BinaryPrimitives.WriteUInt64LittleEndian(descriptor, Buffers + ((ulong)i * 8));
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor[8..], 8);
            BinaryPrimitives.WriteUInt16LittleEndian(descriptor[12..], 2); // WRITE
            BinaryPrimitives.WriteUInt16LittleEndian(_ram.At(Available + 4 + ((ulong)i * 2), 2), (ushort)i);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(_ram.At(Available + 2, 2), Slots);
        Write(0x070, 1 | 2 | 4 | 8);
        Write(0x050, 0);
    }

    /// <summary>The events delivered so far as "type code value", in order.</summary>
    public List<string> Events()
    {
        lock (Lock)
        {
            var count = BinaryPrimitives.ReadUInt16LittleEndian(_ram.At(Used + 2, 2));
            var events = new List<string>();
            for (var i = 0; i < count; i++)
            {
                var head = BinaryPrimitives.ReadUInt32LittleEndian(_ram.At(Used + 4 + ((ulong)i * 8), 4));
                var bytes = _ram.At(Buffers + (head * 8), 8);
                events.Add($"{BinaryPrimitives.ReadUInt16LittleEndian(bytes)} {BinaryPrimitives.ReadUInt16LittleEndian(bytes[2..])} {BinaryPrimitives.ReadInt32LittleEndian(bytes[4..])}");
            }

            return events;
        }
    }

    private void Write(ulong offset, uint value)
    {
        lock (Lock)
        {
            _transport.Write(offset, 4, value);
        }
    }

    private sealed class Memory : IGuestMemory
    {
        private readonly byte[] _bytes = new byte[0x4000];

        public Span<byte> At(ulong address, int length) => _bytes.AsSpan((int)(address - RamBase), length);

        public bool Contains(ulong address, ulong length) =>
            address >= RamBase && length <= (ulong)_bytes.Length && address - RamBase <= (ulong)_bytes.Length - length;

        public bool TryRead(ulong address, Span<byte> destination)
        {
            if (!Contains(address, (ulong)destination.Length))
            {
                return false;
            }

            At(address, destination.Length).CopyTo(destination);
            return true;
        }

        public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
        {
            if (!Contains(address, (ulong)source.Length))
            {
                return false;
            }

            source.CopyTo(At(address, source.Length));
            return true;
        }
    }
}
