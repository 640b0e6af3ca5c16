using System.Numerics;

namespace Emulator.Devices;

/// <summary>
/// ARM Generic Interrupt Controller, architecture version 2 (IHI 0048B), for one CPU and without the
/// Security Extensions; identifies itself as a GIC-400. Interrupt ids 0-15 are SGIs (edge, always
/// enabled), 16-31 PPIs, 32 and up SPIs. Devices drive PPIs and SPIs through <see cref="Line"/>.
/// The model has 8 priority bits (256 levels), like QEMU's GICv2, so the minimum binary point is 0.
/// </summary>
public sealed class GicV2
{
    // Distributor registers, IHI 0048B section 4.1.2, table 4-1.
    private const int GICD_CTLR = 0x000;
    private const int GICD_TYPER = 0x004;
    private const int GICD_IIDR = 0x008;
    private const int GICD_IGROUPR = 0x080;
    private const int GICD_ISENABLER = 0x100;
    private const int GICD_ICENABLER = 0x180;
    private const int GICD_ISPENDR = 0x200;
    private const int GICD_ICPENDR = 0x280;
    private const int GICD_ISACTIVER = 0x300;
    private const int GICD_ICACTIVER = 0x380;
    private const int GICD_IPRIORITYR = 0x400;
    private const int GICD_ITARGETSR = 0x800;
    private const int GICD_ICFGR = 0xC00;
    private const int GICD_SGIR = 0xF00;
    private const int GICD_CPENDSGIR = 0xF10;
    private const int GICD_SPENDSGIR = 0xF20;
    private const int GICD_PIDR4 = 0xFD0; // start of the CoreSight identification block (PIDR4..CIDR3)

    // CPU interface registers, IHI 0048B section 4.1.3, table 4-2.
    private const int GICC_CTLR = 0x00;
    private const int GICC_PMR = 0x04;
    private const int GICC_BPR = 0x08;
    private const int GICC_IAR = 0x0C;
    private const int GICC_EOIR = 0x10;
    private const int GICC_RPR = 0x14;
    private const int GICC_HPPIR = 0x18;
    private const int GICC_ABPR = 0x1C;
    private const int GICC_AIAR = 0x20;
    private const int GICC_AEOIR = 0x24;
    private const int GICC_AHPPIR = 0x28;
    private const int GICC_APR0 = 0xD0;
    private const int GICC_NSAPR0 = 0xE0;
    private const int GICC_IIDR = 0xFC;
    private const int GICC_DIR = 0x1000;

    // GICD_CTLR / GICC_CTLR bits (IHI 0048B 4.3.1, 4.4.1; the layout without the Security Extensions).
    private const uint CtlrEnableGrp0 = 1 << 0;
    private const uint CtlrEnableGrp1 = 1 << 1;
    private const uint GiccCtlrAckCtl = 1 << 2;
    private const uint GiccCtlrFiqEn = 1 << 3;
    private const uint GiccCtlrCbpr = 1 << 4;
    private const uint GiccCtlrEoiMode = 1 << 9;
    private const uint GiccCtlrWritable = CtlrEnableGrp0 | CtlrEnableGrp1 | GiccCtlrAckCtl | GiccCtlrFiqEn | GiccCtlrCbpr | GiccCtlrEoiMode;

    private const uint GicdIidrGic400 = 0x0200_143B;
    private const uint GiccIidrGic400 = 0x0202_143B;

    /// <summary>PIDR4-7, PIDR0-3, CIDR0-3 of a GIC-400 distributor, from 0xFD0 in word steps.</summary>
    private static readonly byte[] IdRegisters = [0x04, 0x00, 0x00, 0x00, 0x90, 0xB4, 0x2B, 0x00, 0x0D, 0xF0, 0x05, 0xB1];

    private const int SgiCount = 16;
    private const int PrivateCount = 32;
    private const uint SgiMask = 0xFFFF;
    private const int SpuriousId = 1023;
    private const int SpuriousGroup1Id = 1022;
    private const int IdlePriority = 0x100; // running priority with nothing active; reads back as 0xFF
    private const int AprWords = 4; // 128 preemption levels with 8 priority bits

    private readonly Action<bool> _irqOutputChanged;
    private readonly int _interruptCount;
    private readonly int _wordCount;
    private readonly IIrqLine[] _lines;

    // One bit per interrupt, 32 to a word, in the same layout as the distributor's bitmap registers.
    private readonly uint[] _group;
    private readonly uint[] _enabled;
    private readonly uint[] _pendingLatch; // set by an edge, ISPENDR, SGIR or SPENDSGIR
    private readonly uint[] _lineLevel;
    private readonly uint[] _active;
    private readonly uint[] _edgeTriggered;
    private readonly byte[] _priority;
    private readonly byte[] _targets;

    private uint _distributorControl;
    private uint _cpuControl;
    private uint _priorityMask;
    private uint _binaryPoint;
    private uint _aliasedBinaryPoint = 1;
    private readonly uint[] _activePriorities = new uint[AprWords]; // GICC_APRn: Group 0
    private readonly uint[] _nonSecureActivePriorities = new uint[AprWords]; // GICC_NSAPRn: Group 1

    public GicV2(Action<bool> irqOutputChanged, int interruptCount = 288)
    {
        ArgumentNullException.ThrowIfNull(irqOutputChanged);
        ArgumentOutOfRangeException.ThrowIfLessThan(interruptCount, PrivateCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(interruptCount, 1020);

        _irqOutputChanged = irqOutputChanged;
        _interruptCount = interruptCount;
        _wordCount = (interruptCount + 31) / 32;
        _group = new uint[_wordCount];
        _enabled = new uint[_wordCount];
        _pendingLatch = new uint[_wordCount];
        _lineLevel = new uint[_wordCount];
        _active = new uint[_wordCount];
        _edgeTriggered = new uint[_wordCount];
        _priority = new byte[interruptCount];
        _targets = new byte[interruptCount];
        _lines = new IIrqLine[interruptCount];
        for (var id = SgiCount; id < interruptCount; id++)
        {
            _lines[id] = new InterruptLine(this, id);
        }

        _enabled[0] = SgiMask; // SGIs are permanently enabled, as on the GIC-400
        _edgeTriggered[0] = SgiMask; // and always edge-triggered
        Distributor = new DistributorWindow(this);
        CpuInterface = new CpuInterfaceWindow(this);
    }

    /// <summary>The distributor register window (GICD_*), 4 KiB.</summary>
    public IMmioDevice Distributor { get; }

    /// <summary>The CPU interface register window (GICC_*), 8 KiB (GICC_DIR is at 0x1000).</summary>
    public IMmioDevice CpuInterface { get; }

    /// <summary>The level of the IRQ signal to the CPU.</summary>
    public bool IrqOutput { get; private set; }

    /// <summary>The input line of a PPI (16-31) or SPI (32 and up).</summary>
    public IIrqLine Line(int intId)
    {
        CheckWiredId(intId);
        return _lines[intId];
    }

    /// <summary>Drives the input line of a PPI or SPI. A rising edge latches an edge-triggered interrupt.</summary>
    public void SetLevel(int intId, bool level)
    {
        CheckWiredId(intId);
        var word = intId >> 5;
        var bit = 1u << (intId & 31);
        if (((_lineLevel[word] & bit) != 0) == level)
        {
            return;
        }

        if (level)
        {
            _lineLevel[word] |= bit;
            if ((_edgeTriggered[word] & bit) != 0)
            {
                _pendingLatch[word] |= bit;
            }
        }
        else
        {
            _lineLevel[word] &= ~bit;
        }

        UpdateOutput();
    }

    private void CheckWiredId(int intId)
    {
        if (intId < SgiCount || intId >= _interruptCount)
        {
            throw new ArgumentOutOfRangeException(nameof(intId), intId, $"only PPIs and SPIs (16..{_interruptCount - 1}) have input lines");
        }
    }

    // ---- Interrupt state -------------------------------------------------------------------

    private uint ImplementedMask(int word)
    {
        var firstId = word * 32;
        var implemented = _interruptCount - firstId;
        return implemented >= 32 ? uint.MaxValue : (1u << implemented) - 1;
    }

    /// <summary>Pending: latched, or a level-sensitive interrupt whose line is high.</summary>
    private uint Pending(int word) => _pendingLatch[word] | (_lineLevel[word] & ~_edgeTriggered[word]);

    private bool IsGroup1(int id) => (_group[id >> 5] & (1u << (id & 31))) != 0;

    /// <summary>A group is forwarded when both the distributor and the CPU interface enable it.</summary>
    private bool GroupEnabled(uint groupBit) => (_distributorControl & groupBit) != 0 && (_cpuControl & groupBit) != 0;

    /// <summary>The highest-priority enabled, pending, inactive interrupt of the given groups (lowest id wins ties).</summary>
    private int HighestPending(bool group0, bool group1)
    {
        var best = SpuriousId;
        var bestPriority = IdlePriority;
        if (!group0 && !group1)
        {
            return best;
        }

        for (var word = 0; word < _wordCount; word++)
        {
            var candidates = _enabled[word] & Pending(word) & ~_active[word] & ImplementedMask(word);
            candidates &= (group0 ? ~_group[word] : 0) | (group1 ? _group[word] : 0);
            while (candidates != 0)
            {
                var id = (word * 32) + BitOperations.TrailingZeroCount(candidates);
                candidates &= candidates - 1;
                if (_priority[id] < bestPriority)
                {
                    bestPriority = _priority[id];
                    best = id;
                }
            }
        }

        return best;
    }

    private int HighestForwarded() => HighestPending(GroupEnabled(CtlrEnableGrp0), GroupEnabled(CtlrEnableGrp1));

    /// <summary>The priority bits that take part in preemption, chosen by BPR or ABPR (IHI 0048B 3.3.3).</summary>
    private int GroupPriority(int id)
    {
        var point = IsGroup1(id) && (_cpuControl & GiccCtlrCbpr) == 0 ? _aliasedBinaryPoint - 1 : _binaryPoint;
        var mask = 0xFF << (int)(point + 1);
        return _priority[id] & mask;
    }

    private int RunningPriority()
    {
        for (var i = 0; i < AprWords; i++)
        {
            var bits = _activePriorities[i] | _nonSecureActivePriorities[i];
            if (bits != 0)
            {
                return ((i * 32) + BitOperations.TrailingZeroCount(bits)) << 1;
            }
        }

        return IdlePriority;
    }

    /// <summary>Whether the interrupt passes the priority mask and would preempt what is running.</summary>
    private bool IsSignallable(int id) => _priority[id] < _priorityMask && GroupPriority(id) < RunningPriority();

    private void UpdateOutput()
    {
        // With FIQEn set Group 0 goes to FIQ, which this board does not wire; only Group 1 can raise IRQ.
        var group0ToIrq = GroupEnabled(CtlrEnableGrp0) && (_cpuControl & GiccCtlrFiqEn) == 0;
        var best = HighestPending(group0ToIrq, GroupEnabled(CtlrEnableGrp1));
        var level = best != SpuriousId && IsSignallable(best);
        if (level != IrqOutput)
        {
            IrqOutput = level;
            _irqOutputChanged(level);
        }
    }

    private uint Acknowledge(bool aliased)
    {
        var id = HighestForwarded();
        if (id == SpuriousId || !IsSignallable(id))
        {
            return SpuriousId;
        }

        var isGroup1 = IsGroup1(id);
        if (aliased && !isGroup1)
        {
            return SpuriousId;
        }

        if (!aliased && isGroup1 && (_cpuControl & GiccCtlrAckCtl) == 0)
        {
            return SpuriousGroup1Id;
        }

        var word = id >> 5;
        var bit = 1u << (id & 31);
        _pendingLatch[word] &= ~bit; // a level interrupt whose line is still high stays pending: active and pending
        _active[word] |= bit;
        var level = GroupPriority(id) >> 1;
        var activeBits = isGroup1 ? _nonSecureActivePriorities : _activePriorities;
        activeBits[level >> 5] |= 1u << (level & 31);
        UpdateOutput();
        return (uint)id; // an SGI's source CPU (bits 12:10) is always CPU 0 here
    }

    private uint HighestPendingRegister(bool aliased)
    {
        var id = HighestForwarded();
        if (id == SpuriousId || _priority[id] >= _priorityMask)
        {
            return SpuriousId;
        }

        var isGroup1 = IsGroup1(id);
        if (aliased)
        {
            return isGroup1 ? (uint)id : SpuriousId;
        }

        return isGroup1 && (_cpuControl & GiccCtlrAckCtl) == 0 ? SpuriousGroup1Id : (uint)id;
    }

    private void EndOfInterrupt(uint value)
    {
        var id = (int)(value & 0x3FF);
        if (id >= _interruptCount)
        {
            if (id < 1020)
            {
                DeviceLog.Once($"GICv2: EOI of nonexistent interrupt {id} ignored");
            }

            return;
        }

        if (RunningPriority() == IdlePriority)
        {
            DeviceLog.Once("GICv2: EOI with no active interrupt ignored");
            return;
        }

        // Priority drop: EOIs nest with acknowledges, so the interrupt being completed holds the
        // highest active priority of its group, the lowest set bit.
        var activeBits = IsGroup1(id) ? _nonSecureActivePriorities : _activePriorities;
        for (var i = 0; i < AprWords; i++)
        {
            if (activeBits[i] != 0)
            {
                activeBits[i] &= activeBits[i] - 1;
                break;
            }
        }

        if ((_cpuControl & GiccCtlrEoiMode) == 0)
        {
            _active[id >> 5] &= ~(1u << (id & 31));
        }

        UpdateOutput();
    }

    private void Deactivate(uint value)
    {
        var id = (int)(value & 0x3FF);
        if ((_cpuControl & GiccCtlrEoiMode) == 0)
        {
            DeviceLog.Once("GICv2: GICC_DIR written while EOImode is 0, ignored");
            return;
        }

        if (id >= _interruptCount)
        {
            return;
        }

        _active[id >> 5] &= ~(1u << (id & 31));
        UpdateOutput();
    }

    private void SendSgi(uint value)
    {
        var sgi = (int)(value & 0xF);
        var targetList = (value >> 16) & 0xFF;
        var filter = (value >> 24) & 0x3;
        var toSelf = filter switch
        {
            0 => (targetList & 1) != 0, // to the listed CPUs; CPU 0 is the only one
            1 => false, // to all other CPUs: there are none
            2 => true, // to the requesting CPU only
            _ => false,
        };
        if (filter == 3)
        {
            DeviceLog.Once("GICv2: GICD_SGIR with reserved TargetListFilter 3 ignored");
        }

        if (toSelf)
        {
            _pendingLatch[0] |= 1u << sgi;
            UpdateOutput();
        }
    }

    // ---- Distributor registers -------------------------------------------------------------

    private static bool IsDistributorByteRegister(int offset) =>
        offset is >= GICD_IPRIORITYR and < GICD_ICFGR or >= GICD_CPENDSGIR and < GICD_SPENDSGIR + 16;

    private uint ReadDistributorByte(int offset)
    {
        if (offset is >= GICD_IPRIORITYR and < GICD_ITARGETSR)
        {
            var id = offset - GICD_IPRIORITYR;
            return id < _interruptCount ? _priority[id] : 0u;
        }

        if (offset is >= GICD_ITARGETSR and < GICD_ICFGR)
        {
            var id = offset - GICD_ITARGETSR;
            if (id < PrivateCount)
            {
                return 0x01; // SGIs and PPIs always target the reading CPU, CPU 0
            }

            return id < _interruptCount ? _targets[id] : 0u;
        }

        // GICD_CPENDSGIR / GICD_SPENDSGIR: one byte per SGI, one bit per source CPU (only CPU 0).
        var sgi = (offset - GICD_CPENDSGIR) & 0xF;
        return (_pendingLatch[0] >> sgi) & 1;
    }

    private void WriteDistributorByte(int offset, uint value)
    {
        if (offset is >= GICD_IPRIORITYR and < GICD_ITARGETSR)
        {
            var id = offset - GICD_IPRIORITYR;
            if (id < _interruptCount)
            {
                _priority[id] = (byte)value;
            }

            return;
        }

        if (offset is >= GICD_ITARGETSR and < GICD_ICFGR)
        {
            var id = offset - GICD_ITARGETSR;
            if (id >= PrivateCount && id < _interruptCount)
            {
                // Stored for read-back only: with one CPU interface every SPI goes to CPU 0.
                _targets[id] = (byte)value;
            }

            return;
        }

        if ((value & 1) == 0)
        {
            return;
        }

        var sgi = (offset - GICD_CPENDSGIR) & 0xF;
        if (offset < GICD_SPENDSGIR)
        {
            _pendingLatch[0] &= ~(1u << sgi);
        }
        else
        {
            _pendingLatch[0] |= 1u << sgi;
        }
    }

    private uint ReadDistributor32(int offset)
    {
        if (IsDistributorByteRegister(offset))
        {
            return ReadDistributorByte(offset)
                | (ReadDistributorByte(offset + 1) << 8)
                | (ReadDistributorByte(offset + 2) << 16)
                | (ReadDistributorByte(offset + 3) << 24);
        }

        switch (offset)
        {
            case GICD_CTLR:
                return _distributorControl;
            case GICD_TYPER:
                return (uint)(_wordCount - 1); // ITLinesNumber; CPUNumber 0 (one CPU); no Security Extensions
            case GICD_IIDR:
                return GicdIidrGic400;
            case GICD_SGIR:
                DeviceLog.Once("GICv2: read of write-only GICD_SGIR");
                return 0;
        }

        if (offset is >= GICD_PIDR4 and < 0x1000)
        {
            return IdRegisters[(offset - GICD_PIDR4) >> 2];
        }

        if (TryBitmapWord(offset, out var bank, out var word))
        {
            if (word >= _wordCount)
            {
                return 0;
            }

            return bank switch
            {
                GICD_IGROUPR => _group[word],
                GICD_ISENABLER or GICD_ICENABLER => _enabled[word],
                GICD_ISPENDR or GICD_ICPENDR => Pending(word) & ImplementedMask(word),
                _ => _active[word],
            };
        }

        if (offset is >= GICD_ICFGR and < GICD_ICFGR + 0x100)
        {
            var index = (offset - GICD_ICFGR) >> 2; // 16 interrupts per register
            if (index >= _wordCount * 2)
            {
                return 0;
            }

            var edges = (_edgeTriggered[index >> 1] >> ((index & 1) * 16)) & 0xFFFF;
            var value = 0u;
            for (var i = 0; i < 16; i++)
            {
                value |= ((edges >> i) & 1) << ((2 * i) + 1);
            }

            return value;
        }

        DeviceLog.Once($"GICv2: read of unimplemented distributor offset 0x{offset:X3}");
        return 0;
    }

    private void WriteDistributor32(int offset, uint value)
    {
        if (IsDistributorByteRegister(offset))
        {
            for (var i = 0; i < 4; i++)
            {
                WriteDistributorByte(offset + i, (value >> (8 * i)) & 0xFF);
            }

            UpdateOutput();
            return;
        }

        switch (offset)
        {
            case GICD_CTLR:
                _distributorControl = value & (CtlrEnableGrp0 | CtlrEnableGrp1);
                UpdateOutput();
                return;
            case GICD_TYPER:
            case GICD_IIDR:
                DeviceLog.Once($"GICv2: write to read-only distributor offset 0x{offset:X3} ignored");
                return;
            case GICD_SGIR:
                SendSgi(value);
                return;
        }

        if (TryBitmapWord(offset, out var bank, out var word))
        {
            if (word >= _wordCount)
            {
                return;
            }

            value &= ImplementedMask(word);
            var notSgi = word == 0 ? ~SgiMask : uint.MaxValue;
            switch (bank)
            {
                case GICD_IGROUPR:
                    _group[word] = value;
                    break;
                case GICD_ISENABLER:
                    _enabled[word] |= value;
                    break;
                case GICD_ICENABLER:
                    _enabled[word] &= ~(value & notSgi);
                    break;
                case GICD_ISPENDR:
                    _pendingLatch[word] |= value & notSgi; // SGIs are pended through GICD_SPENDSGIR
                    break;
                case GICD_ICPENDR:
                    _pendingLatch[word] &= ~(value & notSgi);
                    break;
                case GICD_ISACTIVER:
                    _active[word] |= value;
                    break;
                default:
                    _active[word] &= ~value;
                    break;
            }

            UpdateOutput();
            return;
        }

        if (offset is >= GICD_ICFGR and < GICD_ICFGR + 0x100)
        {
            var index = (offset - GICD_ICFGR) >> 2;
            if (index == 0 || index >= _wordCount * 2)
            {
                return; // SGI configuration is fixed
            }

            var edges = 0u;
            for (var i = 0; i < 16; i++)
            {
                edges |= ((value >> ((2 * i) + 1)) & 1) << i;
            }

            var shift = (index & 1) * 16;
            var configWord = index >> 1;
            _edgeTriggered[configWord] = (_edgeTriggered[configWord] & ~(0xFFFFu << shift)) | (edges << shift);
            UpdateOutput();
            return;
        }

        DeviceLog.Once($"GICv2: write to unimplemented distributor offset 0x{offset:X3} ignored");
    }

    /// <summary>Maps an offset in the IGROUPR..ICACTIVER banks to the bank's base and the word index.</summary>
    private static bool TryBitmapWord(int offset, out int bank, out int word)
    {
        if (offset is >= GICD_IGROUPR and < GICD_IPRIORITYR)
        {
            bank = offset & ~0x7F;
            word = (offset & 0x7F) >> 2;
            return true;
        }

        bank = 0;
        word = 0;
        return false;
    }

    private ulong ReadDistributor(ulong offset, int size)
    {
        if (offset >= 0x1000 || (offset & ((ulong)Math.Min(size, 4) - 1)) != 0)
        {
            DeviceLog.Once($"GICv2: distributor read of size {size} at 0x{offset:X} not supported");
            return 0;
        }

        var o = (int)offset;
        switch (size)
        {
            case 4:
                return ReadDistributor32(o);
            case 8:
                return ReadDistributor32(o) | ((ulong)ReadDistributor32(o + 4) << 32);
            default:
                // Distributor reads have no side effects, so a narrow read is a slice of the word.
                var word = ReadDistributor32(o & ~3);
                var mask = size == 1 ? 0xFFu : 0xFFFFu;
                return (word >> ((o & 3) * 8)) & mask;
        }
    }

    private void WriteDistributor(ulong offset, int size, ulong value)
    {
        if (offset >= 0x1000 || (offset & ((ulong)Math.Min(size, 4) - 1)) != 0)
        {
            DeviceLog.Once($"GICv2: distributor write of size {size} at 0x{offset:X} not supported");
            return;
        }

        var o = (int)offset;
        switch (size)
        {
            case 4:
                WriteDistributor32(o, (uint)value);
                return;
            case 8:
                WriteDistributor32(o, (uint)value);
                WriteDistributor32(o + 4, (uint)(value >> 32));
                return;
        }

        if (!IsDistributorByteRegister(o))
        {
            DeviceLog.Once($"GICv2: {size}-byte write to word-only distributor offset 0x{o:X3} ignored");
            return;
        }

        for (var i = 0; i < size; i++)
        {
            WriteDistributorByte(o + i, (uint)(value >> (8 * i)) & 0xFF);
        }

        UpdateOutput();
    }

    // ---- CPU interface registers -----------------------------------------------------------

    private uint ReadCpuInterface32(int offset)
    {
        switch (offset)
        {
            case GICC_CTLR:
                return _cpuControl;
            case GICC_PMR:
                return _priorityMask;
            case GICC_BPR:
                return _binaryPoint;
            case GICC_IAR:
                return Acknowledge(aliased: false);
            case GICC_RPR:
                var running = RunningPriority();
                return running == IdlePriority ? 0xFFu : (uint)running;
            case GICC_HPPIR:
                return HighestPendingRegister(aliased: false);
            case GICC_ABPR:
                return _aliasedBinaryPoint;
            case GICC_AIAR:
                return Acknowledge(aliased: true);
            case GICC_AHPPIR:
                return HighestPendingRegister(aliased: true);
            case GICC_IIDR:
                return GiccIidrGic400;
            case >= GICC_APR0 and < GICC_APR0 + 16:
                return _activePriorities[(offset - GICC_APR0) >> 2];
            case >= GICC_NSAPR0 and < GICC_NSAPR0 + 16:
                return _nonSecureActivePriorities[(offset - GICC_NSAPR0) >> 2];
            case GICC_EOIR or GICC_AEOIR or GICC_DIR:
                DeviceLog.Once($"GICv2: read of write-only CPU interface offset 0x{offset:X}");
                return 0;
            default:
                DeviceLog.Once($"GICv2: read of unimplemented CPU interface offset 0x{offset:X}");
                return 0;
        }
    }

    private void WriteCpuInterface32(int offset, uint value)
    {
        switch (offset)
        {
            case GICC_CTLR:
                _cpuControl = value & GiccCtlrWritable;
                break;
            case GICC_PMR:
                _priorityMask = value & 0xFF;
                break;
            case GICC_BPR:
                _binaryPoint = value & 7;
                break;
            case GICC_ABPR:
                _aliasedBinaryPoint = Math.Max(value & 7, 1);
                break;
            case GICC_EOIR or GICC_AEOIR:
                EndOfInterrupt(value);
                return;
            case GICC_DIR:
                Deactivate(value);
                return;
            case >= GICC_APR0 and < GICC_APR0 + 16:
                _activePriorities[(offset - GICC_APR0) >> 2] = value;
                break;
            case >= GICC_NSAPR0 and < GICC_NSAPR0 + 16:
                _nonSecureActivePriorities[(offset - GICC_NSAPR0) >> 2] = value;
                break;
            case GICC_IAR or GICC_RPR or GICC_HPPIR or GICC_AIAR or GICC_AHPPIR or GICC_IIDR:
                DeviceLog.Once($"GICv2: write to read-only CPU interface offset 0x{offset:X} ignored");
                return;
            default:
                DeviceLog.Once($"GICv2: write to unimplemented CPU interface offset 0x{offset:X} ignored");
                return;
        }

        UpdateOutput();
    }

    private ulong ReadCpuInterface(ulong offset, int size)
    {
        if (size != 4 || (offset & 3) != 0 || offset > 0x1FFC)
        {
            DeviceLog.Once($"GICv2: CPU interface read of size {size} at 0x{offset:X} not supported (word access only)");
            return 0;
        }

        return ReadCpuInterface32((int)offset);
    }

    private void WriteCpuInterface(ulong offset, int size, ulong value)
    {
        if (size != 4 || (offset & 3) != 0 || offset > 0x1FFC)
        {
            DeviceLog.Once($"GICv2: CPU interface write of size {size} at 0x{offset:X} not supported (word access only)");
            return;
        }

        WriteCpuInterface32((int)offset, (uint)value);
    }

    private sealed class DistributorWindow(GicV2 gic) : IMmioDevice
    {
        public ulong Read(ulong offset, int size) => gic.ReadDistributor(offset, size);

        public void Write(ulong offset, int size, ulong value) => gic.WriteDistributor(offset, size, value);
    }

    private sealed class CpuInterfaceWindow(GicV2 gic) : IMmioDevice
    {
        public ulong Read(ulong offset, int size) => gic.ReadCpuInterface(offset, size);

        public void Write(ulong offset, int size, ulong value) => gic.WriteCpuInterface(offset, size, value);
    }

    private sealed class InterruptLine(GicV2 gic, int id) : IIrqLine
    {
        public void Set(bool level) => gic.SetLevel(id, level);
    }
}
