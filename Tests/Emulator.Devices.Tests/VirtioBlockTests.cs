using System.Buffers.Binary;
using System.Text;
using Emulator.Devices.Storage;
using Emulator.Devices.Virtio;

namespace Emulator.Devices.Tests;

/// <summary>virtio-blk on a raw image file, driven through the transport's registers like a guest driver.</summary>
[Collection(DeviceLogCollection.Name)]
public sealed class VirtioBlockTests : IDisposable
{
    private const ulong Header = VirtioTestDriver.DataBase;
    private const ulong Data = VirtioTestDriver.DataBase + 0x1000;
    private const ulong StatusByte = VirtioTestDriver.DataBase + 0x100;
    private const int Sectors = 64;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly string _folder = Directory.CreateTempSubdirectory("virtio-blk-").FullName;
    private readonly List<VirtioBlock> _devices = [];
    private readonly CapturedDeviceLog _log = new();

    public void Dispose()
    {
        foreach (var device in _devices)
        {
            device.Dispose();
        }

        _log.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>An image whose byte i is (i * 7 + i / 512) mod 251, so every sector differs.</summary>
    private string Image(int sectors = Sectors)
    {
        var path = Path.Combine(_folder, $"disk{_devices.Count}.img");
        var bytes = new byte[sectors * 512];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(((i * 7) + (i / 512)) % 251);
        }

        File.WriteAllBytes(path, bytes);
        return path;
    }

    private (VirtioTestDriver Driver, VirtioBlock Device) Started(string path, bool readOnly = false, string serial = "", bool legacy = false)
    {
        var device = new VirtioBlock(RawImage.Open(path, readOnly), serial);
        _devices.Add(device);
        var driver = new VirtioTestDriver(device, legacy);
        driver.Start();
        return (driver, device);
    }

    /// <summary>Sends one request (header, data, status byte) and waits for it; returns the status byte.</summary>
    private static byte Request(VirtioTestDriver driver, VirtioBlock device, uint type, ulong sector, int dataLength, bool dataWritable)
    {
        var header = driver.Ram.At(Header, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(header, type);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], sector);
        driver.Ram.At(StatusByte, 1)[0] = 0xee;
        var used = driver.UsedIndex;
        if (dataLength > 0)
        {
            driver.AddChain((Header, 16, false), (Data, (uint)dataLength, dataWritable), (StatusByte, 1, true));
        }
        else
        {
            driver.AddChain((Header, 16, false), (StatusByte, 1, true));
        }

        driver.Notify();
        Assert.True(device.WaitUntilIdle(Timeout), "the request was not served");
        Assert.Equal(used + 1, driver.UsedIndex);
        return driver.Ram.At(StatusByte, 1)[0];
    }

    [Fact]
    public void Config_GivesCapacityInSectors_AndBlockSize()
    {
        var (driver, _) = Started(Image());

        Assert.Equal((uint)Sectors, driver.Read(0x100));
        Assert.Equal(0u, driver.Read(0x104));
        Assert.Equal(512u, driver.Read(0x100 + 20));
        Assert.Equal(254u, driver.Read(0x100 + 12));
    }

    [Fact]
    public void Features_OfferSegMaxBlockSizeAndFlush_ButNotReadOnly()
    {
        var (driver, _) = Started(Image());
        var features = driver.DeviceFeatures;

        Assert.Equal(0x244UL, features & 0x264);
    }

    [Fact]
    public void ReadOnlyImage_OffersTheReadOnlyFeature()
    {
        var (driver, _) = Started(Image(), readOnly: true);

        Assert.NotEqual(0UL, driver.DeviceFeatures & (1UL << VirtioBlock.VIRTIO_BLK_F_RO));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_CopiesTheImagesSectors_AndReportsTheWrittenLength(bool legacy)
    {
        var path = Image();
        var (driver, device) = Started(path, legacy: legacy);

        Assert.Equal(VirtioBlock.VIRTIO_BLK_S_OK, Request(driver, device, VirtioBlock.VIRTIO_BLK_T_IN, 3, 1024, dataWritable: true));

        Assert.Equal(File.ReadAllBytes(path).AsSpan(3 * 512, 1024).ToArray(), driver.Ram.At(Data, 1024).ToArray());
        Assert.Equal(1025u, driver.Used(0).Length);
        Assert.True(driver.Irq.Level);
    }

    [Fact]
    public void Write_ChangesTheImageFile()
    {
        var path = Image();
        var (driver, device) = Started(path);
        var data = Enumerable.Range(0, 512).Select(i => (byte)(255 - (i % 256))).ToArray();
        data.CopyTo(driver.Ram.At(Data, 512));

        Assert.Equal(VirtioBlock.VIRTIO_BLK_S_OK, Request(driver, device, VirtioBlock.VIRTIO_BLK_T_OUT, 10, 512, dataWritable: false));

        Assert.Equal(data, File.ReadAllBytes(path).AsSpan(10 * 512, 512).ToArray());
        Assert.Equal(1u, driver.Used(0).Length);
    }

    /// <summary>
    /// A request whose data is scattered over several guest buffers (two of them adjacent, one 4 KiB page
    /// apart), read and written through the file straight into guest RAM, and through copies when guest RAM
    /// cannot be reached by host address: the same bytes either way.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ScatteredBuffers_ReadAndWriteTheRightSectors(bool hostAddressable)
    {
        var path = Image();
        var ram = new FakeGuestMemory(VirtioTestDriver.RamBase, VirtioTestDriver.RamSize);
        IGuestMemory memory = hostAddressable ? ram : new WideGuestMemory(ram, VirtioTestDriver.RamBase, VirtioTestDriver.RamSize);
        Assert.Equal(hostAddressable, memory.HostAddress(Data, 512) != 0);
        var device = new VirtioBlock(RawImage.Open(path, readOnly: false));
        _devices.Add(device);
        var driver = new VirtioTestDriver(device, legacy: false, memory, ram);
        driver.Start();
        (ulong Address, uint Length)[] pieces = [(Data, 512), (Data + 512, 1024), (Data + 0x2000, 1536)];
        var header = driver.Ram.At(Header, 16);

        BinaryPrimitives.WriteUInt32LittleEndian(header, VirtioBlock.VIRTIO_BLK_T_IN);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], 5);
        driver.AddChain([(Header, 16, false), .. pieces.Select(p => (p.Address, p.Length, true)), (StatusByte, 1, true)]);
        driver.Notify();
        Assert.True(device.WaitUntilIdle(Timeout));

        var image = File.ReadAllBytes(path);
        Assert.Equal(VirtioBlock.VIRTIO_BLK_S_OK, driver.Ram.At(StatusByte, 1)[0]);
        Assert.Equal(image.AsSpan(5 * 512, 1536).ToArray(), driver.Ram.At(Data, 1536).ToArray());
        Assert.Equal(image.AsSpan(8 * 512, 1536).ToArray(), driver.Ram.At(Data + 0x2000, 1536).ToArray());

        var written = Enumerable.Range(0, 3072).Select(i => (byte)(i * 13)).ToArray();
        written.AsSpan(0, 1536).CopyTo(driver.Ram.At(Data, 1536));
        written.AsSpan(1536).CopyTo(driver.Ram.At(Data + 0x2000, 1536));
        BinaryPrimitives.WriteUInt32LittleEndian(header, VirtioBlock.VIRTIO_BLK_T_OUT);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], 40);
        driver.AddChain([(Header, 16, false), .. pieces.Select(p => (p.Address, p.Length, false)), (StatusByte, 1, true)]);
        driver.Notify();
        Assert.True(device.WaitUntilIdle(Timeout));

        Assert.Equal(VirtioBlock.VIRTIO_BLK_S_OK, driver.Ram.At(StatusByte, 1)[0]);
        var after = File.ReadAllBytes(path);
        Assert.Equal(written, after.AsSpan(40 * 512, 3072).ToArray());
        Assert.Equal(image.AsSpan(0, 40 * 512).ToArray(), after.AsSpan(0, 40 * 512).ToArray());
    }

    [Fact]
    public void Flush_CompletesOk()
    {
        var (driver, device) = Started(Image());

        Assert.Equal(VirtioBlock.VIRTIO_BLK_S_OK, Request(driver, device, VirtioBlock.VIRTIO_BLK_T_FLUSH, 0, 0, dataWritable: true));
    }

    [Fact]
    public void GetId_GivesTheSerial_NulTerminatedWhenShort()
    {
        var (driver, device) = Started(Image(), serial: "disk-0042");
        driver.Ram.At(Data, 20).Fill(0xaa);

        Assert.Equal(VirtioBlock.VIRTIO_BLK_S_OK, Request(driver, device, VirtioBlock.VIRTIO_BLK_T_GET_ID, 0, 20, dataWritable: true));

        Assert.Equal("disk-0042\0"u8.ToArray(), driver.Ram.At(Data, 10).ToArray());
        Assert.Equal(0xaa, driver.Ram.At(Data + 10, 1)[0]);
    }

    [Fact]
    public void GetId_OfATwentyCharacterSerial_HasNoNul()
    {
        var (driver, device) = Started(Image(), serial: "ABCDEFGHIJKLMNOPQRST");

        Request(driver, device, VirtioBlock.VIRTIO_BLK_T_GET_ID, 0, 20, dataWritable: true);

        Assert.Equal(Encoding.ASCII.GetBytes("ABCDEFGHIJKLMNOPQRST"), driver.Ram.At(Data, 20).ToArray());
    }

    [Fact]
    public void WriteToAReadOnlyImage_FailsWithIoErr_AndLeavesTheFile()
    {
        var path = Image();
        var before = File.ReadAllBytes(path);
        var (driver, device) = Started(path, readOnly: true);
        driver.Ram.At(Data, 512).Fill(0x55);

        Assert.Equal(VirtioBlock.VIRTIO_BLK_S_IOERR, Request(driver, device, VirtioBlock.VIRTIO_BLK_T_OUT, 0, 512, dataWritable: false));

        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData(VirtioBlock.VIRTIO_BLK_T_IN, Sectors - 1UL, 1024)] // the second sector is past the end
    [InlineData(VirtioBlock.VIRTIO_BLK_T_IN, Sectors + 0UL, 512)]
    [InlineData(VirtioBlock.VIRTIO_BLK_T_IN, ulong.MaxValue, 512)]
    [InlineData(VirtioBlock.VIRTIO_BLK_T_OUT, Sectors + 0UL, 512)]
    [InlineData(VirtioBlock.VIRTIO_BLK_T_OUT, ulong.MaxValue / 512, 512)]
    [InlineData(VirtioBlock.VIRTIO_BLK_T_IN, 0UL, 100)] // not a whole sector
    public void OutOfRangeAccess_FailsWithIoErr(uint type, ulong sector, int length)
    {
        var path = Image();
        var before = File.ReadAllBytes(path);
        var (driver, device) = Started(path);

        Assert.Equal(VirtioBlock.VIRTIO_BLK_S_IOERR, Request(driver, device, type, sector, length, dataWritable: type == VirtioBlock.VIRTIO_BLK_T_IN));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
    }

    [Fact]
    public void UnknownRequestType_IsUnsupported()
    {
        var (driver, device) = Started(Image());

        Assert.Equal(VirtioBlock.VIRTIO_BLK_S_UNSUPP, Request(driver, device, 77, 0, 0, dataWritable: true));
    }

    [Fact]
    public void RequestWithoutAStatusByte_NeedsReset()
    {
        var (driver, device) = Started(Image());
        driver.AddChain((Header, 16, false));
        driver.Notify();
        Assert.True(device.WaitUntilIdle(Timeout));

        Assert.NotEqual(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
        Assert.Contains("status byte", Assert.Single(_log.Messages), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadIntoDeviceReadableBuffers_NeedsReset_AndWritesNothing()
    {
        var (driver, device) = Started(Image());
        driver.Ram.At(Header, 16).Clear();
        driver.AddChain((Header, 16, false), (Data, 512, false), (StatusByte, 1, true));
        driver.Notify();
        Assert.True(device.WaitUntilIdle(Timeout));

        Assert.NotEqual(0u, driver.Status & VirtioMmio.DEVICE_NEEDS_RESET);
        Assert.All(driver.Ram.At(Data, 512).ToArray(), b => Assert.Equal(0, b));
        Assert.Contains("read-only buffer", Assert.Single(_log.Messages), StringComparison.Ordinal);
    }

    [Fact]
    public void Requests_AreServedOnTheDevicesOwnThread()
    {
        var (driver, device) = Started(Image());
        // While the notifying thread holds the machine lock, the worker cannot complete the request.
        lock (driver.Lock)
        {
            var header = driver.Ram.At(Header, 16);
            header.Clear();
            driver.AddChain((Header, 16, false), (Data, 512, true), (StatusByte, 1, true));
            driver.Notify();
            Thread.Sleep(100);
            Assert.Equal(0, driver.UsedIndex);
        }

        Assert.True(device.WaitUntilIdle(Timeout));
        Assert.Equal(1, driver.UsedIndex);
    }

    [Fact]
    public void SecondWriterOfAnImage_IsRefused()
    {
        var path = Image();
        using var first = RawImage.Open(path, readOnly: false);

        var refused = Assert.Throws<ImageException>(() => RawImage.Open(path, readOnly: false));
        Assert.Contains("\"write\" lock", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ImageException>(() => RawImage.Open(path, readOnly: true));
    }

    [Fact]
    public void TwoReadersOfAnImage_AreFine_ButNotAWriter()
    {
        var path = Image();
        using var first = RawImage.Open(path, readOnly: true);
        using var second = RawImage.Open(path, readOnly: true);

        Assert.Throws<ImageException>(() => RawImage.Open(path, readOnly: false));
    }

    [Fact]
    public void ClosingAnImage_ReleasesItsLock()
    {
        var path = Image();
        RawImage.Open(path, readOnly: false).Dispose();

        using var again = RawImage.Open(path, readOnly: false);
    }

    [Fact]
    public void MissingImage_IsOneClearError()
    {
        var path = Path.Combine(_folder, "absent.img");

        var refused = Assert.Throws<ImageException>(() => RawImage.Open(path, readOnly: false));
        Assert.Contains("no such file", refused.Message, StringComparison.Ordinal);
    }
}
