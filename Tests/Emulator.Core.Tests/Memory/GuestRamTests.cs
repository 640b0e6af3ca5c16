using Emulator.Core.Memory;

namespace Emulator.Core.Tests.Memory;

public class GuestRamTests
{
    private const ulong Base = 0x4000_0000;
    private const ulong Size = 0x10_0000;

    [Theory]
    [InlineData(0UL)]
    [InlineData(0x1800UL)]
    public void Size_MustBeAWholeNonZeroNumberOfPages(ulong size)
    {
        Assert.Throws<ArgumentException>(() => new GuestRam(Base, size));
    }

    [Fact]
    public unsafe void HostBuffer_IsPageAligned()
    {
        using var ram = new GuestRam(Base, Size);

        Assert.Equal(0UL, (ulong)ram.Pointer % 0x1000);
    }

    [Fact]
    public void NewRam_ReadsAsZero()
    {
        using var ram = new GuestRam(Base, Size);

        Assert.True(ram.Slice(Base, (int)Size).IndexOfAnyExcept((byte)0) < 0);
    }

    [Theory]
    [InlineData(Base, Size, true)]
    [InlineData(Base + Size - 1, 1UL, true)]
    [InlineData(Base + Size, 0UL, true)]
    [InlineData(Base + Size, 1UL, false)]
    [InlineData(Base + Size - 1, 2UL, false)]
    [InlineData(Base - 1, 1UL, false)]
    [InlineData(Base, Size + 1, false)]
    [InlineData(Base + 0x1000, ulong.MaxValue, false)]
    [InlineData(ulong.MaxValue, 2UL, false)]
    public void Contains_AcceptsExactlyTheRangesInsideRam(ulong address, ulong length, bool expected)
    {
        using var ram = new GuestRam(Base, Size);

        Assert.Equal(expected, ram.Contains(address, length));
    }

    [Fact]
    public void Slice_OutsideRam_Throws()
    {
        using var ram = new GuestRam(Base, Size);

        Assert.Throws<ArgumentOutOfRangeException>(() => ram.Slice(Base + Size - 4, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => ram.Slice(Base, -1));
    }

    [Fact]
    public void TryWriteThenTryRead_RoundTripsInsideRam()
    {
        using var ram = new GuestRam(Base, Size);
        var read = new byte[3];

        Assert.True(ram.TryWrite(Base + Size - 3, [7, 8, 9]));
        Assert.True(ram.TryRead(Base + Size - 3, read));

        Assert.Equal(new byte[] { 7, 8, 9 }, read);
        Assert.Equal(new byte[] { 7, 8, 9 }, ram.Slice(Base + Size - 3, 3).ToArray());
    }

    [Fact]
    public void TryReadAndTryWrite_CrossingTheEnd_FailWithoutTouchingRam()
    {
        using var ram = new GuestRam(Base, Size);
        var read = new byte[4];

        Assert.False(ram.TryWrite(Base + Size - 2, [1, 2, 3, 4]));
        Assert.False(ram.TryRead(Base + Size - 2, read));

        Assert.Equal(new byte[] { 0, 0 }, ram.Slice(Base + Size - 2, 2).ToArray());
    }
}
