namespace Emulator.Devices.Tests;

public sealed class GicV2Tests
{
    private const ulong GICD_CTLR = 0x000;
    private const ulong GICD_TYPER = 0x004;
    private const ulong GICD_IIDR = 0x008;
    private const ulong GICD_IGROUPR = 0x080;
    private const ulong GICD_ISENABLER = 0x100;
    private const ulong GICD_ICENABLER = 0x180;
    private const ulong GICD_ISPENDR = 0x200;
    private const ulong GICD_ICPENDR = 0x280;
    private const ulong GICD_ISACTIVER = 0x300;
    private const ulong GICD_ICACTIVER = 0x380;
    private const ulong GICD_IPRIORITYR = 0x400;
    private const ulong GICD_ITARGETSR = 0x800;
    private const ulong GICD_ICFGR = 0xC00;
    private const ulong GICD_SGIR = 0xF00;
    private const ulong GICD_CPENDSGIR = 0xF10;
    private const ulong GICD_SPENDSGIR = 0xF20;

    private const ulong GICC_CTLR = 0x00;
    private const ulong GICC_PMR = 0x04;
    private const ulong GICC_BPR = 0x08;
    private const ulong GICC_IAR = 0x0C;
    private const ulong GICC_EOIR = 0x10;
    private const ulong GICC_RPR = 0x14;
    private const ulong GICC_HPPIR = 0x18;
    private const ulong GICC_ABPR = 0x1C;
    private const ulong GICC_AIAR = 0x20;
    private const ulong GICC_AEOIR = 0x24;
    private const ulong GICC_AHPPIR = 0x28;
    private const ulong GICC_APR0 = 0xD0;
    private const ulong GICC_NSAPR0 = 0xE0;
    private const ulong GICC_IIDR = 0xFC;
    private const ulong GICC_DIR = 0x1000;

    private const uint Spurious = 1023;
    private const int Uart = 33;
    private const int Rtc = 34;

    private readonly List<bool> _outputChanges = [];
    private readonly GicV2 _gic;

    public GicV2Tests()
    {
        _gic = new GicV2(_outputChanges.Add);
    }

    private uint D(ulong offset) => (uint)_gic.Distributor.Read(offset, 4);

    private void D(ulong offset, uint value) => _gic.Distributor.Write(offset, 4, value);

    private uint C(ulong offset) => (uint)_gic.CpuInterface.Read(offset, 4);

    private void C(ulong offset, uint value) => _gic.CpuInterface.Write(offset, 4, value);

    private static ulong Word(ulong bank, int id) => bank + (ulong)(id / 32 * 4);

    private static uint Bit(int id) => 1u << (id % 32);

    private void SetPriority(int id, byte priority) => _gic.Distributor.Write(GICD_IPRIORITYR + (ulong)id, 1, priority);

    private void Enable(int id) => D(Word(GICD_ISENABLER, id), Bit(id));

    private void MakeEdgeTriggered(int id)
    {
        var register = GICD_ICFGR + (ulong)(id / 16 * 4);
        D(register, D(register) | (2u << (id % 16 * 2)));
    }

    /// <summary>What Linux's irq-gic.c does at boot (gic_dist_init, gic_cpu_init) on one CPU, EOImode 0.</summary>
    private void LinuxInit()
    {
        D(GICD_CTLR, 0);
        var lines = 32 * ((D(GICD_TYPER) & 0x1F) + 1);
        var cpuMask = 0u;
        for (ulong i = 0; i < 32 && cpuMask == 0; i += 4)
        {
            cpuMask = D(GICD_ITARGETSR + i);
            cpuMask |= cpuMask >> 16;
            cpuMask |= cpuMask >> 8;
        }

        cpuMask &= 0xFF;
        cpuMask |= (cpuMask << 8) | (cpuMask << 16) | (cpuMask << 24);
        for (var i = 32u; i < lines; i += 4)
        {
            D(GICD_ITARGETSR + i, cpuMask);
        }

        for (var i = 32u; i < lines; i += 16)
        {
            D(GICD_ICFGR + (i / 4), 0);
        }

        for (var i = 32u; i < lines; i += 4)
        {
            D(GICD_IPRIORITYR + i, 0xA0A0A0A0);
        }

        for (var i = 32u; i < lines; i += 32)
        {
            D(GICD_ICACTIVER + (i / 8), 0xFFFFFFFF);
            D(GICD_ICENABLER + (i / 8), 0xFFFFFFFF);
        }

        D(GICD_CTLR, 1);

        D(GICD_ICACTIVER, 0xFFFFFFFF);
        D(GICD_ICENABLER, 0xFFFF0000);
        D(GICD_ISENABLER, 0x0000FFFF);
        for (var i = 0u; i < 32; i += 4)
        {
            D(GICD_IPRIORITYR + i, 0xA0A0A0A0);
        }

        C(GICC_PMR, 0xF0);
        var bypass = C(GICC_CTLR) & 0x1E0;
        C(GICC_CTLR, bypass | 1);
    }

    [Fact]
    public void TyperReportsInterruptLinesAndOneCpu()
    {
        Assert.Equal(8u, D(GICD_TYPER)); // 288 interrupts = 32 * (8 + 1), CPUNumber 0, no SecurityExtn
        var small = new GicV2(_ => { }, 64);
        Assert.Equal(1u, (uint)small.Distributor.Read(GICD_TYPER, 4));
    }

    [Fact]
    public void IdentificationRegistersAreThoseOfAGic400()
    {
        Assert.Equal(0x0200143Bu, D(GICD_IIDR));
        Assert.Equal(0x0202143Bu, C(GICC_IIDR));
        byte[] expected = [0x04, 0x00, 0x00, 0x00, 0x90, 0xB4, 0x2B, 0x00, 0x0D, 0xF0, 0x05, 0xB1];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], D(0xFD0 + (ulong)(4 * i)));
        }
    }

    [Fact]
    public void TargetsOfSgisAndPpisReadAsCpu0AndIgnoreWrites()
    {
        for (ulong i = 0; i < 32; i += 4)
        {
            D(GICD_ITARGETSR + i, 0);
            Assert.Equal(0x01010101u, D(GICD_ITARGETSR + i));
        }
    }

    [Fact]
    public void SpiTargetsAreStoredAndByteAccessible()
    {
        _gic.Distributor.Write(GICD_ITARGETSR + 33, 1, 0x01);
        Assert.Equal(0x00000100u, D(GICD_ITARGETSR + 32));
        D(GICD_ITARGETSR + 36, 0x01010101);
        Assert.Equal(0x01ul, _gic.Distributor.Read(GICD_ITARGETSR + 39, 1));
    }

    [Fact]
    public void PrioritiesAreByteAndWordAccessible()
    {
        SetPriority(41, 0x80);
        Assert.Equal(0x8000u, D(GICD_IPRIORITYR + 40));
        D(GICD_IPRIORITYR + 44, 0x11223344);
        Assert.Equal(0x22ul, _gic.Distributor.Read(GICD_IPRIORITYR + 46, 1));
        Assert.Equal(0x1122ul, _gic.Distributor.Read(GICD_IPRIORITYR + 46, 2));
    }

    [Fact]
    public void SgisAreEdgeTriggeredAndTheirConfigurationIsFixed()
    {
        Assert.Equal(0xAAAAAAAAu, D(GICD_ICFGR));
        D(GICD_ICFGR, 0);
        Assert.Equal(0xAAAAAAAAu, D(GICD_ICFGR));
    }

    [Fact]
    public void SpiConfigurationSelectsEdgeOrLevel()
    {
        Assert.Equal(0u, D(GICD_ICFGR + 8)); // SPIs 32-47 reset to level-sensitive
        D(GICD_ICFGR + 8, 0x0000000A); // 33 edge, 32 edge
        Assert.Equal(0x0000000Au, D(GICD_ICFGR + 8));
        D(GICD_ICFGR + 8, 0x00000005); // the low bit of each field is reserved
        Assert.Equal(0u, D(GICD_ICFGR + 8));
    }

    [Fact]
    public void SgisAreAlwaysEnabled()
    {
        D(GICD_ICENABLER, 0xFFFFFFFF);
        Assert.Equal(0x0000FFFFu, D(GICD_ISENABLER));
        D(GICD_ISENABLER, 0x80000000);
        Assert.Equal(0x8000FFFFu, D(GICD_ICENABLER));
    }

    [Fact]
    public void EnableRegistersSetAndClearIndividualBits()
    {
        Enable(Uart);
        Enable(Rtc);
        D(Word(GICD_ICENABLER, Uart), Bit(Uart));
        Assert.Equal(Bit(Rtc), D(Word(GICD_ISENABLER, Rtc)));
    }

    [Fact]
    public void GroupRegistersRoundTrip()
    {
        D(GICD_IGROUPR + 4, 0x12345678);
        Assert.Equal(0x12345678u, D(GICD_IGROUPR + 4));
    }

    [Fact]
    public void LinuxStyleBootAcknowledgesAndCompletesADeviceInterrupt()
    {
        LinuxInit();
        Enable(Uart);
        Assert.False(_gic.IrqOutput);

        _gic.Line(Uart).Set(true);
        Assert.True(_gic.IrqOutput);
        Assert.Equal((uint)Uart, C(GICC_HPPIR));

        Assert.Equal((uint)Uart, C(GICC_IAR));
        Assert.False(_gic.IrqOutput);
        Assert.Equal(0xA0u, C(GICC_RPR));

        _gic.Line(Uart).Set(false); // the driver services the device
        C(GICC_EOIR, Uart);
        Assert.Equal(Spurious, C(GICC_IAR));
        Assert.Equal(0xFFu, C(GICC_RPR));
        Assert.False(_gic.IrqOutput);
        Assert.Equal([true, false], _outputChanges);
    }

    [Fact]
    public void LevelInterruptStillHighAfterAcknowledgeIsActiveAndPending()
    {
        LinuxInit();
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        C(GICC_IAR);

        Assert.Equal(Bit(Uart), D(Word(GICD_ISACTIVER, Uart)));
        Assert.Equal(Bit(Uart), D(Word(GICD_ISPENDR, Uart)));
        Assert.False(_gic.IrqOutput); // active interrupts are not signalled again

        C(GICC_EOIR, Uart);
        Assert.True(_gic.IrqOutput); // still asserted, so it is signalled again
        Assert.Equal((uint)Uart, C(GICC_IAR));
    }

    [Fact]
    public void LevelInterruptStopsBeingPendingWhenItsLineDrops()
    {
        LinuxInit();
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        _gic.SetLevel(Uart, false);

        Assert.False(_gic.IrqOutput);
        Assert.Equal(0u, D(Word(GICD_ISPENDR, Uart)));
        Assert.Equal(Spurious, C(GICC_IAR));
    }

    [Fact]
    public void EdgeInterruptLatchesARisingEdge()
    {
        LinuxInit();
        MakeEdgeTriggered(Uart);
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        _gic.SetLevel(Uart, false);

        Assert.True(_gic.IrqOutput);
        Assert.Equal((uint)Uart, C(GICC_IAR));
        Assert.Equal(0u, D(Word(GICD_ISPENDR, Uart))); // acknowledging consumed the edge
        C(GICC_EOIR, Uart);
        Assert.False(_gic.IrqOutput);
    }

    [Fact]
    public void EdgeArrivingWhileActiveIsDeliveredAfterEoi()
    {
        LinuxInit();
        MakeEdgeTriggered(Uart);
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        _gic.SetLevel(Uart, false);
        C(GICC_IAR);

        _gic.SetLevel(Uart, true);
        Assert.False(_gic.IrqOutput);
        Assert.Equal(Bit(Uart), D(Word(GICD_ISPENDR, Uart)));

        C(GICC_EOIR, Uart);
        Assert.True(_gic.IrqOutput);
    }

    [Fact]
    public void HeldHighEdgeLineDoesNotRetrigger()
    {
        LinuxInit();
        MakeEdgeTriggered(Uart);
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        C(GICC_IAR);
        C(GICC_EOIR, Uart);

        _gic.SetLevel(Uart, true);
        Assert.False(_gic.IrqOutput);
    }

    [Fact]
    public void SoftwareCanPendAndUnpendAnInterrupt()
    {
        LinuxInit();
        Enable(Rtc);
        D(Word(GICD_ISPENDR, Rtc), Bit(Rtc));
        Assert.True(_gic.IrqOutput);
        Assert.Equal(Bit(Rtc), D(Word(GICD_ICPENDR, Rtc)));

        D(Word(GICD_ICPENDR, Rtc), Bit(Rtc));
        Assert.False(_gic.IrqOutput);
    }

    [Fact]
    public void ClearPendingDoesNotHideAnAssertedLevelLine()
    {
        LinuxInit();
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        D(Word(GICD_ICPENDR, Uart), Bit(Uart));
        Assert.True(_gic.IrqOutput);
    }

    [Fact]
    public void DisabledInterruptIsHeldPendingUntilEnabled()
    {
        LinuxInit();
        _gic.SetLevel(Uart, true);
        Assert.False(_gic.IrqOutput);
        Assert.Equal(Spurious, C(GICC_HPPIR));

        Enable(Uart);
        Assert.True(_gic.IrqOutput);
    }

    [Fact]
    public void PriorityMaskBlocksInterruptsNotStrictlyHigher()
    {
        LinuxInit();
        Enable(Uart);
        C(GICC_PMR, 0xA0);
        _gic.SetLevel(Uart, true);
        Assert.False(_gic.IrqOutput);
        Assert.Equal(Spurious, C(GICC_IAR));

        C(GICC_PMR, 0xA1);
        Assert.True(_gic.IrqOutput);
    }

    [Fact]
    public void HigherPriorityInterruptPreemptsAndNests()
    {
        LinuxInit();
        Enable(Uart);
        Enable(Rtc);
        SetPriority(Rtc, 0x80);
        _gic.SetLevel(Uart, true);
        Assert.Equal((uint)Uart, C(GICC_IAR));

        _gic.SetLevel(Rtc, true);
        Assert.True(_gic.IrqOutput);
        Assert.Equal((uint)Rtc, C(GICC_IAR));
        Assert.Equal(0x80u, C(GICC_RPR));

        _gic.SetLevel(Rtc, false);
        C(GICC_EOIR, Rtc);
        Assert.Equal(0xA0u, C(GICC_RPR));
        _gic.SetLevel(Uart, false);
        C(GICC_EOIR, Uart);
        Assert.Equal(0xFFu, C(GICC_RPR));
        Assert.Equal(0u, D(Word(GICD_ISACTIVER, Uart)));
    }

    [Fact]
    public void EqualPriorityInterruptWaitsForEoi()
    {
        LinuxInit();
        Enable(Uart);
        Enable(Rtc);
        _gic.SetLevel(Uart, true);
        C(GICC_IAR);

        _gic.SetLevel(Rtc, true);
        Assert.False(_gic.IrqOutput);
        Assert.Equal(Spurious, C(GICC_IAR));

        _gic.SetLevel(Uart, false);
        C(GICC_EOIR, Uart);
        Assert.True(_gic.IrqOutput);
        Assert.Equal((uint)Rtc, C(GICC_IAR));
    }

    [Fact]
    public void InterruptInTheSamePreemptionGroupDoesNotPreempt()
    {
        LinuxInit();
        Enable(Uart);
        Enable(Rtc);
        SetPriority(Uart, 0xBF);
        SetPriority(Rtc, 0xA8);
        C(GICC_BPR, 4); // group priority is bits [7:5]
        _gic.SetLevel(Uart, true);
        C(GICC_IAR);
        Assert.Equal(0xA0u, C(GICC_RPR));

        _gic.SetLevel(Rtc, true);
        Assert.False(_gic.IrqOutput); // 0xA8 is higher than 0xBF, but in the same preemption group
    }

    [Fact]
    public void FinerBinaryPointLetsCloserPrioritiesPreempt()
    {
        LinuxInit();
        Enable(Uart);
        Enable(Rtc);
        SetPriority(Uart, 0xBF);
        SetPriority(Rtc, 0xA8);
        _gic.SetLevel(Uart, true);
        C(GICC_IAR);
        Assert.Equal(0xBEu, C(GICC_RPR)); // BPR 0: group priority is bits [7:1]

        _gic.SetLevel(Rtc, true);
        Assert.True(_gic.IrqOutput);
    }

    [Fact]
    public void HighestPriorityWinsAndLowestIdBreaksTies()
    {
        LinuxInit();
        foreach (var id in new[] { 40, 41, 42 })
        {
            Enable(id);
            _gic.SetLevel(id, true);
        }

        SetPriority(42, 0x90);
        Assert.Equal(42u, C(GICC_IAR));
        C(GICC_EOIR, 42);
        _gic.SetLevel(42, false);
        Assert.Equal(40u, C(GICC_IAR));
    }

    [Fact]
    public void AcknowledgeWithNothingPendingReturnsSpurious()
    {
        LinuxInit();
        Assert.Equal(Spurious, C(GICC_IAR));
        Assert.Equal(Spurious, C(GICC_HPPIR));
    }

    [Fact]
    public void HppirShowsTheNextInterruptWithoutAcknowledgingIt()
    {
        LinuxInit();
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        Assert.Equal((uint)Uart, C(GICC_HPPIR));
        Assert.Equal(0u, D(Word(GICD_ISACTIVER, Uart)));
    }

    [Fact]
    public void SgiSentToSelfIsDeliveredWithSourceCpu0()
    {
        LinuxInit();
        D(GICD_SGIR, (2u << 24) | 5); // TargetListFilter 2: this CPU only
        Assert.True(_gic.IrqOutput);
        Assert.Equal(5u, C(GICC_IAR)); // CPUID field (bits 12:10) is 0
        C(GICC_EOIR, 5);
        Assert.False(_gic.IrqOutput);
    }

    [Fact]
    public void SgiToTargetListReachesCpu0OnlyWhenListed()
    {
        LinuxInit();
        D(GICD_SGIR, (0x02u << 16) | 1); // list naming CPU 1 only
        Assert.False(_gic.IrqOutput);
        D(GICD_SGIR, (1u << 24) | 1); // all other CPUs: none
        Assert.False(_gic.IrqOutput);
        D(GICD_SGIR, (0x01u << 16) | 1); // list naming CPU 0, as Linux sends IPIs
        Assert.Equal(1u, C(GICC_IAR));
    }

    [Fact]
    public void SgiPendingStateIsVisibleAndWritableThroughSpendsgirAndCpendsgir()
    {
        LinuxInit();
        _gic.Distributor.Write(GICD_SPENDSGIR + 6, 1, 0x01);
        Assert.Equal(0x00010000u, D(GICD_SPENDSGIR + 4));
        Assert.Equal(0x00010000u, D(GICD_CPENDSGIR + 4));
        Assert.Equal(1u << 6, D(GICD_ISPENDR) & 0xFFFF);
        Assert.True(_gic.IrqOutput);

        D(GICD_CPENDSGIR + 4, 0x00010000);
        Assert.Equal(0u, D(GICD_SPENDSGIR + 4));
        Assert.False(_gic.IrqOutput);
    }

    [Fact]
    public void SgisCannotBePendedThroughIspendr()
    {
        LinuxInit();
        D(GICD_ISPENDR, 0x1);
        Assert.False(_gic.IrqOutput);
    }

    [Fact]
    public void ActiveStateCanBeSetAndClearedBySoftware()
    {
        LinuxInit();
        Enable(Uart);
        D(Word(GICD_ISACTIVER, Uart), Bit(Uart));
        _gic.SetLevel(Uart, true);
        Assert.False(_gic.IrqOutput);

        D(Word(GICD_ICACTIVER, Uart), Bit(Uart));
        Assert.True(_gic.IrqOutput);
    }

    [Fact]
    public void DisabledDistributorForwardsNothing()
    {
        LinuxInit();
        Enable(Uart);
        D(GICD_CTLR, 0);
        _gic.SetLevel(Uart, true);
        Assert.False(_gic.IrqOutput);
        Assert.Equal(Spurious, C(GICC_IAR));

        D(GICD_CTLR, 1);
        Assert.True(_gic.IrqOutput);
    }

    [Fact]
    public void DisabledCpuInterfaceSignalsNothing()
    {
        LinuxInit();
        Enable(Uart);
        C(GICC_CTLR, 0);
        _gic.SetLevel(Uart, true);
        Assert.False(_gic.IrqOutput);

        C(GICC_CTLR, 1);
        Assert.True(_gic.IrqOutput);
    }

    [Fact]
    public void Group1InterruptIsSignalledWhenGroup1IsEnabled()
    {
        LinuxInit();
        D(Word(GICD_IGROUPR, Uart), Bit(Uart));
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        Assert.False(_gic.IrqOutput); // only Group 0 is enabled so far

        D(GICD_CTLR, 3);
        C(GICC_CTLR, 3);
        Assert.True(_gic.IrqOutput);
    }

    [Fact]
    public void Group1InterruptNeedsAckCtlOrTheAliasedRegisters()
    {
        LinuxInit();
        D(Word(GICD_IGROUPR, Uart), Bit(Uart));
        D(GICD_CTLR, 3);
        C(GICC_CTLR, 3);
        Enable(Uart);
        _gic.SetLevel(Uart, true);

        Assert.Equal(1022u, C(GICC_HPPIR));
        Assert.Equal(1022u, C(GICC_IAR));
        Assert.Equal((uint)Uart, C(GICC_AHPPIR));
        Assert.Equal((uint)Uart, C(GICC_AIAR));
        Assert.Equal(1u << 16, C(GICC_NSAPR0 + 8)); // priority 0xA0 is preemption level 80

        _gic.SetLevel(Uart, false);
        C(GICC_AEOIR, Uart);
        Assert.Equal(0u, C(GICC_NSAPR0 + 8));
        Assert.Equal(0u, D(Word(GICD_ISACTIVER, Uart)));
    }

    [Fact]
    public void AckCtlLetsIarAcknowledgeGroup1()
    {
        LinuxInit();
        D(Word(GICD_IGROUPR, Uart), Bit(Uart));
        D(GICD_CTLR, 3);
        C(GICC_CTLR, 3 | (1 << 2));
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        Assert.Equal((uint)Uart, C(GICC_IAR));
    }

    [Fact]
    public void AliasedAcknowledgeDoesNotTakeGroup0Interrupts()
    {
        LinuxInit();
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        Assert.Equal(Spurious, C(GICC_AHPPIR));
        Assert.Equal(Spurious, C(GICC_AIAR));
        Assert.True(_gic.IrqOutput);
    }

    [Fact]
    public void FiqEnableTakesGroup0OffTheIrqOutput()
    {
        LinuxInit();
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        C(GICC_CTLR, 1 | (1 << 3));
        Assert.False(_gic.IrqOutput);
    }

    [Fact]
    public void ActivePriorityRegisterRecordsTheAcknowledgedPriority()
    {
        LinuxInit();
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        C(GICC_IAR);
        Assert.Equal(1u << 16, C(GICC_APR0 + 8)); // 0xA0 >> 1 = level 80 = APR2 bit 16

        C(GICC_EOIR, Uart);
        Assert.Equal(0u, C(GICC_APR0 + 8));
    }

    [Fact]
    public void EoiModeOneSplitsPriorityDropFromDeactivation()
    {
        LinuxInit();
        C(GICC_CTLR, 1 | (1 << 9));
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        C(GICC_IAR);

        C(GICC_EOIR, Uart);
        Assert.Equal(0xFFu, C(GICC_RPR)); // priority dropped
        Assert.Equal(Bit(Uart), D(Word(GICD_ISACTIVER, Uart))); // still active
        Assert.False(_gic.IrqOutput);

        C(GICC_DIR, Uart);
        Assert.Equal(0u, D(Word(GICD_ISACTIVER, Uart)));
        Assert.True(_gic.IrqOutput); // the line is still high
    }

    [Fact]
    public void DirIsIgnoredWhenEoiModeIsZero()
    {
        LinuxInit();
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        C(GICC_IAR);
        C(GICC_DIR, Uart);
        Assert.Equal(Bit(Uart), D(Word(GICD_ISACTIVER, Uart)));
    }

    [Fact]
    public void EoiOfSpuriousIdIsIgnored()
    {
        LinuxInit();
        Enable(Uart);
        _gic.SetLevel(Uart, true);
        C(GICC_IAR);
        C(GICC_EOIR, Spurious);
        Assert.Equal(0xA0u, C(GICC_RPR));
    }

    [Fact]
    public void BinaryPointRegistersKeepThreeBitsAndAbprIsAtLeastOne()
    {
        C(GICC_BPR, 0xFF);
        Assert.Equal(7u, C(GICC_BPR));
        C(GICC_ABPR, 0);
        Assert.Equal(1u, C(GICC_ABPR));
    }

    [Fact]
    public void CpuControlKeepsOnlyArchitectedBits()
    {
        C(GICC_CTLR, 0xFFFFFFFF);
        Assert.Equal(0x21Fu, C(GICC_CTLR));
    }

    [Fact]
    public void OutputCallbackFiresOnlyOnChanges()
    {
        LinuxInit();
        Enable(Uart);
        Enable(Rtc);
        _gic.SetLevel(Uart, true);
        _gic.SetLevel(Rtc, true);
        _gic.SetLevel(Uart, true);
        D(GICD_CTLR, 1);
        Assert.Equal([true], _outputChanges);
    }

    [Fact]
    public void PpiLinesWorkLikeSpis()
    {
        LinuxInit();
        const int VirtualTimer = 27;
        Enable(VirtualTimer);
        _gic.Line(VirtualTimer).Set(true);
        Assert.Equal((uint)VirtualTimer, C(GICC_IAR));
    }

    [Fact]
    public void SgisAndOutOfRangeIdsHaveNoInputLine()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _gic.Line(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => _gic.SetLevel(288, true));
    }

    [Fact]
    public void UnknownAndMisshapenAccessesReadZeroAndAreIgnored()
    {
        Assert.Equal(0ul, _gic.Distributor.Read(0xE00, 4));
        _gic.Distributor.Write(0xE00, 4, 0xFFFFFFFF);
        _gic.Distributor.Write(GICD_ISENABLER + 4, 1, 0xFF); // byte write to a word-only register
        Assert.Equal(0u, D(GICD_ISENABLER + 4));
        Assert.Equal(0ul, _gic.Distributor.Read(0x123457, 4));
        Assert.Equal(0ul, _gic.CpuInterface.Read(GICC_IAR, 2));
        _gic.CpuInterface.Write(0x800, 4, 1);
        Assert.Equal(0ul, _gic.CpuInterface.Read(0x800, 4));
        Assert.Equal(0ul, _gic.CpuInterface.Read(GICC_EOIR, 4));
        Assert.Equal(0u, D(Word(GICD_ISENABLER, 300))); // beyond the implemented interrupts
    }

    [Fact]
    public void DistributorAllowsNarrowReadsOfWordRegisters()
    {
        Assert.Equal(0xAAul, _gic.Distributor.Read(GICD_ICFGR + 1, 1));
        Assert.Equal(0x143Bul, _gic.Distributor.Read(GICD_IIDR, 2));
    }
}
