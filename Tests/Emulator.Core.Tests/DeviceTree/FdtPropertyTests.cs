using Emulator.Core.DeviceTree;

namespace Emulator.Core.Tests.DeviceTree;

public class FdtPropertyTests
{
    [Fact]
    public void Constructor_CopiesTheValue()
    {
        byte[] value = [1, 2, 3, 4];
        var property = new FdtProperty("x", value);
        value[0] = 9;

        Assert.Equal(0x01020304u, property.AsU32());
    }

    [Fact]
    public void AsU32Array_OfPartialCell_NamesThePropertyAndLength()
    {
        var property = new FdtProperty("reg", new byte[6]);

        var error = Assert.Throws<InvalidDataException>(property.AsU32Array);
        Assert.Equal("device tree: property \"reg\" is 6 bytes, not a whole number of 32-bit cells", error.Message);
    }

    [Fact]
    public void AsU32_RequiresExactlyOneCell()
    {
        Assert.Throws<InvalidDataException>(() => new FdtProperty("x", new byte[8]).AsU32());
        Assert.Throws<InvalidDataException>(() => new FdtProperty("x", []).AsU32());
    }

    [Fact]
    public void AsU64_RequiresExactlyTwoCells()
    {
        Assert.Equal(0x1_0000_0002ul, new FdtProperty("x", [0, 0, 0, 1, 0, 0, 0, 2]).AsU64());
        Assert.Throws<InvalidDataException>(() => new FdtProperty("x", new byte[4]).AsU64());
        Assert.Throws<InvalidDataException>(() => new FdtProperty("x", new byte[12]).AsU64Array());
    }

    [Fact]
    public void AsString_RejectsUnterminatedEmptyAndMultipleStrings()
    {
        Assert.Throws<InvalidDataException>(() => new FdtProperty("x", "abc"u8).AsString());
        Assert.Throws<InvalidDataException>(() => new FdtProperty("x", []).AsString());
        Assert.Throws<InvalidDataException>(() => new FdtProperty("x", "a\0b\0"u8).AsString());
        Assert.Equal("", new FdtProperty("x", [0]).AsString());
    }

    [Fact]
    public void AsStringList_RejectsUnterminatedAndEmptyValues()
    {
        Assert.Throws<InvalidDataException>(() => new FdtProperty("x", "a\0b"u8).AsStringList());
        Assert.Throws<InvalidDataException>(() => new FdtProperty("x", []).AsStringList());
        Assert.Equal(["a", "", "b"], new FdtProperty("x", "a\0\0b\0"u8).AsStringList());
    }

    [Fact]
    public void AsU32Array_OfEmptyValue_IsEmpty()
    {
        Assert.Empty(new FdtProperty("ranges", []).AsU32Array());
    }
}
