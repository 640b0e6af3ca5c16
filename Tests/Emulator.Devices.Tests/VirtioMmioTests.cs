using Emulator.Devices.Virtio;

namespace Emulator.Devices.Tests;

/// <summary>The virtio-mmio transport and split virtqueue, driven through registers with virtio-rng behind them.</summary>
[Collection(DeviceLogCollection.Name)]
public sealed class VirtioMmioTests
{
    private const ulong Buffer = VirtioTestDriver.DataBase;

    private static VirtioTestDriver Started(bool legacy, ulong? features = null)
    {
        var driver = new VirtioTestDriver(new VirtioRng(), legacy);
        driver.Start(features);
        return driver;
    }

    [Theory]
    [InlineData(true, 1u)]
    [InlineData(false, 2u)]
    public void Identifies_AsQemusTransport_WithTheDeviceId(bool legacy, uint version)
    {
        var driver = new VirtioTestDriver(new VirtioRng(), legacy);

        Assert.Equal(0x74726976u, driver.Read(0x000));
        Assert.Equal(version, driver.Read(0x004));
        Assert.Equal(4u, driver.Read(0x008));
        Assert.Equal(0x554d4551u, driver.Read(0x00c));
    }

    [Fact]
    public void EmptyTransport_ReadsDeviceIdZero_AndIgnoresWrites()
    {
        var driver = new VirtioTestDriver(null, legacy: true);
        driver.Write(0x070, 7);

        Assert.Equal(0x74726976u, driver.Read(0x000));
        Assert.Equal(0u, driver.Read(0x008));
        Assert.Equal(0u, driver.Read(0x070));
        Assert.Equal(0u, driver.Read(0x034));
    }

    [Fact]
    public void Legacy_Offers32FeatureBits_WithoutVersion1()
    {
        var features = new VirtioTestDriver(new VirtioRng(), legacy: true).DeviceFeatures;

        Assert.Equal(0u, (uint)(features >> 32));
        Assert.NotEqual(0UL, features & (1UL << VirtioMmio.VIRTIO_F_INDIRECT_DESC));
        Assert.NotEqual(0UL, features & (1UL << VirtioMmio.VIRTIO_F_EVENT_IDX));
    }

    [Fact]
    public void Modern_OffersVersion1()
    {
        var features = new VirtioTestDriver(new VirtioRng(), legacy: false).DeviceFeatures;

        Assert.NotEqual(0UL, features & (1UL << VirtioMmio.VIRTIO_F_VERSION_1));
    }

    [Fact]
    public void Modern_RefusesFeaturesOk_WithoutVersion1()
    {
        using var log = new CapturedDeviceLog();
        var driver = new VirtioTestDriver(new VirtioRng(), legacy: false);
        driver.Write(0x070, VirtioMmio.ACKNOWLEDGE | VirtioMmio.DRIVER);
        driver.Write(0x024, 0);
        driver.Write(0x020, 1u << VirtioMmio.VIRTIO_F_INDIRECT_DESC);
        driver.Write(0x070, VirtioMmio.ACKNOWLEDGE | VirtioMmio.DRIVER | VirtioMmio.FEATURES_OK);

        Assert.Equal(0u, driver.Status & VirtioMmio.FEATURES_OK);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Rng_FillsTheWritableBuffer_ReportsItsLength_AndInterrupts(bool legacy)
    {
        var driver = Started(legacy);
        var head = driver.AddChain((Buffer, 64, true), (Buffer + 0x100, 32, true));
        driver.Notify();

        Assert.Equal(1, driver.UsedIndex);
        Assert.Equal((head, 96u), driver.Used(0));
        Assert.Contains(driver.Ram.At(Buffer, 64).ToArray(), b => b != 0);
        Assert.Contains(driver.Ram.At(Buffer + 0x100, 32).ToArray(), b => b != 0);
        Assert.Equal(VirtioMmio.UsedBufferInterrupt, driver.InterruptStatus);
        Assert.True(driver.Irq.Level);

        driver.Acknowledge();
        Assert.False(driver.Irq.Level);
        Assert.Equal(0u, driver.InterruptStatus);
    }

    [Fact]
    public void NothingIsServed_BeforeDriverOk_ThenAtDriverOk()
    {
        var driver = new VirtioTestDriver(new VirtioRng(), legacy: false);
        driver.Write(0x070, VirtioMmio.ACKNOWLEDGE | VirtioMmio.DRIVER);
        driver.Write(0x024, 1);
        driver.Write(0x020, 1);
        driver.Write(0x070, VirtioMmio.ACKNOWLEDGE | VirtioMmio.DRIVER | VirtioMmio.FEATURES_OK);
        driver.Write(0x038, VirtioTestDriver.QueueSize);
        driver.Write(0x080, (uint)driver.DescriptorTable);
        driver.Write(0x090, (uint)driver.AvailableRing);
        driver.Write(0x0a0, (uint)driver.UsedRing);
        driver.Write(0x044, 1);
        driver.AddChain((Buffer, 16, true));
        driver.Notify();
        Assert.Equal(0, driver.UsedIndex);

        driver.Write(0x070, driver.Status | VirtioMmio.DRIVER_OK);
        Assert.Equal(1, driver.UsedIndex);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void IndirectTable_IsFollowed(bool legacy)
    {
        var driver = Started(legacy);
        var table = Buffer + 0x1000;
        driver.SetDescriptor(table, 0, Buffer, 8, 2 | 1, 1);
        driver.SetDescriptor(table, 1, Buffer + 0x100, 8, 2, 0);
        driver.SetDescriptor(driver.DescriptorTable, 0, table, 32, 4, 0);
        driver.MakeAvailable(0);
        driver.Notify();

        Assert.Equal((0u, 16u), driver.Used(0));
        Assert.Contains(driver.Ram.At(Buffer + 0x100, 8).ToArray(), b => b != 0);
    }

    [Fact]
    public void EventIndex_InterruptsOnlyWhenUsedEventIsCrossed_AndPublishesAvailEvent()
    {
        var driver = Started(legacy: false);
        driver.SetUsedEvent(0);
        driver.AddChain((Buffer, 8, true));
        driver.Notify();
        Assert.True(driver.Irq.Level);
        Assert.Equal(1, driver.AvailEvent);
        driver.Acknowledge();

        // The driver wants to hear only when the used index passes 3 (entry 3 is used).
        driver.SetUsedEvent(3);
        driver.AddChain((Buffer, 8, true));
        driver.Notify();
        driver.AddChain((Buffer, 8, true));
        driver.Notify();
        Assert.Equal(3, driver.UsedIndex);
        Assert.False(driver.Irq.Level);

        driver.AddChain((Buffer, 8, true));
        driver.Notify();
        Assert.Equal(4, driver.UsedIndex);
        Assert.True(driver.Irq.Level);
        Assert.Equal(4, driver.AvailEvent);
    }

    [Fact]
    public void WithoutEventIndex_NoInterruptFlag_SuppressesTheInterrupt()
    {
        var driver = Started(legacy: false, features: 1UL << VirtioMmio.VIRTIO_F_VERSION_1);
        driver.SetAvailableFlags(1);
        driver.AddChain((Buffer, 8, true));
        driver.Notify();

        Assert.Equal(1, driver.UsedIndex);
        Assert.False(driver.Irq.Level);
    }

    [Fact]
    public void Reset_ClearsStatusQueuesAndInterrupt()
    {
        var driver = Started(legacy: false);
        driver.AddChain((Buffer, 8, true));
        driver.Notify();
        Assert.True(driver.Irq.Level);

        driver.Write(0x070, 0);

        Assert.Equal(0u, driver.Status);
        Assert.False(driver.Irq.Level);
        Assert.Equal(0u, driver.Read(0x044));
        Assert.Equal(0u, driver.Read(0x080));
    }

    [Fact]
    public void Legacy_QueuePfn_PlacesTheRingsOnGuestPages()
    {
        var driver = Started(legacy: true);

        Assert.Equal((uint)(driver.DescriptorTable >> 12), driver.Read(0x040));
        Assert.Equal(driver.DescriptorTable, driver.Transport.Queue(0).DescriptorTable);
        Assert.Equal(driver.AvailableRing, driver.Transport.Queue(0).AvailableRing);
        Assert.Equal(driver.UsedRing, driver.Transport.Queue(0).UsedRing);
    }

    [Fact]
    public void Legacy_GuestPageSize_SurvivesTheDriversReset_AsLinuxSetsItOnlyAtProbe()
    {
        // Linux's virtio_mmio writes GuestPageSize once at probe, then the core resets the device (status 0)
        // before it negotiates and places the rings with QueuePFN.
        using var log = new CapturedDeviceLog();
        var driver = new VirtioTestDriver(new VirtioRng(), legacy: true);
        driver.Write(0x028, 4096);
        driver.Write(0x070, 0);
        driver.Write(0x070, VirtioMmio.ACKNOWLEDGE | VirtioMmio.DRIVER);
        driver.Write(0x024, 1);
        driver.Write(0x020, 0); // the upper feature word, which a legacy device does not have
        driver.Write(0x024, 0);
        driver.Write(0x020, (uint)driver.DeviceFeatures);
        driver.Write(0x030, 0);
        driver.Write(0x038, VirtioTestDriver.QueueSize);
        driver.Write(0x03c, 4096);
        driver.Write(0x040, (uint)(driver.DescriptorTable >> 12));
        driver.Write(0x070, VirtioMmio.ACKNOWLEDGE | VirtioMmio.DRIVER | VirtioMmio.DRIVER_OK);

        driver.AddChain((Buffer, 8, true));
        driver.Notify();

        Assert.Equal(driver.DescriptorTable, driver.Transport.Queue(0).DescriptorTable);
        Assert.Equal(1, driver.UsedIndex);
        Assert.Equal(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
        Assert.Empty(log.Messages);
    }

    [Fact]
    public void ConfigGeneration_ChangesWithAConfigurationChange()
    {
        var driver = Started(legacy: false);
        var before = driver.Read(0x0fc);
        lock (driver.Lock)
        {
            driver.Transport.NotifyConfigChange();
        }

        Assert.NotEqual(before, driver.Read(0x0fc));
        Assert.Equal(VirtioMmio.ConfigChangeInterrupt, driver.InterruptStatus);
    }

    [Fact]
    public void WrongSizedRegisterAccess_ReadsZero_AndIsLogged()
    {
        using var log = new CapturedDeviceLog();
        var driver = new VirtioTestDriver(new VirtioRng(), legacy: false);

        Assert.Equal(0UL, driver.Transport.Read(0, 2));
        Assert.Single(log.Messages);
    }
}
