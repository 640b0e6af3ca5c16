namespace Emulator.Devices;

/// <summary>
/// ARM PrimeCell UART PL011 (DDI 0183). Transmission is instantaneous: the transmit FIFO is always
/// empty, and each write to UARTDR hands the byte to the host and raises TXRIS, as QEMU's model does.
/// Received bytes are never dropped: the receive FIFO (32 deep with FEN, 1 without) is the head of the
/// stream of bytes handed to <see cref="Receive"/>, so bytes that do not fit wait and move in as the guest
/// reads UARTDR. The host side hands over only what <see cref="ReceiveRoom"/> allows (QEMU's
/// pl011_can_receive) and waits for <see cref="ReceiveRoomAvailable"/>, so input the guest never reads
/// stays on the host side, in the terminal or the pipe, instead of piling up here.
/// There is no line timing, so the receive timeout (RTRIS) counts as expired whenever the FIFO holds
/// data; RXRIS follows the IFLS trigger level.
/// </summary>
public sealed class Pl011 : IMmioDevice
{
    // Register offsets, DDI 0183 section 3.2, table 3-1.
    private const int UARTDR = 0x000;
    private const int UARTRSR = 0x004; // UARTECR on write
    private const int UARTFR = 0x018;
    private const int UARTILPR = 0x020;
    private const int UARTIBRD = 0x024;
    private const int UARTFBRD = 0x028;
    private const int UARTLCR_H = 0x02C;
    private const int UARTCR = 0x030;
    private const int UARTIFLS = 0x034;
    private const int UARTIMSC = 0x038;
    private const int UARTRIS = 0x03C;
    private const int UARTMIS = 0x040;
    private const int UARTICR = 0x044;
    private const int UARTDMACR = 0x048;

    // UARTFR bits (3.3.3).
    private const uint FrRxfe = 1 << 4;
    private const uint FrRxff = 1 << 6;
    private const uint FrTxfe = 1 << 7;

    // UARTLCR_H and UARTCR bits (3.3.7, 3.3.8).
    private const uint LcrHFen = 1 << 4;
    private const uint CrLbe = 1 << 7;

    // Interrupt bits shared by UARTIMSC, UARTRIS, UARTMIS and UARTICR (3.3.10-3.3.14).
    private const uint IntRx = 1 << 4;
    private const uint IntTx = 1 << 5;
    private const uint IntRt = 1 << 6;
    private const uint IntAll = 0x7FF;

    private const int FifoDepth = 32;

    private static readonly byte[] PeriphId = [0x11, 0x10, 0x14, 0x00];

    /// <summary>RXIFLSEL trigger levels for 1/8, 1/4, 1/2, 3/4 and 7/8 of the 32-byte FIFO.</summary>
    private static readonly int[] RxTriggerLevels = [4, 8, 16, 24, 28];

    private readonly IIrqLine _irq;
    private readonly Action<byte> _transmit;
    private readonly Queue<byte> _received = new(); // the receive FIFO followed by the backlog

    private uint _ilpr;
    private uint _ibrd;
    private uint _fbrd;
    private uint _lcrH;
    private uint _cr = 0x300; // TXE | RXE
    private uint _ifls = 0x12; // both FIFOs at 1/2
    private uint _imsc;
    private uint _ris;
    private uint _dmacr;

    public Pl011(IIrqLine irq, Action<byte> transmit)
    {
        ArgumentNullException.ThrowIfNull(irq);
        ArgumentNullException.ThrowIfNull(transmit);
        _irq = irq;
        _transmit = transmit;
    }

    /// <summary>How many bytes the receive FIFO takes now: the host side delivers no more than this.</summary>
    public int ReceiveRoom => Math.Max(0, Depth - _received.Count);

    /// <summary>Called (under the caller's lock) when the guest has read a byte, so the FIFO has room again.</summary>
    public Action ReceiveRoomAvailable { get; set; } = () => { };

    /// <summary>Bytes from the host side of the line. All are kept, however many arrive.</summary>
    public void Receive(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        foreach (var b in bytes)
        {
            _received.Enqueue(b);
        }

        UpdateReceiveInterrupts();
        UpdateLine();
    }

    public ulong Read(ulong offset, int size) =>
        PrimeCell.IsRegister("PL011", offset, "read") ? PrimeCell.Narrow(ReadRegister((int)offset), size) : 0;

    public void Write(ulong offset, int size, ulong value)
    {
        if (!PrimeCell.IsRegister("PL011", offset, "write"))
        {
            return;
        }

        var mask = size switch
        {
            1 => 0xFFu,
            2 => 0xFFFFu,
            _ => uint.MaxValue,
        };
        WriteRegister((int)offset, (uint)value & mask);
    }

    private int Depth => (_lcrH & LcrHFen) != 0 ? FifoDepth : 1;

    private int FifoCount => Math.Min(_received.Count, Depth);

    private int RxTrigger
    {
        get
        {
            if ((_lcrH & LcrHFen) == 0)
            {
                return 1;
            }

            var select = (int)((_ifls >> 3) & 7);
            return RxTriggerLevels[Math.Min(select, RxTriggerLevels.Length - 1)];
        }
    }

    private uint ReadRegister(int offset)
    {
        switch (offset)
        {
            case UARTDR:
                return ReadData();
            case UARTRSR:
                return 0; // no framing, parity, break or overrun errors ever occur
            case UARTFR:
                return FlagRegister();
            case UARTILPR:
                return _ilpr;
            case UARTIBRD:
                return _ibrd;
            case UARTFBRD:
                return _fbrd;
            case UARTLCR_H:
                return _lcrH;
            case UARTCR:
                return _cr;
            case UARTIFLS:
                return _ifls;
            case UARTIMSC:
                return _imsc;
            case UARTRIS:
                return _ris;
            case UARTMIS:
                return _ris & _imsc;
            case UARTDMACR:
                return _dmacr;
            case >= PrimeCell.PeriphId0 and < PrimeCell.WindowSize:
                return PrimeCell.IdRegister(offset, PeriphId);
            case UARTICR:
                DeviceLog.Once("PL011: read of write-only UARTICR");
                return 0;
            default:
                DeviceLog.Once($"PL011: read of unimplemented offset 0x{offset:X3}");
                return 0;
        }
    }

    private void WriteRegister(int offset, uint value)
    {
        switch (offset)
        {
            case UARTDR:
                WriteData((byte)value);
                break;
            case UARTRSR:
                break; // UARTECR: clears the error flags, which are always clear
            case UARTILPR:
                _ilpr = value & 0xFF;
                break;
            case UARTIBRD:
                _ibrd = value & 0xFFFF;
                break;
            case UARTFBRD:
                _fbrd = value & 0x3F;
                break;
            case UARTLCR_H:
                // Turning the FIFO off shrinks it to one byte; the rest stays queued behind it.
                _lcrH = value & 0xFF;
                UpdateReceiveInterrupts();
                UpdateLine();
                break;
            case UARTCR:
                _cr = value & 0xFF87;
                break;
            case UARTIFLS:
                _ifls = value & 0x3F;
                break;
            case UARTIMSC:
                _imsc = value & IntAll;
                UpdateLine();
                break;
            case UARTICR:
                _ris &= ~value;
                UpdateLine();
                break;
            case UARTDMACR:
                _dmacr = value & 0x7;
                if ((_dmacr & 0x3) != 0)
                {
                    DeviceLog.Once("PL011: DMA requested through UARTDMACR but not implemented");
                }

                break;
            case UARTFR or UARTRIS or UARTMIS or (>= PrimeCell.PeriphId0 and < PrimeCell.WindowSize):
                DeviceLog.Once($"PL011: write to read-only offset 0x{offset:X3} ignored");
                break;
            default:
                DeviceLog.Once($"PL011: write to unimplemented offset 0x{offset:X3} ignored");
                break;
        }
    }

    private uint FlagRegister()
    {
        var flags = FrTxfe; // the transmit FIFO drains instantly: never full, never busy
        if (_received.Count == 0)
        {
            flags |= FrRxfe;
        }

        if (FifoCount == Depth)
        {
            flags |= FrRxff;
        }

        return flags; // TXFF and BUSY stay clear
    }

    private uint ReadData()
    {
        if (!_received.TryDequeue(out var b))
        {
            return 0;
        }

        UpdateReceiveInterrupts();
        UpdateLine();
        ReceiveRoomAvailable();
        return b;
    }

    private void WriteData(byte b)
    {
        if ((_cr & CrLbe) != 0)
        {
            // Loopback: the byte comes back on the receive side instead of leaving the UART; with the
            // FIFO full it is lost (an overrun), so a guest cannot grow the queue without bound.
            if (_received.Count < Depth)
            {
                _received.Enqueue(b);
                UpdateReceiveInterrupts();
            }
        }
        else
        {
            _transmit(b);
        }

        // The transmit FIFO is empty again at once, so it is at or below any trigger level.
        _ris |= IntTx;
        UpdateLine();
    }

    /// <summary>Re-evaluates RXRIS and RTRIS after the FIFO contents changed.</summary>
    private void UpdateReceiveInterrupts()
    {
        var count = FifoCount;
        _ris = count >= RxTrigger ? _ris | IntRx : _ris & ~IntRx;
        _ris = count > 0 ? _ris | IntRt : _ris & ~IntRt;
    }

    private void UpdateLine() => _irq.Set((_ris & _imsc) != 0);
}
