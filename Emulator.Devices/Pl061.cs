namespace Emulator.Devices;

/// <summary>
/// ARM PrimeCell GPIO PL061 (DDI 0190): eight lines, each an input or an output, with edge or level
/// interrupts combined into one line. On QEMU's virt board, input 3 is the power button: a
/// gpio-keys node makes Linux treat a pulse on it as KEY_POWER (QMP's system_powerdown).
/// Outputs drive nothing on this board.
/// </summary>
public sealed class Pl061 : IMmioDevice
{
    // Register offsets, DDI 0190 section 3.2, table 3-1.
    private const int GPIODATA_END = 0x3FC; // 0x000-0x3FC: address bits [9:2] mask the lines accessed
    private const int GPIODIR = 0x400;
    private const int GPIOIS = 0x404;
    private const int GPIOIBE = 0x408;
    private const int GPIOIEV = 0x40C;
    private const int GPIOIE = 0x410;
    private const int GPIORIS = 0x414;
    private const int GPIOMIS = 0x418;
    private const int GPIOIC = 0x41C;
    private const int GPIOAFSEL = 0x420;

    public const int LineCount = 8;

    private static readonly byte[] PeriphId = [0x61, 0x10, 0x04, 0x00];

    private readonly IIrqLine _irq;

    private byte _data;       // output values written by the guest
    private byte _inputs;     // levels driven from outside
    private byte _direction;  // 1 = output
    private byte _levelSense; // GPIOIS: 1 = level, 0 = edge
    private byte _bothEdges;  // GPIOIBE
    private byte _event;      // GPIOIEV: 1 = rising edge / high level
    private byte _enabled;    // GPIOIE
    private byte _raw;        // GPIORIS
    private byte _alternate;  // GPIOAFSEL (kept, no effect)
    private byte _previousPins;

    public Pl061(IIrqLine irq)
    {
        ArgumentNullException.ThrowIfNull(irq);
        _irq = irq;
    }

    /// <summary>The lines as the guest reads them: outputs show what it wrote, inputs what drives them.</summary>
    public byte Pins => (byte)((_data & _direction) | (_inputs & ~_direction));

    /// <summary>Drives input line <paramref name="line"/> from outside (a key, a board signal).</summary>
    public void SetInput(int line, bool level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(line);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(line, LineCount);
        var bit = (byte)(1 << line);
        _inputs = (byte)(level ? _inputs | bit : _inputs & ~bit);
        Update();
    }

    public ulong Read(ulong offset, int size) =>
        PrimeCell.IsRegister("PL061", offset, "read") ? PrimeCell.Narrow(ReadRegister((int)offset), size) : 0;

    public void Write(ulong offset, int size, ulong value)
    {
        if (!PrimeCell.IsRegister("PL061", offset, "write"))
        {
            return;
        }

        var bits = (byte)value;
        var o = (int)offset;
        if (o <= GPIODATA_END)
        {
            var mask = (byte)(o >> 2);
            _data = (byte)((_data & ~mask) | (bits & mask));
            Update();
            return;
        }

        switch (o)
        {
            case GPIODIR:
                _direction = bits;
                break;
            case GPIOIS:
                _levelSense = bits;
                break;
            case GPIOIBE:
                _bothEdges = bits;
                break;
            case GPIOIEV:
                _event = bits;
                break;
            case GPIOIE:
                _enabled = bits;
                break;
            case GPIOIC:
                _raw = (byte)(_raw & ~(bits & ~_levelSense));
                break;
            case GPIOAFSEL:
                _alternate = bits;
                break;
            default:
                DeviceLog.Once($"PL061: write to read-only or unknown register 0x{offset:X} ignored");
                return;
        }

        Update();
    }

    private uint ReadRegister(int offset)
    {
        if (offset <= GPIODATA_END)
        {
            return (uint)(Pins & (offset >> 2));
        }

        return offset switch
        {
            GPIODIR => _direction,
            GPIOIS => _levelSense,
            GPIOIBE => _bothEdges,
            GPIOIEV => _event,
            GPIOIE => _enabled,
            GPIORIS => _raw,
            GPIOMIS => (uint)(_raw & _enabled),
            GPIOAFSEL => _alternate,
            >= PrimeCell.PeriphId0 => PrimeCell.IdRegister(offset, PeriphId),
            _ => Unknown(offset),
        };
    }

    private static uint Unknown(int offset)
    {
        DeviceLog.Once($"PL061: read of unknown register 0x{offset:X} returns 0");
        return 0;
    }

    /// <summary>Latches edges since the last update, recomputes level interrupts and the interrupt line.</summary>
    private void Update()
    {
        var pins = Pins;
        var changed = (byte)(pins ^ _previousPins);
        _previousPins = pins;

        var edge = (byte)~_levelSense;
        var rising = (byte)(changed & pins);
        var falling = (byte)(changed & ~pins);
        var edges = (byte)((changed & _bothEdges) | (rising & _event & ~_bothEdges) | (falling & ~_event & ~_bothEdges));
        _raw |= (byte)(edges & edge);

        var levels = (byte)(~(pins ^ _event)); // 1 where the pin is at the active level
        _raw = (byte)((_raw & edge) | (levels & _levelSense));

        _irq.Set((_raw & _enabled) != 0);
    }
}
