namespace Emulator.Devices.Tests;

public sealed class Pl061Tests
{
    // DDI 0190 table 3-1.
    private const ulong GPIODIR = 0x400;
    private const ulong GPIOIS = 0x404;
    private const ulong GPIOIBE = 0x408;
    private const ulong GPIOIEV = 0x40C;
    private const ulong GPIOIE = 0x410;
    private const ulong GPIORIS = 0x414;
    private const ulong GPIOMIS = 0x418;
    private const ulong GPIOIC = 0x41C;

    private const int Line = 3;
    private const uint Bit = 1 << Line;

    private readonly RecordingIrqLine _irq = new();
    private readonly Pl061 _gpio;

    public Pl061Tests()
    {
        _gpio = new Pl061(_irq);
    }

    /// <summary>GPIODATA at the address whose bits [9:2] select exactly <paramref name="mask"/>.</summary>
    private static ulong Data(uint mask) => mask << 2;

    [Fact]
    public void IdentifiesAsAPl061PrimeCell()
    {
        uint[] expected = [0x61, 0x10, 0x04, 0x00, 0x0D, 0xF0, 0x05, 0xB1];
        Assert.Equal(expected, Enumerable.Range(0, 8).Select(i => (uint)_gpio.Read(0xFE0 + ((ulong)i * 4), 4)));
    }

    [Fact]
    public void DataReadsOnlyTheLinesTheAddressSelects()
    {
        _gpio.SetInput(Line, true);
        Assert.Equal(Bit, _gpio.Read(Data(0xFF), 4));
        Assert.Equal(0ul, _gpio.Read(Data(0xFF & ~Bit), 4));
        Assert.Equal(Bit, _gpio.Read(Data(Bit), 4));
    }

    [Fact]
    public void DataWritesChangeOnlySelectedOutputs()
    {
        _gpio.Write(GPIODIR, 4, 0x0F);
        _gpio.Write(Data(0x03), 4, 0xFF);
        Assert.Equal(0x03ul, _gpio.Read(Data(0xFF), 4));
        _gpio.Write(Data(0x01), 4, 0x00);
        Assert.Equal(0x02ul, _gpio.Read(Data(0xFF), 4));
    }

    [Fact]
    public void ARisingEdgeRaisesAnEnabledInterruptUntilCleared()
    {
        _gpio.Write(GPIOIEV, 4, Bit); // rising
        _gpio.Write(GPIOIE, 4, Bit);

        _gpio.SetInput(Line, true);
        Assert.True(_irq.Level);
        Assert.Equal(Bit, _gpio.Read(GPIOMIS, 4));

        _gpio.SetInput(Line, false); // the falling edge is not the chosen event
        Assert.True(_irq.Level);

        _gpio.Write(GPIOIC, 4, Bit);
        Assert.False(_irq.Level);
        Assert.Equal(0ul, _gpio.Read(GPIORIS, 4));
    }

    [Fact]
    public void BothEdgesAreSeenWhenGpioIbeIsSet()
    {
        // what Linux's gpio-keys asks for (IRQ_TYPE_EDGE_BOTH)
        _gpio.Write(GPIOIBE, 4, Bit);
        _gpio.Write(GPIOIE, 4, Bit);
        _gpio.SetInput(Line, true);
        _gpio.Write(GPIOIC, 4, Bit);
        Assert.False(_irq.Level);
        _gpio.SetInput(Line, false);
        Assert.True(_irq.Level);
    }

    [Fact]
    public void AMaskedInterruptIsLatchedButDoesNotRaiseTheLine()
    {
        _gpio.Write(GPIOIEV, 4, Bit);
        _gpio.SetInput(Line, true);
        Assert.False(_irq.Level);
        Assert.Equal(Bit, _gpio.Read(GPIORIS, 4));
        _gpio.Write(GPIOIE, 4, Bit);
        Assert.True(_irq.Level);
    }

    [Fact]
    public void ALevelInterruptFollowsTheLineAndIgnoresClear()
    {
        _gpio.Write(GPIOIS, 4, Bit);
        _gpio.Write(GPIOIEV, 4, Bit); // high level
        _gpio.Write(GPIOIE, 4, Bit);
        _gpio.SetInput(Line, true);
        _gpio.Write(GPIOIC, 4, Bit);
        Assert.True(_irq.Level);
        _gpio.SetInput(Line, false);
        Assert.False(_irq.Level);
    }

    [Fact]
    public void BadAccessesAreHarmless()
    {
        _gpio.Write(0x401, 4, 0xFF);
        _gpio.Write(0x800, 4, 0xFF);
        _gpio.Write(GPIORIS, 4, 0xFF);
        Assert.Equal(0ul, _gpio.Read(0x2000, 4));
        Assert.Equal(0ul, _gpio.Read(GPIORIS, 4));
        Assert.Equal(0ul, _gpio.Read(GPIODIR, 4));
    }
}
