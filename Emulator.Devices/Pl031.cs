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

    private readonly IIrqLine _irq;
    private readonly Func<long> _unixSecondsNow;

    private long _offsetSeconds; // counter = host seconds + offsetSeconds, modulo 2^32
    private uint _matchValue;
    private uint _loadValue;
    private uint _imsc;
    private uint _ris;
    private long? _alarmAtHostSeconds;

    public Pl031(IIrqLine irq, Func<long> unixSecondsNow)
    {
        ArgumentNullException.ThrowIfNull(irq);
        ArgumentNullException.ThrowIfNull(unixSecondsNow);
        _irq = irq;
        _unixSecondsNow = unixSecondsNow;
    }

    /// <summary>The host time (Unix seconds) at which the armed alarm fires, or null when none is armed.</summary>
    public long? NextAlarmUnixSeconds => _alarmAtHostSeconds;

    /// <summary>Raises the alarm interrupt if the armed match time has been reached.</summary>
    public void Update()
    {
        if (_alarmAtHostSeconds is { } at && _unixSecondsNow() >= at)
        {
            _alarmAtHostSeconds = null;
            _ris |= RtcInterrupt;
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

    private uint Counter() => (uint)(_unixSecondsNow() + _offsetSeconds);

    private uint ReadRegister(int offset)
    {
        switch (offset)
        {
            case RTCDR:
                return Counter();
            case RTCMR:
                return _matchValue;
            case RTCLR:
                return _loadValue;
            case RTCCR:
                return 1; // started at reset; cannot be stopped
            case RTCIMSC:
                return _imsc;
            case RTCRIS:
                return _ris;
            case RTCMIS:
                return _ris & _imsc;
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
                _matchValue = value;
                ArmAlarm();
                break;
            case RTCLR:
                _loadValue = value;
                _offsetSeconds = value - _unixSecondsNow();
                ArmAlarm();
                break;
            case RTCCR:
                break; // writing 1 starts a running clock; writing 0 has no effect
            case RTCIMSC:
                _imsc = value & RtcInterrupt;
                UpdateLine();
                break;
            case RTCICR:
                _ris &= ~(value & RtcInterrupt);
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
        var now = _unixSecondsNow();
        var secondsUntilMatch = _matchValue - (uint)(now + _offsetSeconds); // wraps like the 32-bit counter
        _alarmAtHostSeconds = now + secondsUntilMatch;
        Update();
    }

    private void UpdateLine() => _irq.Set((_ris & _imsc) != 0);
}
