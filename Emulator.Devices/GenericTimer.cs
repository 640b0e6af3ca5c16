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

    private readonly Func<ulong> counter;
    private readonly Timer[] timers;

    public GenericTimer(Func<ulong> counter, IIrqLine physicalIrq, IIrqLine virtualIrq)
    {
        ArgumentNullException.ThrowIfNull(counter);
        ArgumentNullException.ThrowIfNull(physicalIrq);
        ArgumentNullException.ThrowIfNull(virtualIrq);
        this.counter = counter;
        timers = [new Timer(physicalIrq), new Timer(virtualIrq)];
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
    public ulong ReadTval(TimerKind k) => (uint)(Get(k).CompareValue - counter());

    /// <summary>Sets the compare value to the counter plus the sign-extended low 32 bits of <paramref name="v"/>.</summary>
    public void WriteTval(TimerKind k, ulong v)
    {
        var timer = Get(k);
        timer.CompareValue = counter() + (ulong)(long)(int)(uint)v;
        Drive(timer);
    }

    /// <summary>Re-drives both output lines from the current counter value.</summary>
    public void Update()
    {
        Drive(timers[0]);
        Drive(timers[1]);
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
            foreach (var timer in timers)
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
        TimerKind.Physical => timers[0],
        TimerKind.Virtual => timers[1],
        _ => throw new ArgumentOutOfRangeException(nameof(k), k, "unknown timer"),
    };

    private bool ConditionMet(Timer timer) => (timer.Control & CtlEnable) != 0 && counter() >= timer.CompareValue;

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
