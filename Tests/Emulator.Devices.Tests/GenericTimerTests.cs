namespace Emulator.Devices.Tests;

public sealed class GenericTimerTests
{
    private const ulong Enable = 1;
    private const ulong Imask = 2;
    private const ulong Istatus = 4;

    private readonly RecordingIrqLine _physical = new();
    private readonly RecordingIrqLine _virtual = new();
    private readonly GenericTimer _timer;
    private ulong _now = 1_000;

    public GenericTimerTests()
    {
        _timer = new GenericTimer(() => _now, _physical, _virtual);
    }

    [Fact]
    public void LineRisesWhenTheCounterReachesTheCompareValue()
    {
        _timer.WriteCval(TimerKind.Virtual, 1_500);
        _timer.WriteCtl(TimerKind.Virtual, Enable);
        Assert.False(_virtual.Level);

        _now = 1_499;
        _timer.Update();
        Assert.False(_virtual.Level);

        _now = 1_500;
        _timer.Update();
        Assert.True(_virtual.Level);
        Assert.Equal(Enable | Istatus, _timer.ReadCtl(TimerKind.Virtual));
    }

    [Fact]
    public void MaskedTimerReportsIstatusButKeepsItsLineLow()
    {
        _timer.WriteCval(TimerKind.Physical, 10);
        _timer.WriteCtl(TimerKind.Physical, Enable | Imask);
        Assert.Equal(Enable | Imask | Istatus, _timer.ReadCtl(TimerKind.Physical));
        Assert.False(_physical.Level);

        _timer.WriteCtl(TimerKind.Physical, Enable);
        Assert.True(_physical.Level);
    }

    [Fact]
    public void DisabledTimerHasNoIstatusAndALowLine()
    {
        _timer.WriteCval(TimerKind.Physical, 10);
        _timer.WriteCtl(TimerKind.Physical, 0);
        Assert.Equal(0ul, _timer.ReadCtl(TimerKind.Physical));
        Assert.False(_physical.Level);
    }

    [Fact]
    public void IstatusIsReadOnly()
    {
        _timer.WriteCval(TimerKind.Physical, 5_000);
        _timer.WriteCtl(TimerKind.Physical, Enable | Istatus | 0xF0);
        Assert.Equal(Enable, _timer.ReadCtl(TimerKind.Physical));
    }

    [Fact]
    public void CompareValueReadsBackAsWritten()
    {
        _timer.WriteCval(TimerKind.Virtual, 0xFEDC_BA98_7654_3210);
        Assert.Equal(0xFEDC_BA98_7654_3210ul, _timer.ReadCval(TimerKind.Virtual));
    }

    [Fact]
    public void WritingTvalSetsTheCompareValueRelativeToTheCounter()
    {
        _timer.WriteTval(TimerKind.Physical, 250);
        Assert.Equal(1_250ul, _timer.ReadCval(TimerKind.Physical));
    }

    [Fact]
    public void TvalIsSignExtendedFrom32Bits()
    {
        _timer.WriteTval(TimerKind.Physical, 0xFFFF_FFFF_FFFF_FF9C); // -100
        Assert.Equal(900ul, _timer.ReadCval(TimerKind.Physical));
        _timer.WriteTval(TimerKind.Physical, 0x1234_5678_FFFF_FF9C); // upper bits are ignored
        Assert.Equal(900ul, _timer.ReadCval(TimerKind.Physical));
    }

    [Fact]
    public void TvalReadsAsLow32BitsOfTheRemainingTime()
    {
        _timer.WriteCval(TimerKind.Virtual, 1_300);
        Assert.Equal(300ul, _timer.ReadTval(TimerKind.Virtual));

        _now = 1_310;
        Assert.Equal(0xFFFF_FFF6ul, _timer.ReadTval(TimerKind.Virtual)); // -10 after firing
    }

    [Fact]
    public void EveryWriteRedrivesTheLine()
    {
        _timer.WriteCtl(TimerKind.Virtual, Enable);
        _timer.WriteCval(TimerKind.Virtual, 500); // already passed
        Assert.True(_virtual.Level);

        _timer.WriteCval(TimerKind.Virtual, 2_000); // moved into the future
        Assert.False(_virtual.Level);

        _timer.WriteTval(TimerKind.Virtual, 0);
        Assert.True(_virtual.Level);
    }

    [Fact]
    public void TimersDriveTheirOwnLines()
    {
        _timer.WriteCval(TimerKind.Physical, 0);
        _timer.WriteCtl(TimerKind.Physical, Enable);
        Assert.True(_physical.Level);
        Assert.False(_virtual.Level);
    }

    [Fact]
    public void NextDeadlineIsTheEarliestArmedCompareValue()
    {
        Assert.Null(_timer.NextDeadline);

        _timer.WriteCval(TimerKind.Physical, 3_000);
        _timer.WriteCtl(TimerKind.Physical, Enable);
        _timer.WriteCval(TimerKind.Virtual, 2_000);
        _timer.WriteCtl(TimerKind.Virtual, Enable);
        Assert.Equal(2_000ul, _timer.NextDeadline);

        _timer.WriteCtl(TimerKind.Virtual, Enable | Imask);
        Assert.Equal(3_000ul, _timer.NextDeadline);
    }

    [Fact]
    public void NextDeadlineSkipsATimerWhoseLineIsAlreadyHigh()
    {
        _timer.WriteCval(TimerKind.Physical, 1_200);
        _timer.WriteCtl(TimerKind.Physical, Enable);
        _now = 1_200;
        _timer.Update();
        Assert.Null(_timer.NextDeadline);
    }

    [Fact]
    public void NextDeadlineKeepsAPassedDeadlineUntilUpdateRaisesTheLine()
    {
        _timer.WriteCval(TimerKind.Physical, 1_200);
        _timer.WriteCtl(TimerKind.Physical, Enable);
        _now = 5_000; // the host has not called Update yet
        Assert.Equal(1_200ul, _timer.NextDeadline);
    }
}
