using System.Buffers.Binary;
using System.Text;

namespace Emulator.Devices.Tests;

public sealed class FwCfgTests
{
    private const ulong FW_CFG_DATA = 0x00;
    private const ulong FW_CFG_SELECTOR = 0x08;
    private const ulong FW_CFG_DMA_ADDRESS = 0x10;
    private const ulong FW_CFG_DMA_ADDRESS_LOW = 0x14;

    private const ushort FW_CFG_SIGNATURE = 0x0000;
    private const ushort FW_CFG_ID = 0x0001;
    private const ushort FW_CFG_FILE_DIR = 0x0019;

    private const uint DmaError = 1;
    private const uint DmaRead = 2;
    private const uint DmaSkip = 4;
    private const uint DmaSelect = 8;
    private const uint DmaWrite = 16;

    private const ulong RamBase = 0x4000_0000;
    private const ulong Descriptor = RamBase + 0x100;
    private const ulong Buffer = RamBase + 0x1000;

    private readonly FakeGuestMemory _ram = new(RamBase, 0x10000);
    private readonly FwCfg _fwCfg;

    public FwCfgTests()
    {
        _fwCfg = new FwCfg(_ram);
    }

    /// <summary>A guest selects with a big-endian 16-bit store; on the bus that is the byte-swapped value.</summary>
    private void Select(ushort key) => _fwCfg.Write(FW_CFG_SELECTOR, 2, BinaryPrimitives.ReverseEndianness(key));

    private byte[] ReadBytes(int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = (byte)_fwCfg.Read(FW_CFG_DATA, 1);
        }

        return bytes;
    }

    private void PutDescriptor(uint control, uint length, ulong address, ulong at = Descriptor)
    {
        var span = _ram.At(at, 16);
        BinaryPrimitives.WriteUInt32BigEndian(span, control);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], length);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], address);
    }

    private uint ControlAfterDma(ulong at = Descriptor) => BinaryPrimitives.ReadUInt32BigEndian(_ram.At(at, 4));

    /// <summary>Starts a transfer the way Linux's fw_cfg driver does: high half, then low half, big-endian.</summary>
    private void StartDma(ulong descriptorAddress)
    {
        _fwCfg.Write(FW_CFG_DMA_ADDRESS, 4, BinaryPrimitives.ReverseEndianness((uint)(descriptorAddress >> 32)));
        _fwCfg.Write(FW_CFG_DMA_ADDRESS_LOW, 4, BinaryPrimitives.ReverseEndianness((uint)descriptorAddress));
    }

    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void SignatureItemReadsQemu()
    {
        Select(FW_CFG_SIGNATURE);
        Assert.Equal(Bytes("QEMU"), ReadBytes(4));
    }

    [Fact]
    public void WideDataReadsReturnBytesInStreamOrder()
    {
        Select(FW_CFG_SIGNATURE);
        var value = (uint)_fwCfg.Read(FW_CFG_DATA, 4);
        var inMemory = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(inMemory, value);
        Assert.Equal(Bytes("QEMU"), inMemory);
    }

    [Fact]
    public void EightByteDataReadPadsPastTheEndWithZeros()
    {
        Select(FW_CFG_SIGNATURE);
        Assert.Equal(0x554D4551ul, _fwCfg.Read(FW_CFG_DATA, 8));
    }

    [Fact]
    public void IdAdvertisesTraditionalAndDmaInterfaces()
    {
        Select(FW_CFG_ID);
        Assert.Equal(3ul, _fwCfg.Read(FW_CFG_DATA, 4));
    }

    [Fact]
    public void SelectingResetsTheReadOffset()
    {
        Select(FW_CFG_SIGNATURE);
        ReadBytes(2);
        Select(FW_CFG_SIGNATURE);
        Assert.Equal((ulong)'Q', _fwCfg.Read(FW_CFG_DATA, 1));
    }

    [Fact]
    public void ReadsPastTheEndAndOfMissingItemsReturnZero()
    {
        Select(FW_CFG_SIGNATURE);
        ReadBytes(4);
        Assert.Equal(0ul, _fwCfg.Read(FW_CFG_DATA, 1));
        Select(0x1234);
        Assert.Equal(0ul, _fwCfg.Read(FW_CFG_DATA, 8));
    }

    [Fact]
    public void DmaAddressRegisterReadsAsTheDmaSignature()
    {
        var value = _fwCfg.Read(FW_CFG_DMA_ADDRESS, 8);
        Assert.Equal(0x51454D5520434647ul, BinaryPrimitives.ReverseEndianness(value)); // "QEMU CFG" big-endian
        Assert.Equal(0x51454D55u, BinaryPrimitives.ReverseEndianness((uint)_fwCfg.Read(FW_CFG_DMA_ADDRESS, 4)));
        Assert.Equal(0x20434647u, BinaryPrimitives.ReverseEndianness((uint)_fwCfg.Read(FW_CFG_DMA_ADDRESS_LOW, 4)));
    }

    [Fact]
    public void AddedItemIsReadableUnderItsKey()
    {
        _fwCfg.AddItem(0x0005, [1, 0, 0, 0]);
        Select(0x0005);
        Assert.Equal(1ul, _fwCfg.Read(FW_CFG_DATA, 4));
    }

    [Fact]
    public void FileDirectoryListsFilesSortedByNameWithSelectorsFrom0x20()
    {
        _fwCfg.AddFile("opt/zeta", new byte[3]);
        _fwCfg.AddFile("etc/alpha", new byte[70000]);

        Select(FW_CFG_FILE_DIR);
        var directory = ReadBytes(4 + (2 * 64));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(directory));

        var first = directory.AsSpan(4, 64);
        Assert.Equal(70000u, BinaryPrimitives.ReadUInt32BigEndian(first));
        Assert.Equal(0x20, BinaryPrimitives.ReadUInt16BigEndian(first[4..]));
        Assert.Equal("etc/alpha", Encoding.ASCII.GetString(first[8..]).TrimEnd('\0'));

        var second = directory.AsSpan(4 + 64, 64);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32BigEndian(second));
        Assert.Equal(0x21, BinaryPrimitives.ReadUInt16BigEndian(second[4..]));
        Assert.Equal("opt/zeta", Encoding.ASCII.GetString(second[8..]).TrimEnd('\0'));
    }

    [Fact]
    public void FileIsReadableThroughItsSelector()
    {
        _fwCfg.AddFile("b", Bytes("second"));
        _fwCfg.AddFile("a", Bytes("first"));
        Select(0x21);
        Assert.Equal(Bytes("second"), ReadBytes(6));
    }

    [Fact]
    public void DmaReadsTheFileDirectory()
    {
        _fwCfg.AddFile("etc/ramfb", new byte[28], _ => { });
        PutDescriptor((FW_CFG_FILE_DIR << 16) | DmaSelect | DmaRead, 4 + 64, Buffer);

        _fwCfg.Write(FW_CFG_DMA_ADDRESS, 8, BinaryPrimitives.ReverseEndianness(Descriptor));

        Assert.Equal(0u, ControlAfterDma());
        var directory = _ram.At(Buffer, 4 + 64);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(directory));
        Assert.Equal(28u, BinaryPrimitives.ReadUInt32BigEndian(directory[4..]));
        Assert.Equal(0x20, BinaryPrimitives.ReadUInt16BigEndian(directory[8..]));
        Assert.Equal("etc/ramfb", Encoding.ASCII.GetString(directory[12..]).TrimEnd('\0'));
    }

    [Fact]
    public void WritingTheHighHalfAloneDoesNotStartDma()
    {
        PutDescriptor((FW_CFG_SIGNATURE << 16) | DmaSelect | DmaRead, 4, Buffer);
        _fwCfg.Write(FW_CFG_DMA_ADDRESS, 4, 0);
        Assert.NotEqual(0u, ControlAfterDma());

        _fwCfg.Write(FW_CFG_DMA_ADDRESS_LOW, 4, BinaryPrimitives.ReverseEndianness((uint)Descriptor));
        Assert.Equal(0u, ControlAfterDma());
        Assert.Equal(Bytes("QEMU"), _ram.At(Buffer, 4).ToArray());
    }

    [Fact]
    public void DmaSkipAdvancesWithinTheItem()
    {
        _fwCfg.AddFile("f", Bytes("0123456789"));
        PutDescriptor((0x20u << 16) | DmaSelect | DmaSkip, 6, 0);
        StartDma(Descriptor);
        PutDescriptor(DmaRead, 4, Buffer);
        StartDma(Descriptor);

        Assert.Equal(0u, ControlAfterDma());
        Assert.Equal(Bytes("6789"), _ram.At(Buffer, 4).ToArray());
    }

    [Fact]
    public void DmaReadPastTheEndFillsWithZeros()
    {
        _ram.At(Buffer, 8).Fill(0xEE);
        PutDescriptor((FW_CFG_SIGNATURE << 16) | DmaSelect | DmaRead, 8, Buffer);
        StartDma(Descriptor);

        Assert.Equal(0u, ControlAfterDma());
        Assert.Equal([.. Bytes("QEMU"), 0, 0, 0, 0], _ram.At(Buffer, 8).ToArray());
    }

    [Fact]
    public void DmaContinuesFromTheTraditionalReadOffset()
    {
        Select(FW_CFG_SIGNATURE);
        ReadBytes(1);
        PutDescriptor(DmaRead, 3, Buffer);
        StartDma(Descriptor);
        Assert.Equal(Bytes("EMU"), _ram.At(Buffer, 3).ToArray());
    }

    [Fact]
    public void DmaWriteUpdatesAWritableFileAndReportsTheNewContents()
    {
        byte[]? reported = null;
        _fwCfg.AddFile("etc/ramfb", new byte[28], contents => reported = contents);
        var config = _ram.At(Buffer, 28);
        BinaryPrimitives.WriteUInt64BigEndian(config, 0x4800_0000);
        BinaryPrimitives.WriteUInt32BigEndian(config[8..], 0x34325258); // XR24
        BinaryPrimitives.WriteUInt32BigEndian(config[16..], 800);
        BinaryPrimitives.WriteUInt32BigEndian(config[20..], 600);
        PutDescriptor((0x20u << 16) | DmaSelect | DmaWrite, 28, Buffer);

        StartDma(Descriptor);

        Assert.Equal(0u, ControlAfterDma());
        Assert.NotNull(reported);
        Assert.Equal(config.ToArray(), reported);

        Select(0x20);
        Assert.Equal(config.ToArray(), ReadBytes(28));
    }

    [Fact]
    public void DmaWriteAfterSkipPatchesTheMiddleOfAFile()
    {
        byte[]? reported = null;
        _fwCfg.AddFile("w", Bytes("aaaaaa"), contents => reported = contents);
        PutDescriptor((0x20u << 16) | DmaSelect | DmaSkip, 2, 0);
        StartDma(Descriptor);
        _ram.At(Buffer, 2).Fill((byte)'b');
        PutDescriptor(DmaWrite, 2, Buffer);
        StartDma(Descriptor);

        Assert.Equal(0u, ControlAfterDma());
        Assert.Equal(Bytes("aabbaa"), reported);
    }

    [Fact]
    public void DmaWriteToAReadOnlyItemIsAnError()
    {
        _fwCfg.AddFile("ro", Bytes("keep"));
        PutDescriptor((0x20u << 16) | DmaSelect | DmaWrite, 4, Buffer);
        StartDma(Descriptor);

        Assert.Equal(DmaError, ControlAfterDma());
        Select(0x20);
        Assert.Equal(Bytes("keep"), ReadBytes(4));
    }

    [Fact]
    public void DmaWritePastTheEndOfAFileIsAnError()
    {
        var calls = 0;
        _fwCfg.AddFile("small", new byte[4], _ => calls++);
        PutDescriptor((0x20u << 16) | DmaSelect | DmaWrite, 5, Buffer);
        StartDma(Descriptor);

        Assert.Equal(DmaError, ControlAfterDma());
        Assert.Equal(0, calls);
    }

    [Fact]
    public void DmaDescriptorAtAnInvalidAddressIsIgnoredWithoutThrowing()
    {
        StartDma(0xDEAD_0000_0000);
        _fwCfg.Write(FW_CFG_DMA_ADDRESS, 8, ulong.MaxValue);
        Assert.All(_ram.Bytes, b => Assert.Equal(0, b));
    }

    [Fact]
    public void DmaIntoAnInvalidGuestAddressReportsAnError()
    {
        PutDescriptor((FW_CFG_SIGNATURE << 16) | DmaSelect | DmaRead, 4, 0x10);
        StartDma(Descriptor);
        Assert.Equal(DmaError, ControlAfterDma());
    }

    [Fact]
    public void DmaWriteFromAnInvalidGuestAddressReportsAnError()
    {
        _fwCfg.AddFile("w", new byte[4], _ => { });
        PutDescriptor((0x20u << 16) | DmaSelect | DmaWrite, 4, ulong.MaxValue - 1);
        StartDma(Descriptor);
        Assert.Equal(DmaError, ControlAfterDma());
    }

    [Fact]
    public void DmaWithHugeLengthAndOverflowingAddressDoesNotThrow()
    {
        PutDescriptor((FW_CFG_SIGNATURE << 16) | DmaSelect | DmaRead, uint.MaxValue, ulong.MaxValue - 2);
        StartDma(Descriptor);
        Assert.Equal(DmaError, ControlAfterDma());
    }

    [Fact]
    public void SelectOnlyDescriptorSucceeds()
    {
        PutDescriptor((FW_CFG_ID << 16) | DmaSelect, 0, 0);
        StartDma(Descriptor);
        Assert.Equal(0u, ControlAfterDma());
        Assert.Equal(3ul, _fwCfg.Read(FW_CFG_DATA, 1));
    }

    [Fact]
    public void DuplicateFileNamesAreRejected()
    {
        _fwCfg.AddFile("etc/x", [1]);
        Assert.Throws<ArgumentException>(() => _fwCfg.AddFile("etc/x", [2]));
    }

    [Fact]
    public void TheDirectoryKeyCannotBeReplaced()
    {
        Assert.Throws<ArgumentException>(() => _fwCfg.AddItem(FW_CFG_FILE_DIR, [0]));
    }

    [Fact]
    public void UnknownRegistersAndSizesAreHarmless()
    {
        _fwCfg.Write(FW_CFG_DATA, 4, 0x12345678);
        _fwCfg.Write(FW_CFG_SELECTOR, 4, 0);
        _fwCfg.Write(0x30, 4, 0);
        Assert.Equal(0ul, _fwCfg.Read(FW_CFG_SELECTOR, 2));
        Assert.Equal(0ul, _fwCfg.Read(0x100, 8));
        Select(FW_CFG_SIGNATURE);
        Assert.Equal((ulong)'Q', _fwCfg.Read(FW_CFG_DATA, 1));
    }

    [Fact]
    public void ADescriptorWithoutReadWriteOrSkipDoesNothingAndSucceeds()
    {
        // QEMU treats it as a zero-length transfer: control becomes 0, nothing moves, other bits are ignored.
        Select(FW_CFG_SIGNATURE);
        PutDescriptor(0xFFE0u | DmaError, 4, Buffer);
        StartDma(Descriptor);
        Assert.Equal(0u, ControlAfterDma());
        Assert.Equal(0, _ram.At(Buffer, 1)[0]);
        Assert.Equal((ulong)'Q', _fwCfg.Read(FW_CFG_DATA, 1));
    }

    [Fact]
    public void DmaWriteToAMissingItemIsAnError()
    {
        PutDescriptor((0x1234u << 16) | DmaSelect | DmaWrite, 4, Buffer);
        StartDma(Descriptor);
        Assert.Equal(DmaError, ControlAfterDma());
    }

    [Fact]
    public void DmaWriteWhoseSourceRunsPastTheEndOfRamIsAnErrorAndChangesNothing()
    {
        var calls = 0;
        _fwCfg.AddFile("w", Bytes("keep"), _ => calls++);
        PutDescriptor((0x20u << 16) | DmaSelect | DmaWrite, 4, RamBase + 0x10000 - 2);
        StartDma(Descriptor);

        Assert.Equal(DmaError, ControlAfterDma());
        Assert.Equal(0, calls);
        Select(0x20);
        Assert.Equal(Bytes("keep"), ReadBytes(4));
    }

    [Fact]
    public void DmaReadWhoseDestinationRunsPastTheEndOfRamIsAnError()
    {
        PutDescriptor((FW_CFG_SIGNATURE << 16) | DmaSelect | DmaRead, 4, RamBase + 0x10000 - 2);
        StartDma(Descriptor);
        Assert.Equal(DmaError, ControlAfterDma());
    }

    [Fact]
    public void ADescriptorStraddlingTheEndOfRamGetsTheErrorBitAndNothingElse()
    {
        // QEMU cannot read the descriptor, so it writes the error bit to its control word, which is in RAM.
        const ulong LastBytes = RamBase + 0x10000 - 8;
        _ram.At(LastBytes, 8).Fill(0xEE);
        StartDma(LastBytes);
        Assert.Equal(DmaError, ControlAfterDma(LastBytes));
        Assert.All(_ram.At(LastBytes + 4, 4).ToArray(), b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void DmaSkipPastTheEndStopsAtTheEnd()
    {
        _fwCfg.AddFile("f", Bytes("0123"));
        PutDescriptor((0x20u << 16) | DmaSelect | DmaSkip, 100, 0);
        StartDma(Descriptor);
        Assert.Equal(0u, ControlAfterDma());
        Assert.Equal(0ul, _fwCfg.Read(FW_CFG_DATA, 1));
    }
}
