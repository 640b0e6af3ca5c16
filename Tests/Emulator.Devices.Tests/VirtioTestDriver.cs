using System.Buffers.Binary;
using Emulator.Devices.Virtio;

namespace Emulator.Devices.Tests;

/// <summary>
/// A minimal virtio driver over <see cref="VirtioMmio"/>'s registers and a fake guest RAM: it negotiates
/// features, lays out queue 0 (legacy QueuePFN layout or modern addresses), builds descriptor chains and
/// reads the used ring back. Every register access takes the machine lock, as the bus does.
/// </summary>
internal sealed class VirtioTestDriver
{
    public const ulong RamBase = 0x4000_0000;
    public const int RamSize = 1 << 20;
    public const int QueueSize = 16;

    /// <summary>Where tests put their data buffers (above the rings).</summary>
    public const ulong DataBase = RamBase + 0x10000;

    private readonly ushort[] _availIndex;
    private readonly int[] _nextDescriptor;

    /// <param name="queues">How many queues <see cref="Start"/> sets up; the helpers work on <see cref="CurrentQueue"/>.</param>
    public VirtioTestDriver(IVirtioDevice? device, bool legacy, IGuestMemory? memory = null, FakeGuestMemory? ram = null, int queues = 1)
    {
        Ram = ram ?? new FakeGuestMemory(RamBase, RamSize);
        Transport = new VirtioMmio(device, memory ?? Ram, Irq, legacy, Lock, 0x0a003e00);
        Legacy = legacy;
        QueueCount = queues;
        _availIndex = new ushort[queues];
        _nextDescriptor = new int[queues];
    }

    public int QueueCount { get; }

    /// <summary>The queue the ring helpers (AddChain, Notify, UsedIndex, ...) work on; 0 unless a test selects another.</summary>
    public int CurrentQueue { get; set; }

    /// <summary>Queue q's rings lie in their own 12 KiB from RamBase + 0x1000 + q * 0x3000.</summary>
    private ulong QueueBase => RamBase + 0x1000 + ((ulong)CurrentQueue * 0x3000);

    public FakeGuestMemory Ram { get; }

    public RecordingIrqLine Irq { get; } = new();

    public object Lock { get; } = new();

    public VirtioMmio Transport { get; }

    public bool Legacy { get; }

    public ulong DescriptorTable => QueueBase;

    public ulong AvailableRing => Legacy ? DescriptorTable + (16 * QueueSize) : QueueBase + 0x1000;

    public ulong UsedRing => Legacy ? QueueBase + 0x1000 : QueueBase + 0x2000;

    public uint Read(ulong offset)
    {
        lock (Lock)
        {
            return (uint)Transport.Read(offset, 4);
        }
    }

    public void Write(ulong offset, uint value)
    {
        lock (Lock)
        {
            Transport.Write(offset, 4, value);
        }
    }

    public ulong DeviceFeatures
    {
        get
        {
            Write(0x014, 0);
            var low = Read(0x010);
            Write(0x014, 1);
            return ((ulong)Read(0x010) << 32) | low;
        }
    }

    /// <summary>The driver's start-up sequence (3.1.1), accepting <paramref name="features"/> (default: everything offered).</summary>
    public void Start(ulong? features = null)
    {
        Write(0x070, 0);
        Write(0x070, VirtioMmio.ACKNOWLEDGE);
        Write(0x070, VirtioMmio.ACKNOWLEDGE | VirtioMmio.DRIVER);
        var accepted = features ?? DeviceFeatures;
        Write(0x024, 0);
        Write(0x020, (uint)accepted);
        if (!Legacy)
        {
            Write(0x024, 1);
            Write(0x020, (uint)(accepted >> 32));
            Write(0x070, VirtioMmio.ACKNOWLEDGE | VirtioMmio.DRIVER | VirtioMmio.FEATURES_OK);
            Assert.True((Read(0x070) & VirtioMmio.FEATURES_OK) != 0, "the device refused the features");
        }

        var current = CurrentQueue;
        for (var q = 0; q < QueueCount; q++)
        {
            CurrentQueue = q;
            Write(0x030, (uint)q);
            Assert.True(Read(0x034) >= QueueSize);
            Write(0x038, QueueSize);
            if (Legacy)
            {
                Write(0x028, 4096);
                Write(0x03c, 4096);
                Write(0x040, (uint)(DescriptorTable >> 12));
            }
            else
            {
                Write(0x080, (uint)DescriptorTable);
                Write(0x084, (uint)(DescriptorTable >> 32));
                Write(0x090, (uint)AvailableRing);
                Write(0x094, (uint)(AvailableRing >> 32));
                Write(0x0a0, (uint)UsedRing);
                Write(0x0a4, (uint)(UsedRing >> 32));
                Write(0x044, 1);
            }
        }

        CurrentQueue = current;
        Write(0x070, Read(0x070) | VirtioMmio.DRIVER_OK);
    }

    public uint Status => Read(0x070);

    /// <summary>Starts the driver's ring bookkeeping afresh (after a device reset and cleared rings).</summary>
    public void ForgetRings()
    {
        Array.Clear(_availIndex);
        Array.Clear(_nextDescriptor);
    }

    public void SetDescriptor(ulong table, int index, ulong address, uint length, ushort flags, ushort next)
    {
        var bytes = Ram.At(table + ((ulong)index * 16), 16);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, address);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[12..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[14..], next);
    }

    /// <summary>Writes a chain of buffers into the descriptor table (NEXT-linked) and makes it available; returns its head.</summary>
    public ushort AddChain(params (ulong Address, uint Length, bool Writable)[] buffers)
    {
        var head = (ushort)(_nextDescriptor[CurrentQueue] % QueueSize);
        for (var i = 0; i < buffers.Length; i++)
        {
            var index = _nextDescriptor[CurrentQueue]++ % QueueSize;
            var last = i == buffers.Length - 1;
            SetDescriptor(DescriptorTable, index, buffers[i].Address, buffers[i].Length,
                (ushort)((last ? 0 : 1) | (buffers[i].Writable ? 2 : 0)), (ushort)((index + 1) % QueueSize));
        }

        MakeAvailable(head);
        return head;
    }

    /// <summary>Puts <paramref name="head"/> in the available ring and publishes it.</summary>
    public void MakeAvailable(ushort head)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Ram.At(AvailableRing + 4 + (2UL * (ulong)(_availIndex[CurrentQueue] % QueueSize)), 2), head);
        _availIndex[CurrentQueue]++;
        SetAvailableIndex(_availIndex[CurrentQueue]);
    }

    public void SetAvailableIndex(ushort index) => BinaryPrimitives.WriteUInt16LittleEndian(Ram.At(AvailableRing + 2, 2), index);

    public void Notify() => Write(0x050, (uint)CurrentQueue);

    public void SetUsedEvent(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Ram.At(AvailableRing + 4 + (2 * QueueSize), 2), value);

    public void SetAvailableFlags(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Ram.At(AvailableRing, 2), value);

    public ushort AvailEvent => BinaryPrimitives.ReadUInt16LittleEndian(Ram.At(UsedRing + 4 + (8 * QueueSize), 2));

    public ushort UsedIndex => BinaryPrimitives.ReadUInt16LittleEndian(Ram.At(UsedRing + 2, 2));

    /// <summary>The used ring's element <paramref name="n"/>: the chain's head and the length the device wrote.</summary>
    public (uint Id, uint Length) Used(int n)
    {
        var bytes = Ram.At(UsedRing + 4 + (8UL * (ulong)(n % QueueSize)), 8);
        return (BinaryPrimitives.ReadUInt32LittleEndian(bytes), BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]));
    }

    public uint InterruptStatus => Read(0x060);

    public void Acknowledge() => Write(0x064, Read(0x060));
}
