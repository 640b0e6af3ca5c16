using System.Buffers.Binary;
using Emulator.Devices.Net;
using Emulator.Devices.Virtio;

namespace Emulator.Devices.Tests;

/// <summary>virtio-net driven through the transport's registers like a guest driver, on a recording back end.</summary>
[Collection(DeviceLogCollection.Name)]
public sealed class VirtioNetTests : IDisposable
{
    private const ulong Header = VirtioTestDriver.DataBase;
    private const ulong Frame = VirtioTestDriver.DataBase + 0x100;
    private const ulong ReceiveBuffers = VirtioTestDriver.DataBase + 0x10000;
    private const uint ReceiveBufferSize = 1526; // header + 1514 (5.1.6.3.1: at least 1526 bytes without merged buffers)

    private static readonly MacAddress Mac = new(0x5254_0012_3456);

    private readonly CapturedDeviceLog _log = new();
    private readonly RecordingNetworkBackend _backend = new();

    public void Dispose() => _log.Dispose();

    private (VirtioTestDriver Driver, VirtioNet Device) Started(bool legacy = false)
    {
        var device = new VirtioNet(_backend, Mac);
        var driver = new VirtioTestDriver(device, legacy, queues: 2);
        driver.Start();
        return (driver, device);
    }

    private static byte[] TestFrame(int length, byte seed)
    {
        var frame = new byte[length];
        for (var i = 0; i < length; i++)
        {
            frame[i] = (byte)(seed + (i * 13));
        }

        return frame;
    }

    /// <summary>Posts <paramref name="count"/> receive buffers of <paramref name="size"/> bytes on queue 0.</summary>
    private static void PostReceiveBuffers(VirtioTestDriver driver, int count, uint size = ReceiveBufferSize)
    {
        driver.CurrentQueue = VirtioNet.ReceiveQueue;
        for (var i = 0; i < count; i++)
        {
            driver.AddChain((ReceiveBuffers + ((ulong)i * 0x800), size, true));
        }

        driver.Notify();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Config_GivesTheMacAddressAndLinkUp(bool legacy)
    {
        var (driver, _) = Started(legacy);

        var mac = Enumerable.Range(0, 6).Select(i => (byte)driver.Transport.Read(0x100 + (ulong)i, 1)).ToArray();
        Assert.Equal(new byte[] { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, mac);
        Assert.Equal(VirtioNet.VIRTIO_NET_S_LINK_UP, (ushort)driver.Transport.Read(0x106, 2));
        Assert.Equal(1u, driver.Read(0x008)); // device id: network card
    }

    [Fact]
    public void Features_OfferMacAndStatus_AndNothingThatChangesFrames()
    {
        var (driver, _) = Started();
        var features = driver.DeviceFeatures;

        Assert.NotEqual(0UL, features & (1UL << VirtioNet.VIRTIO_NET_F_MAC));
        Assert.NotEqual(0UL, features & (1UL << VirtioNet.VIRTIO_NET_F_STATUS));
        Assert.Equal(0UL, features & 0x7fdf); // no checksum offload or segmentation (bits 0-14 but MAC)
        Assert.Equal(0UL, features & (1UL << 15)); // no merged receive buffers
    }

    [Theory]
    [InlineData(false, VirtioNet.HeaderSize)]
    [InlineData(true, VirtioNet.LegacyHeaderSize)]
    public void Transmit_HandsTheFrameWithoutItsHeaderToTheBackEnd(bool legacy, int headerSize)
    {
        var (driver, device) = Started(legacy);
        var frame = TestFrame(60, 7);
        driver.Ram.At(Header, headerSize).Fill(0);
        frame.CopyTo(driver.Ram.At(Frame, frame.Length));

        driver.CurrentQueue = VirtioNet.TransmitQueue;
        driver.AddChain((Header, (uint)headerSize, false), (Frame, (uint)frame.Length, false));
        driver.Notify();

        Assert.Equal(frame, Assert.Single(_backend.Sent));
        Assert.Equal(1, driver.UsedIndex);
        Assert.Equal(0u, driver.Used(0).Length);
        Assert.True(driver.Irq.Level);
        Assert.Equal(1, device.FramesSent);
    }

    [Fact]
    public void Transmit_TakesHeaderAndFrameFromOneBuffer()
    {
        var (driver, _) = Started();
        var frame = TestFrame(1514, 3);
        frame.CopyTo(driver.Ram.At(Header + VirtioNet.HeaderSize, frame.Length));

        driver.CurrentQueue = VirtioNet.TransmitQueue;
        driver.AddChain((Header, (uint)(VirtioNet.HeaderSize + frame.Length), false));
        driver.Notify();

        Assert.Equal(frame, Assert.Single(_backend.Sent));
    }

    [Theory]
    [InlineData(false, VirtioNet.HeaderSize)]
    [InlineData(true, VirtioNet.LegacyHeaderSize)]
    public void Receive_WritesHeaderAndFrameIntoThePostedBuffer_AndInterrupts(bool legacy, int headerSize)
    {
        var (driver, device) = Started(legacy);
        PostReceiveBuffers(driver, 1);
        driver.Ram.At(ReceiveBuffers, 64).Fill(0xee);
        var frame = TestFrame(42, 1);

        _backend.Deliver(frame);

        Assert.Equal(1, driver.UsedIndex);
        Assert.Equal((uint)(headerSize + frame.Length), driver.Used(0).Length);
        var written = driver.Ram.At(ReceiveBuffers, headerSize + frame.Length).ToArray();
        Assert.Equal(frame, written[headerSize..]);
        Assert.All(written[..10], b => Assert.Equal(0, b)); // no flags, no GSO
        if (headerSize == VirtioNet.HeaderSize)
        {
            Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(written.AsSpan(10))); // num_buffers
        }

        Assert.True(driver.Irq.Level);
        Assert.Equal(VirtioMmio.UsedBufferInterrupt, driver.InterruptStatus);
        Assert.Equal(1, device.FramesReceived);
    }

    [Fact]
    public void Receive_WithNoBufferPosted_DropsAndCountsTheFrame_AndKeepsNothingForLater()
    {
        var (driver, device) = Started();
        _backend.Deliver(TestFrame(60, 1));
        _backend.Deliver(TestFrame(60, 2));
        Assert.Equal(2, device.ReceiveDropped);
        Assert.Equal(0, driver.UsedIndex);
        Assert.False(driver.Irq.Level);

        // A buffer posted afterwards gets the next frame, not a dropped one.
        PostReceiveBuffers(driver, 1);
        Assert.Equal(0, driver.UsedIndex);
        var third = TestFrame(60, 3);
        _backend.Deliver(third);
        Assert.Equal(1, driver.UsedIndex);
        Assert.Equal(third, driver.Ram.At(ReceiveBuffers + VirtioNet.HeaderSize, 60).ToArray());
        Assert.Equal(2, device.ReceiveDropped);
        Assert.Equal(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
    }

    [Fact]
    public void Receive_BeforeTheDriverRunsTheDevice_Drops()
    {
        var device = new VirtioNet(_backend, Mac);
        var driver = new VirtioTestDriver(device, legacy: false, queues: 2);

        _backend.Deliver(TestFrame(60, 1));

        Assert.Equal(1, device.ReceiveDropped);
        Assert.False(driver.Irq.Level);
    }

    [Fact]
    public void Receive_FromTheBackEndsThread_WhileTheDriverPostsBuffers_LosesOrCorruptsNothing()
    {
        var (driver, device) = Started();
        const int Frames = 2000;
        var delivering = new Thread(() =>
        {
            for (var i = 0; i < Frames; i++)
            {
                _backend.Deliver(TestFrame(100, (byte)i));
            }
        });
        var used = 0;
        void Drain()
        {
            // A driver's receive loop: take what was used and check it.
            while ((ushort)used != driver.UsedIndex)
            {
                var (id, length) = driver.Used(used);
                Assert.Equal((uint)(VirtioNet.HeaderSize + 100), length);
                var data = driver.Ram.At(ReceiveBuffers + (id * 0x800UL) + VirtioNet.HeaderSize, 100);
                Assert.Equal((byte)(data[0] + 13), data[1]);
                used++;
            }
        }

        PostReceiveBuffersBack(driver, used);
        delivering.Start();
        while (delivering.IsAlive)
        {
            Drain();
            PostReceiveBuffersBack(driver, used);
            Thread.Yield();
        }

        delivering.Join();
        Drain();
        Assert.Equal(Frames, device.FramesReceived + device.ReceiveDropped);
        Assert.Equal(device.FramesReceived, used);
        Assert.True(device.FramesReceived >= VirtioTestDriver.QueueSize);
        Assert.Equal(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
    }

    private int _posted;

    /// <summary>Keeps the receive ring full: one buffer per descriptor, re-posted once the device used it.</summary>
    private void PostReceiveBuffersBack(VirtioTestDriver driver, int used)
    {
        driver.CurrentQueue = VirtioNet.ReceiveQueue;
        while (_posted - used < VirtioTestDriver.QueueSize)
        {
            var slot = (ushort)(_posted % VirtioTestDriver.QueueSize);
            driver.SetDescriptor(driver.DescriptorTable, slot, ReceiveBuffers + (slot * 0x800UL), ReceiveBufferSize, 2, 0);
            lock (driver.Lock)
            {
                driver.MakeAvailable(slot);
            }

            _posted++;
        }

        driver.Notify();
    }

    [Fact]
    public void Transmit_WithoutItsHeader_BreaksTheDevice()
    {
        var (driver, _) = Started();
        driver.CurrentQueue = VirtioNet.TransmitQueue;
        driver.AddChain((Header, 8, false));
        driver.Notify();

        Assert.Empty(_backend.Sent);
        Assert.NotEqual(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
        Assert.Contains("header", Assert.Single(_log.Messages), StringComparison.Ordinal);
    }

    [Fact]
    public void Transmit_WithOnlyAHeader_IsDroppedAndCounted_AndTheDeviceGoesOn()
    {
        var (driver, device) = Started();
        driver.CurrentQueue = VirtioNet.TransmitQueue;
        driver.AddChain((Header, VirtioNet.HeaderSize, false));
        driver.Notify();

        Assert.Empty(_backend.Sent);
        Assert.Equal(1, device.TransmitDropped);
        Assert.Equal(1, driver.UsedIndex);
        Assert.Equal(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
    }

    [Fact]
    public void Receive_IntoADeviceReadableBuffer_BreaksTheDevice()
    {
        var (driver, _) = Started();
        driver.CurrentQueue = VirtioNet.ReceiveQueue;
        driver.AddChain((ReceiveBuffers, ReceiveBufferSize, false));
        driver.Notify();

        _backend.Deliver(TestFrame(60, 1));

        Assert.Equal(0, driver.UsedIndex);
        Assert.NotEqual(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
        Assert.Contains("read-only", Assert.Single(_log.Messages), StringComparison.Ordinal);
    }

    [Fact]
    public void Receive_IntoABufferTooSmallForTheFrame_BreaksTheDevice_WithoutWritingPastIt()
    {
        var (driver, _) = Started();
        PostReceiveBuffers(driver, 1, size: 100);
        driver.Ram.At(ReceiveBuffers + 100, 16).Fill(0xee);

        _backend.Deliver(TestFrame(200, 1));

        Assert.Equal(0, driver.UsedIndex);
        Assert.NotEqual(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
        Assert.All(driver.Ram.At(ReceiveBuffers + 100, 16).ToArray(), b => Assert.Equal(0xee, b));
    }

    [Fact]
    public void TransmitChainThatLoops_BreaksTheDevice_AndNothingIsSent()
    {
        var (driver, _) = Started();
        driver.CurrentQueue = VirtioNet.TransmitQueue;
        driver.SetDescriptor(driver.DescriptorTable, 0, Header, 64, 1, 1);
        driver.SetDescriptor(driver.DescriptorTable, 1, Frame, 64, 1, 0);
        driver.MakeAvailable(0);
        driver.Notify();

        Assert.Empty(_backend.Sent);
        Assert.NotEqual(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
        Assert.Contains("loops", Assert.Single(_log.Messages), StringComparison.Ordinal);
    }

    [Fact]
    public void AfterAReset_TheDeviceWorksAgain()
    {
        var (driver, _) = Started();
        driver.CurrentQueue = VirtioNet.TransmitQueue;
        driver.AddChain((Header, 4, false));
        driver.Notify();
        Assert.NotEqual(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);

        driver.ForgetRings();
        foreach (var q in new[] { 0, 1 })
        {
            driver.CurrentQueue = q;
            driver.Ram.At(driver.AvailableRing, 4).Clear();
            driver.Ram.At(driver.UsedRing, 4).Clear();
        }

        driver.CurrentQueue = 0;
        driver.Start();
        PostReceiveBuffers(driver, 1);
        _backend.Deliver(TestFrame(60, 9));
        Assert.Equal(1, driver.UsedIndex);
    }

    [Fact]
    public void Dispose_ClosesTheBackEnd()
    {
        var device = new VirtioNet(_backend, Mac);
        device.Dispose();
        Assert.True(_backend.Disposed);
    }
}
