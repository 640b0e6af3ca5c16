namespace Emulator.Devices.Virtio;

/// <summary>
/// The virtio-mmio transport (OASIS virtio 1.x, 4.2 "Virtio Over MMIO"), in either register layout: the
/// legacy one (version 1, 4.2.4: GuestPageSize, QueuePFN, QueueAlign, 32 feature bits), which is QEMU's
/// default on `virt`, or the modern one (version 2, QEMU's <c>-global virtio-mmio.force-legacy=false</c>).
/// It owns the registers, feature negotiation, the split queues and the interrupt; the device type behind it
/// (<see cref="IVirtioDevice"/>) only serves requests. A transport with no device answers as QEMU's empty
/// slots do: magic, version and vendor, device id 0.
/// When the driver breaks the protocol (a malformed chain, a request without its headers) the device stops
/// serving until it is reset and, once VERSION_1 is negotiated, sets DEVICE_NEEDS_RESET and raises a
/// configuration-change interrupt (QEMU's virtio_error); the mistake is logged once. Guest addresses are
/// reached only through <see cref="IGuestMemory"/>. Not thread-safe: used under <see cref="Lock"/>.
/// </summary>
public sealed class VirtioMmio : IMmioDevice
{
    // Register offsets (4.2.2, table "MMIO Device Register Layout"; legacy ones from 4.2.4).
    private const int MagicValue = 0x000;
    private const int Version = 0x004;
    private const int DeviceID = 0x008;
    private const int VendorID = 0x00c;
    private const int DeviceFeatures = 0x010;
    private const int DeviceFeaturesSel = 0x014;
    private const int DriverFeatures = 0x020;
    private const int DriverFeaturesSel = 0x024;
    private const int GuestPageSize = 0x028; // legacy
    private const int QueueSel = 0x030;
    private const int QueueNumMax = 0x034;
    private const int QueueNum = 0x038;
    private const int QueueAlign = 0x03c; // legacy
    private const int QueuePFN = 0x040; // legacy
    private const int QueueReady = 0x044;
    private const int QueueNotify = 0x050;
    private const int InterruptStatus = 0x060;
    private const int InterruptACK = 0x064;
    private const int Status = 0x070;
    private const int QueueDescLow = 0x080;
    private const int QueueDescHigh = 0x084;
    private const int QueueDriverLow = 0x090;
    private const int QueueDriverHigh = 0x094;
    private const int QueueDeviceLow = 0x0a0;
    private const int QueueDeviceHigh = 0x0a4;
    private const int ShmSel = 0x0ac;
    private const int ShmLenLow = 0x0b0;
    private const int ShmLenHigh = 0x0b4;
    private const int ShmBaseLow = 0x0b8;
    private const int ShmBaseHigh = 0x0bc;
    private const int ConfigGeneration = 0x0fc;
    private const int Config = 0x100;

    /// <summary>The window's size on the board.</summary>
    public const ulong WindowSize = 0x200;

    private const uint Magic = 0x74726976; // "virt"
    private const uint QemuVendor = 0x554d4551; // "QEMU", as QEMU's transport reports

    // Device status bits (2.1).
    public const uint ACKNOWLEDGE = 1;
    public const uint DRIVER = 2;
    public const uint DRIVER_OK = 4;
    public const uint FEATURES_OK = 8;
    public const uint DEVICE_NEEDS_RESET = 0x40;
    public const uint FAILED = 0x80;

    // Interrupt status bits (4.2.2).
    public const uint UsedBufferInterrupt = 1;
    public const uint ConfigChangeInterrupt = 2;

    // Reserved feature bits (6): the transport's own.
    public const int VIRTIO_F_INDIRECT_DESC = 28;
    public const int VIRTIO_F_EVENT_IDX = 29;
    public const int VIRTIO_F_VERSION_1 = 32;

    /// <summary>The used ring's alignment until a legacy driver writes QueueAlign (QEMU's VIRTIO_PCI_VRING_ALIGN).</summary>
    private const uint LegacyDefaultAlign = 4096;

    private readonly IVirtioDevice? _device;
    private readonly IIrqLine _irq;
    private readonly VirtQueue[] _queues;
    private readonly string _where;

    private uint _deviceFeaturesSel;
    private uint _driverFeaturesSel;
    private readonly uint[] _driverFeatures = new uint[2];
    /// <summary>log2 of the legacy GuestPageSize; a transport register that a device reset leaves alone (QEMU's proxy state).</summary>
    private int _guestPageShift;
    private uint _queueSel;
    private uint _interruptStatus;
    private uint _status;
    private uint _generation;
    private ulong _negotiated;
    private readonly uint[] _legacyAlign;
    private readonly uint[] _legacyPfn;
    private bool _deviceBroken;

    public VirtioMmio(IVirtioDevice? device, IGuestMemory memory, IIrqLine irq, bool legacy, object machineLock, ulong windowBase = 0)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(irq);
        ArgumentNullException.ThrowIfNull(machineLock);
        _device = device;
        _irq = irq;
        Memory = memory;
        Legacy = legacy;
        Lock = machineLock;
        _where = $"{device?.Name ?? "virtio-mmio"}@0x{windowBase:x}";
        var count = device?.QueueCount ?? 0;
        _queues = new VirtQueue[count];
        for (var i = 0; i < count; i++)
        {
            _queues[i] = new VirtQueue(i, memory, Malformed);
        }

        _legacyAlign = new uint[count];
        _legacyPfn = new uint[count];
        _guestPageShift = 0;
        ResetState();
        device?.Attach(this);
    }

    /// <summary>Version 1 register layout (QEMU's default) instead of version 2.</summary>
    public bool Legacy { get; }

    /// <summary>The machine lock every access comes under; a device's worker takes it to complete requests.</summary>
    public object Lock { get; }

    public IGuestMemory Memory { get; }

    public IVirtioDevice? Device => _device;

    /// <summary>Every feature bit offered: the device's, indirect descriptors, event index, and VERSION_1 unless legacy.</summary>
    public ulong OfferedFeatures =>
        _device == null ? 0 : _device.Features | (1UL << VIRTIO_F_INDIRECT_DESC) | (1UL << VIRTIO_F_EVENT_IDX) |
            (Legacy ? 0 : 1UL << VIRTIO_F_VERSION_1);

    /// <summary>The feature bits the driver accepted (a subset of <see cref="OfferedFeatures"/>).</summary>
    public ulong NegotiatedFeatures => _negotiated;

    public uint DeviceStatus => _status;

    /// <summary>Counts resets, so a worker that served requests without the lock can tell its queue was reset meanwhile.</summary>
    public int ResetCount { get; private set; }

    /// <summary>The driver is running the device (DRIVER_OK) and has not broken it.</summary>
    public bool IsLive => (_status & DRIVER_OK) != 0 && !Broken;

    private bool Broken => _deviceBroken || _queues.Any(q => q.Broken);

    public bool HasFeature(int bit) => (_negotiated & (1UL << bit)) != 0;

    public VirtQueue Queue(int index) => _queues[index];

    public ulong Read(ulong offset, int size)
    {
        if (offset >= Config)
        {
            return ReadConfig((int)(offset - Config), size);
        }

        if (size != 4 || offset % 4 != 0)
        {
            DeviceLog.Once($"{_where}: {size}-byte read of register 0x{offset:x} (registers are 32-bit words)");
            return 0;
        }

        if (_device == null)
        {
            // QEMU's empty transport: identifies itself, reads zero everywhere else (device id 0: nothing here).
            return offset switch
            {
                MagicValue => Magic,
                Version => Legacy ? 1u : 2u,
                VendorID => QemuVendor,
                _ => 0,
            };
        }

        switch ((int)offset)
        {
            case MagicValue:
                return Magic;
            case Version:
                return Legacy ? 1u : 2u;
            case DeviceID:
                return _device.DeviceId;
            case VendorID:
                return QemuVendor;
            case DeviceFeatures:
                return _deviceFeaturesSel switch
                {
                    0 => (uint)OfferedFeatures,
                    1 when !Legacy => (uint)(OfferedFeatures >> 32),
                    _ => 0,
                };
            case QueueNumMax:
                return SelectedQueue is null ? 0u : VirtQueue.MaxSize;
            case QueuePFN when Legacy:
                return SelectedQueue is null ? 0 : _legacyPfn[_queueSel];
            case QueueReady when !Legacy:
                return SelectedQueue is { Ready: true } ? 1u : 0;
            case InterruptStatus:
                return _interruptStatus;
            case Status:
                return _status;
            case QueueDescLow or QueueDescHigh or QueueDriverLow or QueueDriverHigh or QueueDeviceLow or QueueDeviceHigh when !Legacy:
                return ReadQueueAddress((int)offset);
            case ShmLenLow or ShmLenHigh when !Legacy:
                return uint.MaxValue; // no shared memory regions: a length of all ones
            case ShmBaseLow or ShmBaseHigh when !Legacy:
                return uint.MaxValue;
            case ConfigGeneration when !Legacy:
                return _generation;
            default:
                DeviceLog.Once($"{_where}: read of {(Legacy ? "legacy" : "modern")} write-only or unknown register 0x{offset:x}");
                return 0;
        }
    }

    public void Write(ulong offset, int size, ulong value)
    {
        if (offset >= Config)
        {
            WriteConfig((int)(offset - Config), size, value);
            return;
        }

        if (size != 4 || offset % 4 != 0)
        {
            DeviceLog.Once($"{_where}: {size}-byte write of register 0x{offset:x} (registers are 32-bit words)");
            return;
        }

        if (_device == null)
        {
            return; // QEMU ignores writes to an empty transport
        }

        var word = (uint)value;
        switch ((int)offset)
        {
            case DeviceFeaturesSel:
                _deviceFeaturesSel = word;
                break;
            case DriverFeatures:
                WriteDriverFeatures(word);
                break;
            case DriverFeaturesSel:
                _driverFeaturesSel = word;
                break;
            case GuestPageSize when Legacy:
                // QEMU keeps log2 of the page size; a value that is not a power of two keeps its lowest set bit.
                _guestPageShift = word == 0 ? 0 : System.Numerics.BitOperations.TrailingZeroCount(word);
                break;
            case QueueSel:
                _queueSel = word;
                break;
            case QueueNum:
                if (SelectedQueue is { } numbered)
                {
                    if (word is 0 or > VirtQueue.MaxSize)
                    {
                        DeviceLog.Once($"{_where}: queue size {word} refused (1 to {VirtQueue.MaxSize})");
                    }
                    else
                    {
                        numbered.Size = (int)word;
                        if (Legacy)
                        {
                            PlaceLegacyRings();
                        }
                    }
                }

                break;
            case QueueAlign when Legacy:
                if (SelectedQueue is not null)
                {
                    _legacyAlign[_queueSel] = word;
                    PlaceLegacyRings();
                }

                break;
            case QueuePFN when Legacy:
                if (SelectedQueue is not null)
                {
                    if (word == 0)
                    {
                        Reset(); // QEMU: a zero PFN resets the device
                    }
                    else
                    {
                        _legacyPfn[_queueSel] = word;
                        PlaceLegacyRings();
                    }
                }

                break;
            case QueueReady when !Legacy:
                if (SelectedQueue is { } readied)
                {
                    readied.Ready = (word & 1) != 0;
                    readied.EventIndex = HasFeature(VIRTIO_F_EVENT_IDX);
                }

                break;
            case QueueNotify:
                Notify(word & 0xffff);
                break;
            case InterruptACK:
                _interruptStatus &= ~word;
                UpdateInterrupt();
                break;
            case Status:
                WriteStatus(word & 0xff);
                break;
            case QueueDescLow or QueueDescHigh or QueueDriverLow or QueueDriverHigh or QueueDeviceLow or QueueDeviceHigh when !Legacy:
                WriteQueueAddress((int)offset, word);
                break;
            case ShmSel when !Legacy:
                break;
            default:
                DeviceLog.Once($"{_where}: write of {(Legacy ? "legacy" : "modern")} read-only or unknown register 0x{offset:x}");
                break;
        }
    }

    /// <summary>
    /// Reports a broken request the device found (QEMU's virtio_error): the device stops serving until reset;
    /// with VERSION_1 it sets DEVICE_NEEDS_RESET and raises a configuration-change interrupt.
    /// </summary>
    public void DeviceError(string reason)
    {
        if (Broken)
        {
            return;
        }

        _deviceBroken = true;
        Malformed(reason);
    }

    /// <summary>Raises the used-buffer interrupt if the driver wants one for <paramref name="queue"/> (EVENT_IDX or flags).</summary>
    public void SignalUsed(VirtQueue queue)
    {
        if (queue.NeedsInterrupt())
        {
            _interruptStatus |= UsedBufferInterrupt;
            UpdateInterrupt();
        }
    }

    private void Malformed(string reason)
    {
        DeviceLog.Once($"{_where}: the driver broke the device, which stops until reset: {reason}");
        foreach (var queue in _queues)
        {
            queue.Broken = true;
        }

        _deviceBroken = true;
        if (HasFeature(VIRTIO_F_VERSION_1))
        {
            _status |= DEVICE_NEEDS_RESET;
            NotifyConfigChange();
        }
    }

    /// <summary>A configuration-change notification (4.2.3.3): bumps the generation, raises the interrupt once the driver runs the device.</summary>
    public void NotifyConfigChange()
    {
        _generation++;
        if ((_status & DRIVER_OK) != 0)
        {
            _interruptStatus |= ConfigChangeInterrupt;
            UpdateInterrupt();
        }
    }

    private VirtQueue? SelectedQueue => _queueSel < _queues.Length ? _queues[_queueSel] : null;

    private void WriteDriverFeatures(uint word)
    {
        if ((_status & FEATURES_OK) != 0)
        {
            DeviceLog.Once($"{_where}: the driver changed its features after FEATURES_OK; ignored");
            return;
        }

        if (Legacy)
        {
            if (_driverFeaturesSel != 0)
            {
                // Linux writes the upper half (zero) on every transport version; only a feature asked for is lost.
                if (word != 0)
                {
                    DeviceLog.Once($"{_where}: legacy driver features 0x{word:x} written with DriverFeaturesSel {_driverFeaturesSel}; ignored");
                }

                return;
            }

            // A legacy driver has no FEATURES_OK: its features take effect as written (masked to what is offered).
            _driverFeatures[0] = word;
            _negotiated = word & OfferedFeatures;
            return;
        }

        if (_driverFeaturesSel < 2)
        {
            _driverFeatures[_driverFeaturesSel] = word;
        }
    }

    private void WriteStatus(uint value)
    {
        if (value == 0)
        {
            Reset();
            return;
        }

        if (!Legacy && (value & FEATURES_OK) != 0 && (_status & FEATURES_OK) == 0)
        {
            var requested = ((ulong)_driverFeatures[1] << 32) | _driverFeatures[0];
            if ((requested & ~OfferedFeatures) != 0 || (requested & (1UL << VIRTIO_F_VERSION_1)) == 0)
            {
                // 3.1.1: the device does not accept the features, so FEATURES_OK does not read back.
                DeviceLog.Once($"{_where}: the driver asked for features 0x{requested:x}, not a subset of 0x{OfferedFeatures:x} with VERSION_1; FEATURES_OK refused");
                value &= ~FEATURES_OK;
            }
            else
            {
                _negotiated = requested;
            }
        }

        var starting = (value & DRIVER_OK) != 0 && (_status & DRIVER_OK) == 0;
        _status = (value & ~DEVICE_NEEDS_RESET) | (_status & DEVICE_NEEDS_RESET);
        if (starting)
        {
            foreach (var queue in _queues)
            {
                queue.EventIndex = HasFeature(VIRTIO_F_EVENT_IDX);
            }

            // Buffers made available (and notified) before DRIVER_OK are served now.
            for (var i = 0; i < _queues.Length; i++)
            {
                Notify((uint)i);
            }
        }
    }

    private void Notify(uint queue)
    {
        if (queue >= _queues.Length)
        {
            DeviceLog.Once($"{_where}: notification for queue {queue}, which does not exist");
            return;
        }

        if (IsLive && _queues[queue].Ready)
        {
            _device!.QueueNotify((int)queue);
        }
    }

    /// <summary>The device reset (status 0): registers, queues and interrupt back to their initial state; in-flight work drained.</summary>
    private void Reset()
    {
        _device!.Reset();
        ResetState();
        ResetCount++;
        UpdateInterrupt();
    }

    private void ResetState()
    {
        _deviceFeaturesSel = _driverFeaturesSel = 0;
        _driverFeatures[0] = _driverFeatures[1] = 0;
        _queueSel = 0;
        _interruptStatus = 0;
        _status = 0;
        _negotiated = 0;
        _deviceBroken = false;
        foreach (var queue in _queues)
        {
            queue.Reset();
        }

        Array.Fill(_legacyAlign, LegacyDefaultAlign);
        Array.Clear(_legacyPfn);
    }

    /// <summary>
    /// Legacy layout (4.2.4 and 2.7.2 legacy interface): the rings follow each other from QueuePFN * GuestPageSize,
    /// the used ring at the next QueueAlign boundary after the available ring.
    /// </summary>
    private void PlaceLegacyRings()
    {
        var queue = _queues[_queueSel];
        var pfn = _legacyPfn[_queueSel];
        var align = _legacyAlign[_queueSel];
        var size = (ulong)queue.Size;
        queue.DescriptorTable = (ulong)pfn << _guestPageShift;
        queue.AvailableRing = queue.DescriptorTable + (16 * size);
        var availEnd = queue.AvailableRing + 4 + (2 * size) + 2;
        queue.UsedRing = align == 0 ? availEnd : (availEnd + align - 1) / align * align;
        queue.Ready = pfn != 0;
        queue.EventIndex = HasFeature(VIRTIO_F_EVENT_IDX);
    }

    private uint ReadQueueAddress(int offset)
    {
        if (SelectedQueue is not { } queue)
        {
            return 0;
        }

        var address = offset switch
        {
            QueueDescLow or QueueDescHigh => queue.DescriptorTable,
            QueueDriverLow or QueueDriverHigh => queue.AvailableRing,
            _ => queue.UsedRing,
        };
        return (offset & 4) == 0 ? (uint)address : (uint)(address >> 32);
    }

    private void WriteQueueAddress(int offset, uint word)
    {
        if (SelectedQueue is not { } queue)
        {
            return;
        }

        static ulong Merge(ulong address, int offset, uint word) =>
            (offset & 4) == 0 ? (address & ~0xffff_ffffUL) | word : (address & 0xffff_ffffUL) | ((ulong)word << 32);

        switch (offset)
        {
            case QueueDescLow or QueueDescHigh:
                queue.DescriptorTable = Merge(queue.DescriptorTable, offset, word);
                break;
            case QueueDriverLow or QueueDriverHigh:
                queue.AvailableRing = Merge(queue.AvailableRing, offset, word);
                break;
            default:
                queue.UsedRing = Merge(queue.UsedRing, offset, word);
                break;
        }
    }

    private ulong ReadConfig(int offset, int size)
    {
        if (_device == null || size is not (1 or 2 or 4 or 8))
        {
            return 0;
        }

        if (offset + size > _device.ConfigSize)
        {
            DeviceLog.Once($"{_where}: {size}-byte read at 0x{offset:x} beyond the configuration space ({_device.ConfigSize} bytes)");
            return size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
        }

        Span<byte> bytes = stackalloc byte[8];
        bytes.Clear();
        _device.ReadConfig(offset, bytes[..size]);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    private void WriteConfig(int offset, int size, ulong value)
    {
        if (_device == null || size is not (1 or 2 or 4 or 8) || offset + size > _device.ConfigSize)
        {
            DeviceLog.Once($"{_where}: {size}-byte write at 0x{offset:x} outside the configuration space");
            return;
        }

        Span<byte> bytes = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        _device.WriteConfig(offset, bytes[..size]);
    }

    private void UpdateInterrupt() => _irq.Set(_interruptStatus != 0);
}
