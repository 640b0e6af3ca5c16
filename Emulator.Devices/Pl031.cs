namespace Emulator.Devices;

/// <summary>
/// ARM PrimeCell real-time clock PL031 (DDI 0224). The counter is the host clock plus an offset that
/// the guest sets through RTCLR. Writing RTCMR (or RTCLR) arms the alarm for the next moment the
/// counter equals the match value (QEMU's behaviour: a match value already passed waits for the 32-bit
/// wrap). The host calls <see cref="Update"/> at <see cref="NextAlarmUnixSeconds"/>.
/// </summary>
public sealed class Pl031 : IMmioDevice
{
    // Register offsets, DDI 0224 section 3.2, table 3-1.
    private const int RTCDR = 0x000;
    private const int RTCMR = 0x004;
    private const int RTCLR = 0x008;
    private const int RTCCR = 0x00C;
    private const int RTCIMSC = 0x010;
    private const int RTCRIS = 0x014;
    private const int RTCMIS = 0x018;
    private const int RTCICR = 0x01C;

    private const uint RtcInterrupt = 1;

    private static readonly byte[] PeriphId = [0x31, 0x10, 0x14, 0x00];

    private readonly IIrqLine irq;
    private readonly Func<long> unixSecondsNow;

    private long offsetSeconds; // counter = host seconds + offsetSeconds, modulo 2^32
    private uint matchValue;
    private uint loadValue;
    private uint imsc;
    private uint ris;
    private long? alarmAtHostSeconds;

    public Pl031(IIrqLine irq, Func<long> unixSecondsNow)
    {
        ArgumentNullException.ThrowIfNull(irq);
        ArgumentNullException.ThrowIfNull(unixSecondsNow);
        this.irq = irq;
        this.unixSecondsNow = unixSecondsNow;
    }

    /// <summary>The host time (Unix seconds) at which the armed alarm fires, or null when none is armed.</summary>
    public long? NextAlarmUnixSeconds => alarmAtHostSeconds;

    /// <summary>Raises the alarm interrupt if the armed match time has been reached.</summary>
    public void Update()
    {
        if (alarmAtHostSeconds is { } at && unixSecondsNow() >= at)
        {
            alarmAtHostSeconds = null;
            ris |= RtcInterrupt;
            UpdateLine();
        }
    }

    public ulong Read(ulong offset, int size) =>
        PrimeCell.IsRegister("PL031", offset, "read") ? PrimeCell.Narrow(ReadRegister((int)offset), size) : 0;

    public void Write(ulong offset, int size, ulong value)
    {
        if ((offset & 3) != 0 || offset >= PrimeCell.WindowSize || size < 4)
        {
            DeviceLog.Once($"PL031: {size}-byte write at 0x{offset:X} ignored (word access only)");
            return;
        }

        WriteRegister((int)offset, (uint)value);
    }

    private uint Counter() => (uint)(unixSecondsNow() + offsetSeconds);

    private uint ReadRegister(int offset)
    {
        switch (offset)
        {
            case RTCDR:
                return Counter();
            case RTCMR:
                return matchValue;
            case RTCLR:
                return loadValue;
            case RTCCR:
                return 1; // started at reset; cannot be stopped
            case RTCIMSC:
                return imsc;
            case RTCRIS:
                return ris;
            case RTCMIS:
                return ris & imsc;
            case >= PrimeCell.PeriphId0 and < PrimeCell.WindowSize:
                return PrimeCell.IdRegister(offset, PeriphId);
            case RTCICR:
                DeviceLog.Once("PL031: read of write-only RTCICR");
                return 0;
            default:
                DeviceLog.Once($"PL031: read of unimplemented offset 0x{offset:X3}");
                return 0;
        }
    }

    private void WriteRegister(int offset, uint value)
    {
        switch (offset)
        {
            case RTCMR:
                matchValue = value;
                ArmAlarm();
                break;
            case RTCLR:
                loadValue = value;
                offsetSeconds = value - unixSecondsNow();
                ArmAlarm();
                break;
            case RTCCR:
                break; // writing 1 starts a running clock; writing 0 has no effect
            case RTCIMSC:
                imsc = value & RtcInterrupt;
                UpdateLine();
                break;
            case RTCICR:
                ris &= ~(value & RtcInterrupt);
                UpdateLine();
                break;
            case RTCDR or RTCRIS or RTCMIS or (>= PrimeCell.PeriphId0 and < PrimeCell.WindowSize):
                DeviceLog.Once($"PL031: write to read-only offset 0x{offset:X3} ignored");
                break;
            default:
                DeviceLog.Once($"PL031: write to unimplemented offset 0x{offset:X3} ignored");
                break;
        }
    }

    private void ArmAlarm()
    {
        var now = unixSecondsNow();
        var secondsUntilMatch = matchValue - (uint)(now + offsetSeconds); // wraps like the 32-bit counter
        alarmAtHostSeconds = now + secondsUntilMatch;
        Update();
    }

    private void UpdateLine() => irq.Set((ris & imsc) != 0);
}
