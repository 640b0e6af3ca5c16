namespace Emulator.Devices.Tests;

public sealed class Pl031Tests
{
    private const ulong RTCDR = 0x000;
    private const ulong RTCMR = 0x004;
    private const ulong RTCLR = 0x008;
    private const ulong RTCCR = 0x00C;
    private const ulong RTCIMSC = 0x010;
    private const ulong RTCRIS = 0x014;
    private const ulong RTCMIS = 0x018;
    private const ulong RTCICR = 0x01C;

    private readonly RecordingIrqLine _irq = new();
    private readonly Pl031 _rtc;
    private long _now = 1_700_000_000;

    public Pl031Tests()
    {
        _rtc = new Pl031(_irq, () => _now);
    }

    private uint R(ulong offset) => (uint)_rtc.Read(offset, 4);

    private void W(ulong offset, uint value) => _rtc.Write(offset, 4, value);

    [Fact]
    public void IdentificationRegistersAreThoseOfAPl031()
    {
        byte[] expected = [0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], R(0xFE0 + (ulong)(4 * i)));
        }
    }

    [Fact]
    public void DataRegisterFollowsTheHostClock()
    {
        Assert.Equal(1_700_000_000u, R(RTCDR));
        _now += 5;
        Assert.Equal(1_700_000_005u, R(RTCDR));
    }

    [Fact]
    public void LoadRegisterSetsTheTimeAndReadsBack()
    {
        W(RTCLR, 1_000);
        Assert.Equal(1_000u, R(RTCDR));
        Assert.Equal(1_000u, R(RTCLR));
        _now += 7;
        Assert.Equal(1_007u, R(RTCDR));
    }

    [Fact]
    public void ControlRegisterReadsAsStarted()
    {
        Assert.Equal(1u, R(RTCCR));
        W(RTCCR, 0);
        Assert.Equal(1u, R(RTCCR));
    }

    [Fact]
    public void MatchRegisterReadsBack()
    {
        W(RTCMR, 0xDEADBEEF);
        Assert.Equal(0xDEADBEEFu, R(RTCMR));
    }

    [Fact]
    public void AlarmFiresWhenTheMatchTimeIsReached()
    {
        W(RTCIMSC, 1);
        W(RTCMR, 1_700_000_010);
        Assert.Equal(1_700_000_010L, _rtc.NextAlarmUnixSeconds);

        _now += 9;
        _rtc.Update();
        Assert.False(_irq.Level);

        _now += 1;
        _rtc.Update();
        Assert.True(_irq.Level);
        Assert.Equal(1u, R(RTCRIS));
        Assert.Equal(1u, R(RTCMIS));
        Assert.Null(_rtc.NextAlarmUnixSeconds);
    }

    [Fact]
    public void AlarmDeadlineFollowsTheLoadedTime()
    {
        W(RTCLR, 100);
        W(RTCMR, 160);
        Assert.Equal(_now + 60, _rtc.NextAlarmUnixSeconds);
    }

    [Fact]
    public void MatchEqualToNowFiresAtOnce()
    {
        W(RTCMR, R(RTCDR));
        Assert.Equal(1u, R(RTCRIS));
    }

    [Fact]
    public void PassedMatchValueWaitsForTheCounterToWrap()
    {
        W(RTCMR, R(RTCDR) - 1);
        Assert.Equal(0u, R(RTCRIS));
        Assert.Equal(_now + uint.MaxValue, _rtc.NextAlarmUnixSeconds);
    }

    [Fact]
    public void AlarmFiresOnlyOnce()
    {
        W(RTCMR, 1_700_000_001);
        _now += 1;
        _rtc.Update();
        W(RTCICR, 1);
        _now += 1;
        _rtc.Update();
        Assert.Equal(0u, R(RTCRIS));
    }

    [Fact]
    public void MaskedAlarmSetsRawStatusButNotTheLine()
    {
        W(RTCMR, R(RTCDR));
        Assert.Equal(1u, R(RTCRIS));
        Assert.Equal(0u, R(RTCMIS));
        Assert.False(_irq.Level);

        W(RTCIMSC, 1);
        Assert.True(_irq.Level);
    }

    [Fact]
    public void InterruptClearRegisterLowersTheLine()
    {
        W(RTCIMSC, 1);
        W(RTCMR, R(RTCDR));
        W(RTCICR, 1);
        Assert.Equal(0u, R(RTCRIS));
        Assert.False(_irq.Level);
    }

    [Fact]
    public void UnknownOffsetsReadZeroAndIgnoreWrites()
    {
        Assert.Equal(0ul, _rtc.Read(0x40, 4));
        _rtc.Write(0x40, 4, 1);
        _rtc.Write(RTCDR, 4, 5);
        _rtc.Write(RTCMR, 1, 5);
        Assert.Equal(0ul, _rtc.Read(0x3, 1));
        Assert.Equal(0ul, _rtc.Read(RTCICR, 4));
        Assert.Equal(1_700_000_000u, R(RTCDR));
        Assert.Equal(0u, R(RTCMR));
    }
}
