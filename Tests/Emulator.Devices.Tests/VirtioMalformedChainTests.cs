using Emulator.Devices.Virtio;

namespace Emulator.Devices.Tests;

/// <summary>
/// A driver that breaks the queue: the device never follows the chain, sets DEVICE_NEEDS_RESET (with
/// VERSION_1), raises a configuration-change interrupt, logs once, serves nothing more until reset, and
/// never writes outside guest RAM.
/// </summary>
[Collection(DeviceLogCollection.Name)]
public sealed class VirtioMalformedChainTests : IDisposable
{
    private const ulong Buffer = VirtioTestDriver.DataBase;
    private const ushort Next = 1;
    private const ushort Write = 2;
    private const ushort Indirect = 4;

    private readonly CapturedDeviceLog _log = new();

    public void Dispose() => _log.Dispose();

    private static VirtioTestDriver Started(bool legacy = false, IGuestMemory? memory = null, FakeGuestMemory? ram = null)
    {
        var driver = new VirtioTestDriver(new VirtioRng(), legacy, memory, ram);
        driver.Start();
        return driver;
    }

    /// <summary>What every malformed case must end in, on a modern transport.</summary>
    private void AssertNeedsReset(VirtioTestDriver driver, string mention)
    {
        Assert.NotEqual(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
        Assert.Equal(VirtioMmio.ConfigChangeInterrupt, driver.InterruptStatus & VirtioMmio.ConfigChangeInterrupt);
        Assert.True(driver.Irq.Level);
        Assert.Equal(0, driver.UsedIndex);
        var message = Assert.Single(_log.Messages);
        Assert.Contains(mention, message, StringComparison.Ordinal);

        // The device serves nothing more until it is reset ...
        driver.AddChain((Buffer, 8, true));
        driver.Notify();
        Assert.Equal(0, driver.UsedIndex);
        Assert.Single(_log.Messages);
    }

    /// <summary>... and works again after a reset and a fresh start.</summary>
    private static void AssertWorksAfterReset(VirtioTestDriver driver)
    {
        driver.Write(0x070, 0);
        Assert.Equal(0u, driver.Status);
        Assert.False(driver.Irq.Level);

        driver.Ram.Bytes.AsSpan().Clear();
        driver.ForgetRings();
        driver.Start();
        driver.AddChain((Buffer, 8, true));
        driver.Notify();
        Assert.Equal(1, driver.UsedIndex);
    }

    [Fact]
    public void LoopingChain()
    {
        var driver = Started();
        driver.SetDescriptor(driver.DescriptorTable, 0, Buffer, 8, Write | Next, 1);
        driver.SetDescriptor(driver.DescriptorTable, 1, Buffer, 8, Write | Next, 0);
        driver.MakeAvailable(0);
        driver.Notify();

        AssertNeedsReset(driver, "loops");
    }

    [Fact]
    public void LoopingChain_InsideAnIndirectTable()
    {
        var driver = Started();
        var table = Buffer + 0x1000;
        driver.SetDescriptor(table, 0, Buffer, 8, Write | Next, 1);
        driver.SetDescriptor(table, 1, Buffer, 8, Write | Next, 0);
        driver.SetDescriptor(driver.DescriptorTable, 0, table, 32, Indirect, 0);
        driver.MakeAvailable(0);
        driver.Notify();

        AssertNeedsReset(driver, "loops");
    }

    [Theory]
    [InlineData(0x3000_0000UL, 8u)] // below RAM
    [InlineData(VirtioTestDriver.RamBase + VirtioTestDriver.RamSize - 4, 8u)] // straddles RAM's end
    [InlineData(0xFFFF_FFFF_FFFF_FFF0UL, 0x20u)] // wraps around the address space
    public void BufferOutsideRam(ulong address, uint length)
    {
        var driver = Started();
        driver.AddChain((address, length, true));
        driver.Notify();

        AssertNeedsReset(driver, "outside RAM");
        AssertWorksAfterReset(driver);
    }

    [Fact]
    public void IndirectTableOutsideRam()
    {
        var driver = Started();
        driver.SetDescriptor(driver.DescriptorTable, 0, 0x1000, 32, Indirect, 0);
        driver.MakeAvailable(0);
        driver.Notify();

        AssertNeedsReset(driver, "outside RAM");
    }

    [Fact]
    public void LengthsThatOverflow32Bits()
    {
        // Two 3 GiB buffers in (claimed) 8 GiB of RAM: together more than a used-ring length can say.
        var ram = new FakeGuestMemory(VirtioTestDriver.RamBase, VirtioTestDriver.RamSize);
        var driver = Started(memory: new WideGuestMemory(ram, VirtioTestDriver.RamBase, 8UL << 30), ram: ram);
        driver.AddChain((VirtioTestDriver.RamBase + (1UL << 30), 3u << 30, true), (VirtioTestDriver.RamBase + (4UL << 30), 3u << 30, true));
        driver.Notify();

        AssertNeedsReset(driver, "overflows");
    }

    [Fact]
    public void DeviceWriteIntoAReadOnlyBuffer()
    {
        var driver = Started();
        driver.AddChain((Buffer, 16, false));
        driver.Notify();

        AssertNeedsReset(driver, "read-only buffer");
        Assert.All(driver.Ram.At(Buffer, 16).ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void ReadableBufferAfterAWritableOne()
    {
        var driver = Started();
        driver.AddChain((Buffer, 16, true), (Buffer + 0x100, 16, false));
        driver.Notify();

        AssertNeedsReset(driver, "follows a device-writable");
    }

    [Fact]
    public void IndirectInsideIndirect()
    {
        var driver = Started();
        var outer = Buffer + 0x1000;
        var inner = Buffer + 0x2000;
        driver.SetDescriptor(inner, 0, Buffer, 8, Write, 0);
        driver.SetDescriptor(outer, 0, inner, 16, Indirect, 0);
        driver.SetDescriptor(driver.DescriptorTable, 0, outer, 16, Indirect, 0);
        driver.MakeAvailable(0);
        driver.Notify();

        AssertNeedsReset(driver, "another indirect");
    }

    [Fact]
    public void ChainLongerThanTheQueue()
    {
        // An indirect table of queue size + 1 linked descriptors: no loop, but longer than the queue.
        var driver = Started();
        var table = Buffer + 0x1000;
        var count = VirtioTestDriver.QueueSize + 1;
        for (var i = 0; i < count; i++)
        {
            driver.SetDescriptor(table, i, Buffer, 8, (ushort)(Write | (i < count - 1 ? Next : 0)), (ushort)(i + 1));
        }

        driver.SetDescriptor(driver.DescriptorTable, 0, table, (uint)(16 * count), Indirect, 0);
        driver.MakeAvailable(0);
        driver.Notify();

        AssertNeedsReset(driver, "longer than the queue");
    }

    [Fact]
    public void NextIndexBeyondTheTable()
    {
        var driver = Started();
        driver.SetDescriptor(driver.DescriptorTable, 0, Buffer, 8, Write | Next, 200);
        driver.MakeAvailable(0);
        driver.Notify();

        AssertNeedsReset(driver, "beyond its table");
    }

    [Fact]
    public void HeadBeyondTheQueue()
    {
        var driver = Started();
        driver.MakeAvailable(999);
        driver.Notify();

        AssertNeedsReset(driver, "beyond the queue size");
    }

    [Fact]
    public void AvailableIndexMovedPastTheQueueSize()
    {
        var driver = Started();
        driver.SetAvailableIndex(VirtioTestDriver.QueueSize + 5);
        driver.Notify();

        AssertNeedsReset(driver, "available index");
    }

    [Fact]
    public void ZeroSizedBuffer()
    {
        var driver = Started();
        driver.AddChain((Buffer, 0, true));
        driver.Notify();

        AssertNeedsReset(driver, "zero-sized");
    }

    [Fact]
    public void IndirectTableOfAPartialDescriptor()
    {
        var driver = Started();
        driver.SetDescriptor(driver.DescriptorTable, 0, Buffer + 0x1000, 20, Indirect, 0);
        driver.MakeAvailable(0);
        driver.Notify();

        AssertNeedsReset(driver, "indirect table of 20 bytes");
    }

    [Fact]
    public void Legacy_StopsTheDevice_WithoutNeedsReset_AsQemu()
    {
        // QEMU's virtio_error sets DEVICE_NEEDS_RESET only once VERSION_1 is negotiated; a legacy device just stops.
        var driver = Started(legacy: true);
        driver.SetDescriptor(driver.DescriptorTable, 0, Buffer, 8, Write | Next, 0);
        driver.MakeAvailable(0);
        driver.Notify();

        Assert.Equal(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
        Assert.Single(_log.Messages);
        driver.AddChain((Buffer, 8, true));
        driver.Notify();
        Assert.Equal(0, driver.UsedIndex);
        AssertWorksAfterReset(driver);
    }

    [Fact]
    public void RepeatedMistakes_AreLoggedOnce()
    {
        for (var i = 0; i < 3; i++)
        {
            var driver = Started();
            driver.SetDescriptor(driver.DescriptorTable, 0, Buffer, 8, Write | Next, 0);
            driver.MakeAvailable(0);
            driver.Notify();
        }

        Assert.Single(_log.Messages);
    }
}
