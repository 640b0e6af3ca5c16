using Emulator.Devices;

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

    private readonly RecordingIrqLine irq = new();
    private readonly Pl031 rtc;
    private long now = 1_700_000_000;

    public Pl031Tests()
    {
        rtc = new Pl031(irq, () => now);
    }

    private uint R(ulong offset) => (uint)rtc.Read(offset, 4);

    private void W(ulong offset, uint value) => rtc.Write(offset, 4, value);

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
        now += 5;
        Assert.Equal(1_700_000_005u, R(RTCDR));
    }

    [Fact]
    public void LoadRegisterSetsTheTimeAndReadsBack()
    {
        W(RTCLR, 1_000);
        Assert.Equal(1_000u, R(RTCDR));
        Assert.Equal(1_000u, R(RTCLR));
        now += 7;
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
        Assert.Equal(1_700_000_010L, rtc.NextAlarmUnixSeconds);

        now += 9;
        rtc.Update();
        Assert.False(irq.Level);

        now += 1;
        rtc.Update();
        Assert.True(irq.Level);
        Assert.Equal(1u, R(RTCRIS));
        Assert.Equal(1u, R(RTCMIS));
        Assert.Null(rtc.NextAlarmUnixSeconds);
    }

    [Fact]
    public void AlarmDeadlineFollowsTheLoadedTime()
    {
        W(RTCLR, 100);
        W(RTCMR, 160);
        Assert.Equal(now + 60, rtc.NextAlarmUnixSeconds);
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
        Assert.Equal(now + uint.MaxValue, rtc.NextAlarmUnixSeconds);
    }

    [Fact]
    public void AlarmFiresOnlyOnce()
    {
        W(RTCMR, 1_700_000_001);
        now += 1;
        rtc.Update();
        W(RTCICR, 1);
        now += 1;
        rtc.Update();
        Assert.Equal(0u, R(RTCRIS));
    }

    [Fact]
    public void MaskedAlarmSetsRawStatusButNotTheLine()
    {
        W(RTCMR, R(RTCDR));
        Assert.Equal(1u, R(RTCRIS));
        Assert.Equal(0u, R(RTCMIS));
        Assert.False(irq.Level);

        W(RTCIMSC, 1);
        Assert.True(irq.Level);
    }

    [Fact]
    public void InterruptClearRegisterLowersTheLine()
    {
        W(RTCIMSC, 1);
        W(RTCMR, R(RTCDR));
        W(RTCICR, 1);
        Assert.Equal(0u, R(RTCRIS));
        Assert.False(irq.Level);
    }

    [Fact]
    public void UnknownOffsetsReadZeroAndIgnoreWrites()
    {
        Assert.Equal(0ul, rtc.Read(0x40, 4));
        rtc.Write(0x40, 4, 1);
        rtc.Write(RTCDR, 4, 5);
        rtc.Write(RTCMR, 1, 5);
        Assert.Equal(0ul, rtc.Read(0x3, 1));
        Assert.Equal(0ul, rtc.Read(RTCICR, 4));
        Assert.Equal(1_700_000_000u, R(RTCDR));
        Assert.Equal(0u, R(RTCMR));
    }
}
