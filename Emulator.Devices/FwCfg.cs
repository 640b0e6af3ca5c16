using System.Buffers.Binary;
using System.Text;

namespace Emulator.Devices;

/// <summary>
/// QEMU's firmware configuration device, MMIO flavour (QEMU docs/specs/fw_cfg.rst). Items are byte
/// strings selected by a 16-bit key; named files live in a directory item. The guest reads them through
/// the data register or by DMA, and writes the writable files by DMA.
/// Values cross the bus in guest memory order: the data register returns stream bytes with the first byte
/// lowest, and the selector and DMA address registers are big-endian, so their values are byte-swapped here.
/// </summary>
public sealed class FwCfg : IMmioDevice
{
    // Register offsets (fw_cfg.rst, "Register Locations"; MMIO layout as on the virt board).
    private const int FW_CFG_DATA = 0x00; // up to 8 bytes wide
    private const int FW_CFG_SELECTOR = 0x08; // 16-bit, big-endian
    private const int FW_CFG_DMA_ADDRESS = 0x10; // 64-bit, big-endian; high half at +0x10, low half at +0x14
    private const int FW_CFG_DMA_ADDRESS_LOW = 0x14;

    // Selector keys (fw_cfg.rst, "Selector Register" and the following item descriptions).
    private const ushort FW_CFG_SIGNATURE = 0x0000;
    private const ushort FW_CFG_ID = 0x0001;
    private const ushort FW_CFG_FILE_DIR = 0x0019;
    private const ushort FW_CFG_FILE_FIRST = 0x0020;
    private const ushort FW_CFG_WRITE_CHANNEL = 0x4000; // historical write bit, ignored by selection
    private const ushort FileKeyLimit = FW_CFG_WRITE_CHANNEL; // file selectors are 0x0020..0x3FFF

    // FW_CFG_ID feature bits.
    private const uint FeatureTraditional = 1 << 0;
    private const uint FeatureDma = 1 << 1;

    // FWCfgDmaAccess.control bits.
    private const uint DmaError = 1 << 0;
    private const uint DmaRead = 1 << 1;
    private const uint DmaSkip = 1 << 2;
    private const uint DmaSelect = 1 << 3;
    private const uint DmaWrite = 1 << 4;
    private const int DmaDescriptorSize = 16;

    private const int FileNameSize = 56;
    private const int DirectoryEntrySize = 64;

    /// <summary>"QEMU CFG", what the DMA address register reads as, in guest memory order.</summary>
    private static readonly byte[] DmaSignature = "QEMU CFG"u8.ToArray();

    private readonly IGuestMemory _memory;
    private readonly Dictionary<ushort, Item> _items = [];
    private readonly List<FileEntry> _files = []; // sorted by name; file i has key FW_CFG_FILE_FIRST + i

    private ushort _selectedKey;
    private uint _offset;
    private ulong _dmaAddress;

    public FwCfg(IGuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        _memory = memory;
        _items[FW_CFG_SIGNATURE] = new Item("QEMU"u8.ToArray());
        var id = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(id, FeatureTraditional | FeatureDma);
        _items[FW_CFG_ID] = new Item(id);
        _items[FW_CFG_FILE_DIR] = new Item(BuildDirectory());
    }

    /// <summary>
    /// Adds a named file. With <paramref name="onGuestWrite"/> the guest may overwrite it by DMA (within
    /// its current size); the callback then receives a copy of the whole new contents after each write.
    /// </summary>
    public void AddFile(string name, byte[] contents, Action<byte[]>? onGuestWrite = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(contents);
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) >= FileNameSize)
        {
            throw new ArgumentException($"fw_cfg file names are 1 to {FileNameSize - 1} bytes", nameof(name));
        }

        if (_files.Exists(f => f.Name == name))
        {
            throw new ArgumentException($"fw_cfg already has a file named '{name}'", nameof(name));
        }

        if (FW_CFG_FILE_FIRST + _files.Count >= FileKeyLimit)
        {
            throw new InvalidOperationException("fw_cfg has no free file selectors");
        }

        _files.Add(new FileEntry(name, new Item((byte[])contents.Clone(), onGuestWrite)));
        _files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        _items[FW_CFG_FILE_DIR] = new Item(BuildDirectory());
    }

    /// <summary>Adds (or replaces) a read-only item under a fixed key, such as the legacy numeric items.</summary>
    public void AddItem(ushort key, byte[] contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        var normalized = NormalizeKey(key);
        if (normalized == FW_CFG_FILE_DIR || IsFileKey(normalized))
        {
            throw new ArgumentException($"key 0x{key:X4} is reserved for the file directory and files", nameof(key));
        }

        _items[normalized] = new Item((byte[])contents.Clone());
    }

    public ulong Read(ulong offset, int size)
    {
        if (offset < FW_CFG_SELECTOR && offset + (ulong)size <= FW_CFG_SELECTOR)
        {
            return ReadData(size);
        }

        if (offset >= FW_CFG_DMA_ADDRESS && offset + (ulong)size <= FW_CFG_DMA_ADDRESS + 8)
        {
            var value = 0UL;
            for (var i = size - 1; i >= 0; i--)
            {
                value = (value << 8) | DmaSignature[(int)offset - FW_CFG_DMA_ADDRESS + i];
            }

            return value;
        }

        DeviceLog.Once($"fw_cfg: read of size {size} at 0x{offset:X} returns 0");
        return 0;
    }

    public void Write(ulong offset, int size, ulong value)
    {
        switch (offset)
        {
            case FW_CFG_SELECTOR when size == 2:
                Select(BinaryPrimitives.ReverseEndianness((ushort)value));
                return;
            case FW_CFG_DMA_ADDRESS when size == 8:
                _dmaAddress = BinaryPrimitives.ReverseEndianness(value);
                RunDma();
                return;
            case FW_CFG_DMA_ADDRESS when size == 4:
                _dmaAddress = (ulong)BinaryPrimitives.ReverseEndianness((uint)value) << 32;
                return;
            case FW_CFG_DMA_ADDRESS_LOW when size == 4:
                _dmaAddress |= BinaryPrimitives.ReverseEndianness((uint)value);
                RunDma();
                return;
        }

        if (offset < FW_CFG_SELECTOR)
        {
            DeviceLog.Once("fw_cfg: write to the data register ignored (writes go through DMA)");
            return;
        }

        DeviceLog.Once($"fw_cfg: write of size {size} at 0x{offset:X} ignored");
    }

    private static ushort NormalizeKey(ushort key) => (ushort)(key & ~FW_CFG_WRITE_CHANNEL);

    private static bool IsFileKey(ushort key) => key is >= FW_CFG_FILE_FIRST and < FileKeyLimit;

    private void Select(ushort key)
    {
        _selectedKey = NormalizeKey(key);
        _offset = 0;
    }

    private Item? SelectedItem()
    {
        if (IsFileKey(_selectedKey))
        {
            var index = _selectedKey - FW_CFG_FILE_FIRST;
            return index < _files.Count ? _files[index].Item : null;
        }

        return _items.GetValueOrDefault(_selectedKey);
    }

    private ulong ReadData(int size)
    {
        var item = SelectedItem();
        var value = 0UL;
        for (var i = 0; i < size; i++)
        {
            ulong b = 0;
            if (item is not null && _offset < item.Data.Length)
            {
                b = item.Data[_offset++];
            }

            value |= b << (8 * i);
        }

        return value;
    }

    private byte[] BuildDirectory()
    {
        var directory = new byte[4 + (_files.Count * DirectoryEntrySize)];
        BinaryPrimitives.WriteUInt32BigEndian(directory, (uint)_files.Count);
        for (var i = 0; i < _files.Count; i++)
        {
            var entry = directory.AsSpan(4 + (i * DirectoryEntrySize), DirectoryEntrySize);
            BinaryPrimitives.WriteUInt32BigEndian(entry, (uint)_files[i].Item.Data.Length);
            BinaryPrimitives.WriteUInt16BigEndian(entry[4..], (ushort)(FW_CFG_FILE_FIRST + i));
            Encoding.UTF8.GetBytes(_files[i].Name, entry[8..]);
        }

        return directory;
    }

    /// <summary>Runs the FWCfgDmaAccess descriptor at <see cref="_dmaAddress"/> and writes its control word back.</summary>
    private void RunDma()
    {
        var descriptorAddress = _dmaAddress;
        Span<byte> descriptor = stackalloc byte[DmaDescriptorSize];
        if (!_memory.TryRead(descriptorAddress, descriptor))
        {
            DeviceLog.Once($"fw_cfg: DMA descriptor at unreadable address 0x{descriptorAddress:X}");
            WriteControl(descriptorAddress, DmaError);
            return;
        }

        var control = BinaryPrimitives.ReadUInt32BigEndian(descriptor);
        var length = BinaryPrimitives.ReadUInt32BigEndian(descriptor[4..]);
        var address = BinaryPrimitives.ReadUInt64BigEndian(descriptor[8..]);

        if ((control & DmaSelect) != 0)
        {
            Select((ushort)(control >> 16));
        }

        bool ok;
        if ((control & DmaRead) != 0)
        {
            ok = DmaToGuest(address, length);
        }
        else if ((control & DmaWrite) != 0)
        {
            ok = DmaFromGuest(address, length);
        }
        else if ((control & DmaSkip) != 0)
        {
            Skip(length);
            ok = true;
        }
        else
        {
            ok = true; // select only
        }

        WriteControl(descriptorAddress, ok ? 0 : DmaError);
    }

    private void WriteControl(ulong descriptorAddress, uint control)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, control);
        if (!_memory.TryWrite(descriptorAddress, bytes))
        {
            DeviceLog.Once($"fw_cfg: cannot write the DMA control word back to 0x{descriptorAddress:X}");
        }
    }

    private void Skip(uint length)
    {
        var item = SelectedItem();
        if (item is not null && _offset < item.Data.Length)
        {
            _offset += Math.Min(length, (uint)item.Data.Length - _offset);
        }
    }

    /// <summary>A DMA read: item bytes to the guest, then zeros for whatever lies past the item's end.</summary>
    private bool DmaToGuest(ulong address, uint length)
    {
        var item = SelectedItem();
        if (item is not null && _offset < item.Data.Length)
        {
            var count = (int)Math.Min(length, (uint)item.Data.Length - _offset);
            if (!_memory.TryWrite(address, item.Data.AsSpan((int)_offset, count)))
            {
                DeviceLog.Once($"fw_cfg: DMA read into unwritable guest address 0x{address:X}");
                return false;
            }

            _offset += (uint)count;
            address += (uint)count;
            length -= (uint)count;
        }

        Span<byte> zeros = stackalloc byte[4096];
        zeros.Clear();
        while (length > 0)
        {
            var count = (int)Math.Min(length, (uint)zeros.Length);
            if (!_memory.TryWrite(address, zeros[..count]))
            {
                DeviceLog.Once($"fw_cfg: DMA read into unwritable guest address 0x{address:X}");
                return false;
            }

            address += (uint)count;
            length -= (uint)count;
        }

        return true;
    }

    /// <summary>A DMA write: guest bytes into a writable file, which must hold all of them from the current offset.</summary>
    private bool DmaFromGuest(ulong address, uint length)
    {
        if (length == 0)
        {
            return true;
        }

        var item = SelectedItem();
        if (item is null || item.OnGuestWrite is null)
        {
            DeviceLog.Once($"fw_cfg: DMA write to read-only or missing item 0x{_selectedKey:X4}");
            return false;
        }

        if (_offset >= item.Data.Length || length > item.Data.Length - _offset)
        {
            DeviceLog.Once($"fw_cfg: DMA write past the end of item 0x{_selectedKey:X4}");
            return false;
        }

        var incoming = new byte[length];
        if (!_memory.TryRead(address, incoming))
        {
            DeviceLog.Once($"fw_cfg: DMA write from unreadable guest address 0x{address:X}");
            return false;
        }

        incoming.CopyTo(item.Data, (int)_offset);
        _offset += length;
        item.OnGuestWrite((byte[])item.Data.Clone());
        return true;
    }

    private sealed class Item(byte[] data, Action<byte[]>? onGuestWrite = null)
    {
        public byte[] Data { get; } = data;

        public Action<byte[]>? OnGuestWrite { get; } = onGuestWrite;
    }

    private sealed record FileEntry(string Name, Item Item);
}
