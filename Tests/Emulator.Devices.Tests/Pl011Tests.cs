namespace Emulator.Devices.Tests;

public sealed class Pl011Tests
{
    private const ulong UARTDR = 0x000;
    private const ulong UARTRSR = 0x004;
    private const ulong UARTFR = 0x018;
    private const ulong UARTILPR = 0x020;
    private const ulong UARTIBRD = 0x024;
    private const ulong UARTFBRD = 0x028;
    private const ulong UARTLCR_H = 0x02C;
    private const ulong UARTCR = 0x030;
    private const ulong UARTIFLS = 0x034;
    private const ulong UARTIMSC = 0x038;
    private const ulong UARTRIS = 0x03C;
    private const ulong UARTMIS = 0x040;
    private const ulong UARTICR = 0x044;
    private const ulong UARTDMACR = 0x048;

    private const uint RXFE = 1 << 4;
    private const uint TXFF = 1 << 5;
    private const uint RXFF = 1 << 6;
    private const uint TXFE = 1 << 7;
    private const uint BUSY = 1 << 3;

    private const uint FEN = 1 << 4;
    private const uint LBE = 1 << 7;

    private const uint RXIM = 1 << 4;
    private const uint TXIM = 1 << 5;
    private const uint RTIM = 1 << 6;

    private readonly RecordingIrqLine _irq = new();
    private readonly List<byte> _sent = [];
    private readonly Pl011 _uart;

    public Pl011Tests()
    {
        _uart = new Pl011(_irq, _sent.Add);
    }

    private uint R(ulong offset) => (uint)_uart.Read(offset, 4);

    private void W(ulong offset, uint value) => _uart.Write(offset, 4, value);

    private List<byte> DrainReceiver()
    {
        var bytes = new List<byte>();
        while ((R(UARTFR) & RXFE) == 0)
        {
            bytes.Add((byte)R(UARTDR));
        }

        return bytes;
    }

    [Fact]
    public void IdentificationRegistersAreThoseOfAPl011()
    {
        byte[] expected = [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], R(0xFE0 + (ulong)(4 * i)));
        }
    }

    [Fact]
    public void AtResetBothFifosAreEmpty()
    {
        Assert.Equal(TXFE | RXFE, R(UARTFR));
        Assert.Equal(0x300u, R(UARTCR));
        Assert.Equal(0x12u, R(UARTIFLS));
    }

    [Fact]
    public void WritingDrTransmitsTheByte()
    {
        W(UARTDR, 'h');
        _uart.Write(UARTDR, 1, 'i'); // earlycon writes single bytes
        Assert.Equal("hi"u8.ToArray(), _sent);
    }

    [Fact]
    public void TransmitFifoNeverFillsAndNeverBusy()
    {
        for (var i = 0; i < 100; i++)
        {
            W(UARTDR, 'x');
        }

        Assert.Equal(0u, R(UARTFR) & (TXFF | BUSY));
        Assert.NotEqual(0u, R(UARTFR) & TXFE);
    }

    [Fact]
    public void WritingDrRaisesTheTransmitInterrupt()
    {
        W(UARTDR, 'a');
        Assert.Equal(TXIM, R(UARTRIS));
        Assert.False(_irq.Level);

        W(UARTIMSC, TXIM);
        Assert.True(_irq.Level);
        Assert.Equal(TXIM, R(UARTMIS));
    }

    [Fact]
    public void LinuxInterruptDrivenTransmitRunsUntilTheMaskIsCleared()
    {
        W(UARTDR, 'a'); // pl011_start_tx_pio: fill the FIFO first
        W(UARTIMSC, RTIM | RXIM | TXIM); // then unmask TX
        Assert.True(_irq.Level);

        W(UARTDR, 'b'); // pl011_tx_chars from the interrupt
        Assert.True(_irq.Level);

        W(UARTIMSC, RTIM | RXIM); // pl011_stop_tx: nothing left to send
        Assert.False(_irq.Level);
        Assert.Equal("ab"u8.ToArray(), _sent);
    }

    [Fact]
    public void InterruptClearRegisterClearsRawStatus()
    {
        W(UARTIMSC, TXIM);
        W(UARTDR, 'a');
        W(UARTICR, TXIM);
        Assert.Equal(0u, R(UARTRIS));
        Assert.False(_irq.Level);
    }

    [Fact]
    public void ReceivedByteIsReadFromDr()
    {
        _uart.Receive("k"u8);
        Assert.Equal(0u, R(UARTFR) & RXFE);
        Assert.Equal((uint)'k', R(UARTDR));
        Assert.NotEqual(0u, R(UARTFR) & RXFE);
    }

    [Fact]
    public void ReadingAnEmptyReceiverReturnsZero()
    {
        Assert.Equal(0u, R(UARTDR));
    }

    [Fact]
    public void MoreBytesThanTheFifoHoldsAreNeverDropped()
    {
        W(UARTLCR_H, FEN | 0x60);
        var input = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        _uart.Receive(input);

        Assert.NotEqual(0u, R(UARTFR) & RXFF);
        Assert.Equal(input, DrainReceiver());
    }

    [Fact]
    public void ReceiveRoomIsWhatTheFifoCanTakeNow()
    {
        Assert.Equal(1, _uart.ReceiveRoom);         // FIFOs off: one holding register
        W(UARTLCR_H, FEN);
        Assert.Equal(32, _uart.ReceiveRoom);
        _uart.Receive(new byte[30]);
        Assert.Equal(2, _uart.ReceiveRoom);
        _uart.Receive(new byte[5]);                 // more than the room: kept, but no room left
        Assert.Equal(0, _uart.ReceiveRoom);
    }

    [Fact]
    public void ReadingAByteAnnouncesRoomForTheHostSide()
    {
        var announced = 0;
        _uart.ReceiveRoomAvailable = () => announced++;
        _uart.Receive("a"u8);
        Assert.Equal(0, announced);

        R(UARTDR);

        Assert.Equal(1, announced);
        Assert.Equal(1, _uart.ReceiveRoom);
    }

    [Fact]
    public void ManySmallReceivesKeepTheirOrder()
    {
        W(UARTLCR_H, FEN);
        for (var i = 0; i < 40; i++)
        {
            _uart.Receive([(byte)i]);
        }

        Assert.Equal(Enumerable.Range(0, 40).Select(i => (byte)i), DrainReceiver());
    }

    [Fact]
    public void ReceiveFifoIsFullAt32BytesWithFifosEnabled()
    {
        W(UARTLCR_H, FEN);
        _uart.Receive(new byte[31]);
        Assert.Equal(0u, R(UARTFR) & RXFF);
        _uart.Receive(new byte[1]);
        Assert.NotEqual(0u, R(UARTFR) & RXFF);
    }

    [Fact]
    public void WithoutFifosOneByteFillsTheHoldingRegisterAndTheRestWaits()
    {
        _uart.Receive("abc"u8);
        Assert.NotEqual(0u, R(UARTFR) & RXFF);
        Assert.Equal("abc"u8.ToArray(), DrainReceiver());
    }

    [Fact]
    public void DisablingTheFifoKeepsTheBytesItHeld()
    {
        W(UARTLCR_H, FEN);
        _uart.Receive("hello"u8);
        W(UARTLCR_H, 0);
        Assert.Equal("hello"u8.ToArray(), DrainReceiver());
    }

    [Fact]
    public void ReceiveTimeoutInterruptIsRaisedWhileTheFifoHoldsData()
    {
        W(UARTLCR_H, FEN);
        W(UARTIMSC, RTIM);
        _uart.Receive("ab"u8);
        Assert.True(_irq.Level);
        Assert.Equal(RTIM, R(UARTMIS));

        R(UARTDR);
        Assert.True(_irq.Level);
        R(UARTDR);
        Assert.False(_irq.Level);
    }

    [Fact]
    public void ReceiveInterruptFollowsTheFifoTriggerLevel()
    {
        W(UARTLCR_H, FEN);
        W(UARTIFLS, 0x12); // receive trigger at 1/2: 16 bytes
        W(UARTIMSC, RXIM);
        _uart.Receive(new byte[15]);
        Assert.False(_irq.Level);

        _uart.Receive(new byte[1]);
        Assert.True(_irq.Level);

        R(UARTDR);
        Assert.False(_irq.Level);
    }

    [Fact]
    public void ReceiveInterruptStaysWhileTheBacklogRefillsTheFifo()
    {
        W(UARTLCR_H, FEN);
        W(UARTIMSC, RXIM);
        _uart.Receive(new byte[40]);
        R(UARTDR);
        Assert.True(_irq.Level); // 32 bytes in the FIFO again
    }

    [Fact]
    public void WithoutFifosEveryByteRaisesTheReceiveInterrupt()
    {
        W(UARTIMSC, RXIM);
        _uart.Receive("z"u8);
        Assert.True(_irq.Level);
    }

    [Fact]
    public void LinuxReceiveHandlerEmptiesALongBacklog()
    {
        // amba-pl011: ICR clears everything but RX/RT/TX, then rx_chars reads until RXFE, while RIS & im.
        W(UARTLCR_H, FEN | 0x60);
        W(UARTIMSC, RTIM | RXIM);
        var input = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        _uart.Receive(input);

        var got = new List<byte>();
        var passes = 0;
        while ((R(UARTRIS) & R(UARTIMSC)) != 0 && passes++ < 256)
        {
            for (var i = 0; i < 256 && (R(UARTFR) & RXFE) == 0; i++)
            {
                got.Add((byte)R(UARTDR));
            }
        }

        Assert.Equal(input, got);
        Assert.False(_irq.Level);
    }

    [Fact]
    public void LoopbackReturnsTransmittedBytesToTheReceiver()
    {
        W(UARTCR, 0x301 | LBE);
        W(UARTDR, 'q');
        Assert.Empty(_sent);
        Assert.Equal((uint)'q', R(UARTDR));
    }

    [Fact]
    public void ControlRegistersKeepTheirImplementedBits()
    {
        W(UARTIBRD, 0xFFFFFFFF);
        W(UARTFBRD, 0xFFFFFFFF);
        W(UARTLCR_H, 0xFFFFFFFF);
        W(UARTILPR, 0xFFFFFFFF);
        W(UARTIFLS, 0xFFFFFFFF);
        W(UARTIMSC, 0xFFFFFFFF);
        W(UARTDMACR, 0xFFFFFFFF);
        W(UARTCR, 0xFFFFFFFF);
        Assert.Equal(0xFFFFu, R(UARTIBRD));
        Assert.Equal(0x3Fu, R(UARTFBRD));
        Assert.Equal(0xFFu, R(UARTLCR_H));
        Assert.Equal(0xFFu, R(UARTILPR));
        Assert.Equal(0x3Fu, R(UARTIFLS));
        Assert.Equal(0x7FFu, R(UARTIMSC));
        Assert.Equal(0x7u, R(UARTDMACR));
        Assert.Equal(0xFF87u, R(UARTCR));
    }

    [Fact]
    public void ReceiveStatusNeverReportsErrors()
    {
        _uart.Receive("x"u8);
        R(UARTDR);
        W(UARTRSR, 0);
        Assert.Equal(0u, R(UARTRSR));
    }

    [Fact]
    public void HalfwordAccessesWorkAsLinuxUsesThem()
    {
        _uart.Receive("w"u8);
        Assert.Equal((ulong)(TXFE | RXFF), _uart.Read(UARTFR, 2)); // FIFOs off: one byte fills it
        _uart.Write(UARTIMSC, 2, RTIM);
        Assert.Equal((ulong)'w', _uart.Read(UARTDR, 2));
    }

    [Fact]
    public void UnknownOffsetsReadZeroAndIgnoreWrites()
    {
        Assert.Equal(0ul, _uart.Read(0x100, 4));
        _uart.Write(0x100, 4, 1);
        _uart.Write(UARTFR, 4, 0xFF);
        Assert.Equal(0ul, _uart.Read(0x2, 1));
        _uart.Write(0x3, 1, 1);
        Assert.Equal(0ul, _uart.Read(0x5000, 4));
        Assert.Equal(0ul, _uart.Read(UARTICR, 4));
        Assert.Empty(_sent);
    }
}
