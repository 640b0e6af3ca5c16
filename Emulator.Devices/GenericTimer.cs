using System.Runtime.CompilerServices;

namespace Emulator.Devices;

/// <summary>
/// The EL1 physical and virtual timers of the ARM generic timer. Both count the same system counter
/// (CNTVOFF_EL2 is 0). A timer's output is high exactly while it is enabled, not masked and its
/// condition (counter &gt;= compare value) holds. The host calls <see cref="Update"/> when the counter
/// reaches <see cref="NextDeadline"/>; every register write re-drives the lines immediately.
/// </summary>
public sealed class GenericTimer
{
    // CNTx_CTL_EL0 bits.
    private const ulong CtlEnable = 1 << 0;
    private const ulong CtlImask = 1 << 1;
    private const ulong CtlIstatus = 1 << 2;

    // The timers' system register encodings (Arm ARM D23.8: CNTP_*_EL0 and CNTV_*_EL0): op0 3, op1 3, CRn 14,
    // CRm 2 for the physical timer and 3 for the virtual one, op2 0 TVAL, 1 CTL, 2 CVAL.
    private const uint TimerOp0 = 3;
    private const uint TimerOp1 = 3;
    private const uint TimerCrn = 14;
    private const uint PhysicalCrm = 2;
    private const uint VirtualCrm = 3;
    private const uint TvalOp2 = 0;
    private const uint CtlOp2 = 1;
    private const uint CvalOp2 = 2;

    private readonly Func<ulong> _counter;
    private readonly Timer[] _timers;

    public GenericTimer(Func<ulong> counter, IIrqLine physicalIrq, IIrqLine virtualIrq)
    {
        ArgumentNullException.ThrowIfNull(counter);
        ArgumentNullException.ThrowIfNull(physicalIrq);
        ArgumentNullException.ThrowIfNull(virtualIrq);
        _counter = counter;
        _timers = [new Timer(physicalIrq), new Timer(virtualIrq)];
    }

    /// <summary>CNTx_CTL: ENABLE (bit 0), IMASK (bit 1), ISTATUS (bit 2, read-only; 0 while disabled, as in QEMU).</summary>
    public ulong ReadCtl(TimerKind k)
    {
        var timer = Get(k);
        return timer.Control | (ConditionMet(timer) ? CtlIstatus : 0);
    }

    public void WriteCtl(TimerKind k, ulong v)
    {
        var timer = Get(k);
        timer.Control = v & (CtlEnable | CtlImask);
        Drive(timer);
    }

    /// <summary>CNTx_CVAL: the 64-bit compare value.</summary>
    public ulong ReadCval(TimerKind k) => Get(k).CompareValue;

    public void WriteCval(TimerKind k, ulong v)
    {
        var timer = Get(k);
        timer.CompareValue = v;
        Drive(timer);
    }

    /// <summary>CNTx_TVAL: the low 32 bits of (compare value - counter); negative once the timer has fired.</summary>
    public ulong ReadTval(TimerKind k) => (uint)(Get(k).CompareValue - _counter());

    /// <summary>Sets the compare value to the counter plus the sign-extended low 32 bits of <paramref name="v"/>.</summary>
    public void WriteTval(TimerKind k, ulong v)
    {
        var timer = Get(k);
        timer.CompareValue = _counter() + (ulong)(long)(int)(uint)v;
        Drive(timer);
    }

    /// <summary>Whether an MRS/MSR with this encoding (op0, op1, CRn, CRm) names a virtual timer register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsVirtualTimerRegister(uint op0, uint op1, uint crn, uint crm) =>
        crn == TimerCrn && crm == VirtualCrm && op0 == TimerOp0 && op1 == TimerOp1;

    /// <summary>
    /// An MRS of the system register with this encoding: false when it is not one of the timers' TVAL, CTL
    /// or CVAL registers.
    /// </summary>
    public bool TryReadRegister(uint op0, uint op1, uint crn, uint crm, uint op2, out ulong value)
    {
        if (!TryDecode(op0, op1, crn, crm, op2, out var kind))
        {
            value = 0;
            return false;
        }

        value = op2 switch
        {
            CtlOp2 => ReadCtl(kind),
            CvalOp2 => ReadCval(kind),
            _ => ReadTval(kind),
        };
        return true;
    }

    /// <summary>An MSR to the system register with this encoding: false when it is not a timer register.</summary>
    public bool TryWriteRegister(uint op0, uint op1, uint crn, uint crm, uint op2, ulong value)
    {
        if (!TryDecode(op0, op1, crn, crm, op2, out var kind))
        {
            return false;
        }

        switch (op2)
        {
            case CtlOp2:
                WriteCtl(kind, value);
                break;
            case CvalOp2:
                WriteCval(kind, value);
                break;
            default:
                WriteTval(kind, value);
                break;
        }

        return true;
    }

    private static bool TryDecode(uint op0, uint op1, uint crn, uint crm, uint op2, out TimerKind kind)
    {
        kind = crm == VirtualCrm ? TimerKind.Virtual : TimerKind.Physical;
        return op0 == TimerOp0 && op1 == TimerOp1 && crn == TimerCrn && crm is PhysicalCrm or VirtualCrm &&
            op2 is TvalOp2 or CtlOp2 or CvalOp2;
    }

    /// <summary>Re-drives both output lines from the current counter value.</summary>
    public void Update()
    {
        Drive(_timers[0]);
        Drive(_timers[1]);
    }

    /// <summary>
    /// The earliest compare value of an enabled, unmasked timer whose line is still low, or null when
    /// no line is waiting to rise. It may already have passed: the host should then call <see cref="Update"/> at once.
    /// </summary>
    public ulong? NextDeadline
    {
        get
        {
            ulong? next = null;
            foreach (var timer in _timers)
            {
                if ((timer.Control & (CtlEnable | CtlImask)) == CtlEnable && !timer.LineHigh)
                {
                    next = next is { } n && n <= timer.CompareValue ? n : timer.CompareValue;
                }
            }

            return next;
        }
    }

    private Timer Get(TimerKind k) => k switch
    {
        TimerKind.Physical => _timers[0],
        TimerKind.Virtual => _timers[1],
        _ => throw new ArgumentOutOfRangeException(nameof(k), k, "unknown timer"),
    };

    private bool ConditionMet(Timer timer) => (timer.Control & CtlEnable) != 0 && _counter() >= timer.CompareValue;

    private void Drive(Timer timer)
    {
        var level = (timer.Control & CtlImask) == 0 && ConditionMet(timer);
        timer.LineHigh = level;
        timer.Line.Set(level);
    }

    private sealed class Timer(IIrqLine line)
    {
        public IIrqLine Line { get; } = line;

        public ulong Control { get; set; }

        public ulong CompareValue { get; set; }

        public bool LineHigh { get; set; }
    }
}
