using System.Buffers.Binary;
using System.Text;
using Emulator.Devices.Input;
using Emulator.Devices.Virtio;

namespace Emulator.Devices.Tests;

/// <summary>virtio-input through its registers: QEMU 7.2's configuration answers, event reports, the bounded wait for buffers, LEDs.</summary>
[Collection(DeviceLogCollection.Name)]
public sealed class VirtioInputTests
{
    private const ulong Events = VirtioTestDriver.DataBase;

    private static (VirtioTestDriver Driver, VirtioInput Device) Started(VirtioInputProfile profile, bool legacy = false)
    {
        var device = new VirtioInput(profile);
        var driver = new VirtioTestDriver(device, legacy, queues: 2);
        driver.Start();
        return (driver, device);
    }

    /// <summary>Selects (select, subselect) as Linux does (two byte writes) and reads the size and data.</summary>
    private static byte[] Config(VirtioTestDriver driver, byte select, byte subselect)
    {
        lock (driver.Lock)
        {
            driver.Transport.Write(0x100, 1, select);
            driver.Transport.Write(0x101, 1, subselect);
            var size = (int)driver.Transport.Read(0x102, 1);
            return [.. Enumerable.Range(0, size).Select(i => (byte)driver.Transport.Read(0x108 + (ulong)i, 1))];
        }
    }

    /// <summary>Posts <paramref name="count"/> 8-byte event buffers, for event slots <paramref name="first"/> on.</summary>
    private static void PostBuffers(VirtioTestDriver driver, int count, int first = 0, uint length = 8)
    {
        driver.CurrentQueue = 0;
        for (var i = 0; i < count; i++)
        {
            driver.AddChain((Events + ((ulong)(first + i) * 8), length, true));
        }

        driver.Notify();
    }

    private static void Report(VirtioInput device, object gate, params InputEvent[] events)
    {
        lock (gate)
        {
            foreach (var e in events)
            {
                device.Send(e);
            }

            device.Sync();
        }
    }

    private static (ushort Type, ushort Code, int Value) EventAt(VirtioTestDriver driver, int slot)
    {
        var bytes = driver.Ram.At(Events + ((ulong)slot * 8), 8);
        return (BinaryPrimitives.ReadUInt16LittleEndian(bytes), BinaryPrimitives.ReadUInt16LittleEndian(bytes[2..]), BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]));
    }

    [Fact]
    public void Keyboard_ReportsQemusNameIdsAndBitmaps()
    {
        var (driver, _) = Started(VirtioInputProfile.Keyboard());

        Assert.Equal(18u, driver.Read(0x008));
        Assert.Equal("QEMU Virtio Keyboard\0", Encoding.ASCII.GetString(Config(driver, VirtioInputProfile.IdName, 0)));
        Assert.Equal(new byte[] { 0x06, 0, 0x27, 0x06, 1, 0, 1, 0 }, Config(driver, VirtioInputProfile.IdDevids, 0));
        Assert.Equal(new byte[] { 0x07 }, Config(driver, VirtioInputProfile.EvBits, (byte)LinuxInput.EV_LED));
        Assert.Equal(new byte[] { 0 }, Config(driver, VirtioInputProfile.EvBits, (byte)LinuxInput.EV_REP));
        Assert.Empty(Config(driver, VirtioInputProfile.IdSerial, 0));
        Assert.Empty(Config(driver, VirtioInputProfile.PropBits, 0));
        Assert.Empty(Config(driver, VirtioInputProfile.EvBits, (byte)LinuxInput.EV_ABS));

        // Linux on QEMU shows "B: KEY=400000000 3078f800dfff febeffff7bcfffff fffffffffffffffe": the same bits.
        var keys = Config(driver, VirtioInputProfile.EvBits, (byte)LinuxInput.EV_KEY);
        Assert.Equal(29, keys.Length); // QEMU's highest key code is 0xe2 (KEY_MEDIA)
        var words = new ulong[4];
        for (var bit = 0; bit < keys.Length * 8; bit++)
        {
            if ((keys[bit / 8] & (1 << (bit % 8))) != 0)
            {
                words[bit / 64] |= 1UL << (bit % 64);
            }
        }

        Assert.Equal([0xfffffffffffffffeUL, 0xfebeffff7bcfffffUL, 0x3078f800dfffUL, 0x400000000UL], words);
    }

    [Fact]
    public void Tablet_ReportsQemusAxesButtonsAndWheel()
    {
        var (driver, _) = Started(VirtioInputProfile.Tablet());

        Assert.Equal("QEMU Virtio Tablet\0", Encoding.ASCII.GetString(Config(driver, VirtioInputProfile.IdName, 0)));
        Assert.Equal(new byte[] { 0x06, 0, 0x27, 0x06, 3, 0, 2, 0 }, Config(driver, VirtioInputProfile.IdDevids, 0));
        Assert.Equal(new byte[] { 0x03 }, Config(driver, VirtioInputProfile.EvBits, (byte)LinuxInput.EV_ABS));
        Assert.Equal(new byte[] { 0x00, 0x01 }, Config(driver, VirtioInputProfile.EvBits, (byte)LinuxInput.EV_REL));
        var absX = Config(driver, VirtioInputProfile.AbsInfo, (byte)LinuxInput.ABS_X);
        Assert.Equal(20, absX.Length);
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(absX));
        Assert.Equal(0x7fff, BinaryPrimitives.ReadInt32LittleEndian(absX.AsSpan(4)));
        Assert.Equal(absX, Config(driver, VirtioInputProfile.AbsInfo, (byte)LinuxInput.ABS_Y));
        var keys = Config(driver, VirtioInputProfile.EvBits, (byte)LinuxInput.EV_KEY);
        Assert.Equal(43, keys.Length); // up to BTN_GEAR_UP, 0x151
        Assert.Equal(0x1f, keys[0x110 / 8]); // BTN_LEFT, RIGHT, MIDDLE, SIDE, EXTRA
        Assert.Equal(0x03, keys[0x150 / 8]); // BTN_GEAR_DOWN, BTN_GEAR_UP
    }

    [Fact]
    public void Mouse_ReportsRelativeAxesAndWheel()
    {
        var (driver, _) = Started(VirtioInputProfile.Mouse());

        Assert.Equal(new byte[] { 0x06, 0, 0x27, 0x06, 2, 0, 2, 0 }, Config(driver, VirtioInputProfile.IdDevids, 0));
        Assert.Equal(new byte[] { 0x03, 0x01 }, Config(driver, VirtioInputProfile.EvBits, (byte)LinuxInput.EV_REL));
    }

    [Fact]
    public void Serial_IsReportedWhenGiven()
    {
        var (driver, _) = Started(VirtioInputProfile.Keyboard().WithSerial("kbd-1"));

        Assert.Equal("kbd-1", Encoding.ASCII.GetString(Config(driver, VirtioInputProfile.IdSerial, 0)));
    }

    [Fact]
    public void Config_ReadsBackSelectAndSubselect_AndZerosForAMissingEntry()
    {
        var (driver, _) = Started(VirtioInputProfile.Keyboard());
        lock (driver.Lock)
        {
            driver.Transport.Write(0x100, 1, VirtioInputProfile.EvBits);
            driver.Transport.Write(0x101, 1, LinuxInput.EV_LED);
            Assert.Equal((ulong)VirtioInputProfile.EvBits, driver.Transport.Read(0x100, 1));
            Assert.Equal((ulong)LinuxInput.EV_LED, driver.Transport.Read(0x101, 1));

            // QEMU answers a missing entry with zeros, select and subselect included.
            driver.Transport.Write(0x101, 1, 0x7f);
            Assert.Equal(0ul, driver.Transport.Read(0x100, 1));
            Assert.Equal(0ul, driver.Transport.Read(0x102, 1));

            // Past the configuration's size: all ones, as QEMU.
            Assert.Equal(0xfful, driver.Transport.Read(0x100 + (ulong)new VirtioInput(VirtioInputProfile.Keyboard()).ConfigSize, 1));
        }
    }

    [Fact]
    public void Config_WriteAfterDriverOk_RaisesAConfigurationChange_AsQemu()
    {
        var (driver, _) = Started(VirtioInputProfile.Keyboard());
        lock (driver.Lock)
        {
            driver.Transport.Write(0x100, 1, VirtioInputProfile.IdName);
        }

        Assert.Equal(VirtioMmio.ConfigChangeInterrupt, driver.InterruptStatus & VirtioMmio.ConfigChangeInterrupt);
    }

    [Fact]
    public void Report_FillsOneBufferPerEvent_EndingWithSynReport()
    {
        var (driver, device) = Started(VirtioInputProfile.Keyboard());
        PostBuffers(driver, 4);

        Report(device, driver.Lock, new InputEvent(LinuxInput.EV_KEY, 30, 1));

        Assert.Equal(2, driver.UsedIndex);
        Assert.Equal((LinuxInput.EV_KEY, (ushort)30, 1), EventAt(driver, 0));
        Assert.Equal((LinuxInput.EV_SYN, LinuxInput.SYN_REPORT, 0), EventAt(driver, 1));
        Assert.Equal((0u, 8u), driver.Used(0));
        Assert.Equal(VirtioMmio.UsedBufferInterrupt, driver.InterruptStatus & VirtioMmio.UsedBufferInterrupt);
    }

    [Fact]
    public void Report_WaitsForEnoughBuffers_ThenGoesWhole()
    {
        var (driver, device) = Started(VirtioInputProfile.Keyboard());
        PostBuffers(driver, 1);

        Report(device, driver.Lock, new InputEvent(LinuxInput.EV_KEY, 30, 1));
        Assert.Equal(0, driver.UsedIndex); // two events, one buffer: nothing yet

        PostBuffers(driver, 1, first: 1);
        Assert.Equal(2, driver.UsedIndex);
        Assert.Equal((LinuxInput.EV_KEY, (ushort)30, 1), EventAt(driver, 0));
        Assert.Equal((LinuxInput.EV_SYN, LinuxInput.SYN_REPORT, 0), EventAt(driver, 1));
    }

    [Fact]
    public void Reports_WithNoBuffers_AreBounded_AndTheOldestKept()
    {
        var (driver, device) = Started(VirtioInputProfile.Keyboard());
        for (var i = 0; i < VirtioInput.MaxWaitingReports + 10; i++)
        {
            Report(device, driver.Lock, new InputEvent(LinuxInput.EV_KEY, (ushort)(i % 100), 1));
        }

        Assert.Equal(10, device.DroppedReports);
        PostBuffers(driver, 2);
        Assert.Equal((LinuxInput.EV_KEY, (ushort)0, 1), EventAt(driver, 0));
    }

    [Fact]
    public void Reports_BeforeDriverOk_AreDropped_AsQemu()
    {
        var device = new VirtioInput(VirtioInputProfile.Keyboard());
        var driver = new VirtioTestDriver(device, legacy: false, queues: 2);

        Report(device, driver.Lock, new InputEvent(LinuxInput.EV_KEY, 30, 1));

        Assert.Equal(1, device.DroppedReports);
        driver.Start();
        PostBuffers(driver, 2);
        Assert.Equal(0, driver.UsedIndex);
    }

    [Fact]
    public void TinyAndReadOnlyBuffers_GetWhatFits_WithoutBreakingTheDevice()
    {
        var (driver, device) = Started(VirtioInputProfile.Keyboard());
        driver.CurrentQueue = 0;
        driver.AddChain((Events, 3, true));
        driver.AddChain((Events + 8, 8, false));
        driver.Notify();

        Report(device, driver.Lock, new InputEvent(LinuxInput.EV_KEY, 30, 1));

        Assert.Equal((0u, 3u), driver.Used(0));
        Assert.Equal((1u, 0u), driver.Used(1));
        Assert.Equal(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
    }

    [Fact]
    public void ABufferOutsideRam_BreaksTheDevice_NotTheHost()
    {
        var (driver, device) = Started(VirtioInputProfile.Keyboard());
        driver.CurrentQueue = 0;
        driver.AddChain((0x10, 8, true));
        driver.Notify();

        Report(device, driver.Lock, new InputEvent(LinuxInput.EV_KEY, 30, 1));

        Assert.Equal(0, driver.UsedIndex);
        Assert.Equal(VirtioMmio.DEVICE_NEEDS_RESET, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
    }

    [Fact]
    public void StatusQueue_TakesLedEvents_AndCompletesThem()
    {
        var (driver, device) = Started(VirtioInputProfile.Keyboard());
        driver.CurrentQueue = 1;
        var led = driver.Ram.At(Events, 8);
        BinaryPrimitives.WriteUInt16LittleEndian(led, LinuxInput.EV_LED);
        BinaryPrimitives.WriteUInt16LittleEndian(led[2..], LinuxInput.LED_CAPSL);
        BinaryPrimitives.WriteInt32LittleEndian(led[4..], 1);
        driver.AddChain((Events, 8, false));
        driver.Notify();

        Assert.Equal(1 << LinuxInput.LED_CAPSL, device.Leds);
        Assert.Equal(1, driver.UsedIndex);
        Assert.Equal((0u, 8u), driver.Used(0)); // QEMU reports the bytes it read
    }

    [Fact]
    public void Reset_ForgetsWaitingReports()
    {
        var (driver, device) = Started(VirtioInputProfile.Keyboard());
        Report(device, driver.Lock, new InputEvent(LinuxInput.EV_KEY, 30, 1));
        driver.Write(0x070, 0);
        driver.ForgetRings();
        driver.Start();

        PostBuffers(driver, 2);

        Assert.Equal(0, driver.UsedIndex);
    }
}
