using Emulator.Devices;

namespace Emulator.Devices.Tests;

public sealed class GenericTimerTests
{
    private const ulong Enable = 1;
    private const ulong Imask = 2;
    private const ulong Istatus = 4;

    private readonly RecordingIrqLine physical = new();
    private readonly RecordingIrqLine @virtual = new();
    private readonly GenericTimer timer;
    private ulong now = 1_000;

    public GenericTimerTests()
    {
        timer = new GenericTimer(() => now, physical, @virtual);
    }

    [Fact]
    public void LineRisesWhenTheCounterReachesTheCompareValue()
    {
        timer.WriteCval(TimerKind.Virtual, 1_500);
        timer.WriteCtl(TimerKind.Virtual, Enable);
        Assert.False(@virtual.Level);

        now = 1_499;
        timer.Update();
        Assert.False(@virtual.Level);

        now = 1_500;
        timer.Update();
        Assert.True(@virtual.Level);
        Assert.Equal(Enable | Istatus, timer.ReadCtl(TimerKind.Virtual));
    }

    [Fact]
    public void MaskedTimerReportsIstatusButKeepsItsLineLow()
    {
        timer.WriteCval(TimerKind.Physical, 10);
        timer.WriteCtl(TimerKind.Physical, Enable | Imask);
        Assert.Equal(Enable | Imask | Istatus, timer.ReadCtl(TimerKind.Physical));
        Assert.False(physical.Level);

        timer.WriteCtl(TimerKind.Physical, Enable);
        Assert.True(physical.Level);
    }

    [Fact]
    public void DisabledTimerHasNoIstatusAndALowLine()
    {
        timer.WriteCval(TimerKind.Physical, 10);
        timer.WriteCtl(TimerKind.Physical, 0);
        Assert.Equal(0ul, timer.ReadCtl(TimerKind.Physical));
        Assert.False(physical.Level);
    }

    [Fact]
    public void IstatusIsReadOnly()
    {
        timer.WriteCval(TimerKind.Physical, 5_000);
        timer.WriteCtl(TimerKind.Physical, Enable | Istatus | 0xF0);
        Assert.Equal(Enable, timer.ReadCtl(TimerKind.Physical));
    }

    [Fact]
    public void CompareValueReadsBackAsWritten()
    {
        timer.WriteCval(TimerKind.Virtual, 0xFEDC_BA98_7654_3210);
        Assert.Equal(0xFEDC_BA98_7654_3210ul, timer.ReadCval(TimerKind.Virtual));
    }

    [Fact]
    public void WritingTvalSetsTheCompareValueRelativeToTheCounter()
    {
        timer.WriteTval(TimerKind.Physical, 250);
        Assert.Equal(1_250ul, timer.ReadCval(TimerKind.Physical));
    }

    [Fact]
    public void TvalIsSignExtendedFrom32Bits()
    {
        timer.WriteTval(TimerKind.Physical, 0xFFFF_FFFF_FFFF_FF9C); // -100
        Assert.Equal(900ul, timer.ReadCval(TimerKind.Physical));
        timer.WriteTval(TimerKind.Physical, 0x1234_5678_FFFF_FF9C); // upper bits are ignored
        Assert.Equal(900ul, timer.ReadCval(TimerKind.Physical));
    }

    [Fact]
    public void TvalReadsAsLow32BitsOfTheRemainingTime()
    {
        timer.WriteCval(TimerKind.Virtual, 1_300);
        Assert.Equal(300ul, timer.ReadTval(TimerKind.Virtual));

        now = 1_310;
        Assert.Equal(0xFFFF_FFF6ul, timer.ReadTval(TimerKind.Virtual)); // -10 after firing
    }

    [Fact]
    public void EveryWriteRedrivesTheLine()
    {
        timer.WriteCtl(TimerKind.Virtual, Enable);
        timer.WriteCval(TimerKind.Virtual, 500); // already passed
        Assert.True(@virtual.Level);

        timer.WriteCval(TimerKind.Virtual, 2_000); // moved into the future
        Assert.False(@virtual.Level);

        timer.WriteTval(TimerKind.Virtual, 0);
        Assert.True(@virtual.Level);
    }

    [Fact]
    public void TimersDriveTheirOwnLines()
    {
        timer.WriteCval(TimerKind.Physical, 0);
        timer.WriteCtl(TimerKind.Physical, Enable);
        Assert.True(physical.Level);
        Assert.False(@virtual.Level);
    }

    [Fact]
    public void NextDeadlineIsTheEarliestArmedCompareValue()
    {
        Assert.Null(timer.NextDeadline);

        timer.WriteCval(TimerKind.Physical, 3_000);
        timer.WriteCtl(TimerKind.Physical, Enable);
        timer.WriteCval(TimerKind.Virtual, 2_000);
        timer.WriteCtl(TimerKind.Virtual, Enable);
        Assert.Equal(2_000ul, timer.NextDeadline);

        timer.WriteCtl(TimerKind.Virtual, Enable | Imask);
        Assert.Equal(3_000ul, timer.NextDeadline);
    }

    [Fact]
    public void NextDeadlineSkipsATimerWhoseLineIsAlreadyHigh()
    {
        timer.WriteCval(TimerKind.Physical, 1_200);
        timer.WriteCtl(TimerKind.Physical, Enable);
        now = 1_200;
        timer.Update();
        Assert.Null(timer.NextDeadline);
    }

    [Fact]
    public void NextDeadlineKeepsAPassedDeadlineUntilUpdateRaisesTheLine()
    {
        timer.WriteCval(TimerKind.Physical, 1_200);
        timer.WriteCtl(TimerKind.Physical, Enable);
        now = 5_000; // the host has not called Update yet
        Assert.Equal(1_200ul, timer.NextDeadline);
    }
}
