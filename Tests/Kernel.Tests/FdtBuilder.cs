using System.Buffers.Binary;
using System.Text;

namespace Kernel.Tests;

/// <summary>Builds flattened device tree blobs (version 17) for the parser tests.</summary>
public sealed class FdtBuilder
{
    private readonly List<byte> _structure = new();
    private readonly List<byte> _strings = new();
    private readonly Dictionary<string, int> _stringOffsets = new();
    private readonly List<(ulong Address, ulong Size)> _reservations = new();

    public FdtBuilder BeginNode(string name)
    {
        Token(1);
        _structure.AddRange(Encoding.ASCII.GetBytes(name));
        _structure.Add(0);
        Pad();
        return this;
    }

    public FdtBuilder EndNode()
    {
        Token(2);
        return this;
    }

    public FdtBuilder Property(string name, byte[] value)
    {
        Token(3);
        Word((uint)value.Length);
        Word((uint)StringOffset(name));
        _structure.AddRange(value);
        Pad();
        return this;
    }

    public FdtBuilder Property(string name, params uint[] cells)
    {
        var value = new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(i * 4), cells[i]);
        return Property(name, value);
    }

    public FdtBuilder Property(string name, string value) => Property(name, Encoding.ASCII.GetBytes(value + "\0"));

    public FdtBuilder StringList(string name, params string[] values)
        => Property(name, Encoding.ASCII.GetBytes(string.Concat(values.Select(v => v + "\0"))));

    public FdtBuilder Nop()
    {
        Token(4);
        return this;
    }

    public FdtBuilder Reserve(ulong address, ulong size)
    {
        _reservations.Add((address, size));
        return this;
    }

    public byte[] Build()
    {
        Token(9);
        int reservationOffset = 40;
        int reservationSize = (_reservations.Count + 1) * 16;
        int structOffset = reservationOffset + reservationSize;
        int stringsOffset = structOffset + _structure.Count;
        int total = stringsOffset + _strings.Count;
        var blob = new byte[total];
        Span<byte> b = blob;
        BinaryPrimitives.WriteUInt32BigEndian(b[0..], 0xd00dfeed);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(b[8..], (uint)structOffset);
        BinaryPrimitives.WriteUInt32BigEndian(b[12..], (uint)stringsOffset);
        BinaryPrimitives.WriteUInt32BigEndian(b[16..], (uint)reservationOffset);
        BinaryPrimitives.WriteUInt32BigEndian(b[20..], 17);
        BinaryPrimitives.WriteUInt32BigEndian(b[24..], 16);
        BinaryPrimitives.WriteUInt32BigEndian(b[28..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(b[32..], (uint)_strings.Count);
        BinaryPrimitives.WriteUInt32BigEndian(b[36..], (uint)_structure.Count);
        for (int i = 0; i < _reservations.Count; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(b[(reservationOffset + i * 16)..], _reservations[i].Address);
            BinaryPrimitives.WriteUInt64BigEndian(b[(reservationOffset + i * 16 + 8)..], _reservations[i].Size);
        }
        _structure.CopyTo(blob, structOffset);
        _strings.CopyTo(blob, stringsOffset);
        return blob;
    }

    private int StringOffset(string name)
    {
        if (!_stringOffsets.TryGetValue(name, out int offset))
        {
            offset = _strings.Count;
            _strings.AddRange(Encoding.ASCII.GetBytes(name));
            _strings.Add(0);
            _stringOffsets[name] = offset;
        }
        return offset;
    }

    private void Token(uint token) => Word(token);

    private void Word(uint value)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, value);
        _structure.AddRange(word.ToArray());
    }

    private void Pad()
    {
        while (_structure.Count % 4 != 0)
            _structure.Add(0);
    }

    /// <summary>A tree shaped like QEMU's virt board (trimmed).</summary>
    public static byte[] VirtBoard(ulong memoryBase = 0x4000_0000, ulong memorySize = 512UL << 20, string bootargs = "hz=250 test=heapstress")
    {
        return new FdtBuilder()
            .Reserve(0x4800_0000, 0x1000)
            .BeginNode("")
                .Property("#address-cells", 2u).Property("#size-cells", 2u)
                .Property("compatible", "linux,dummy-virt")
                .BeginNode("chosen")
                    .Property("bootargs", bootargs)
                    .Property("linux,initrd-start", 0u, 0x4400_0000u)
                    .Property("linux,initrd-end", 0u, 0x4410_0000u)
                .EndNode()
                .BeginNode($"memory@{memoryBase:x}")
                    .Property("device_type", "memory")
                    .Property("reg", (uint)(memoryBase >> 32), (uint)memoryBase, (uint)(memorySize >> 32), (uint)memorySize)
                .EndNode()
                .BeginNode("pl011@9000000")
                    .StringList("compatible", "arm,pl011", "arm,primecell")
                    .Property("reg", 0u, 0x0900_0000u, 0u, 0x1000u)
                    .Property("interrupts", 0u, 1u, 4u)
                .EndNode()
                .BeginNode("intc@8000000")
                    .StringList("compatible", "arm,cortex-a15-gic")
                    .Property("reg", 0u, 0x0800_0000u, 0u, 0x10000u, 0u, 0x0801_0000u, 0u, 0x10000u)
                .EndNode()
                .BeginNode("timer")
                    .StringList("compatible", "arm,armv8-timer", "arm,armv7-timer")
                    .Property("interrupts", 1u, 13u, 0xf04u, 1u, 14u, 0xf04u, 1u, 11u, 0xf04u, 1u, 10u, 0xf04u)
                .EndNode()
                .BeginNode("soc")
                    .Property("#address-cells", 1u).Property("#size-cells", 1u)
                    .BeginNode("virtio_mmio@a000000")
                        .StringList("compatible", "virtio,mmio")
                        .Property("reg", 0x0a00_0000u, 0x200u)
                        .Nop()
                    .EndNode()
                    .BeginNode("virtio_mmio@a000200")
                        .StringList("compatible", "virtio,mmio")
                        .Property("reg", 0x0a00_0200u, 0x200u)
                    .EndNode()
                .EndNode()
            .EndNode()
            .Build();
    }
}
