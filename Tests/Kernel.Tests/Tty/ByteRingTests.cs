using Kernel.Logic.Tty;

namespace Kernel.Tests.Tty;

public class ByteRingTests
{
    [Fact]
    public void Put_takes_only_what_fits_and_Take_returns_it_in_order()
    {
        var ring = new ByteRing(8);
        Assert.Equal(5, ring.Put("hello"u8));
        Assert.Equal(3, ring.Put("world"u8));
        Assert.Equal(0, ring.Space);
        var buffer = new byte[16];
        Assert.Equal(8, ring.Take(buffer));
        Assert.Equal("hellowor"u8.ToArray(), buffer[..8]);
        Assert.Equal(0, ring.Count);
    }

    [Fact]
    public void Data_wraps_around_the_end_of_the_buffer()
    {
        var ring = new ByteRing(4);
        var buffer = new byte[4];
        ring.Put("abc"u8);
        Assert.Equal(2, ring.Take(buffer.AsSpan(0, 2)));
        Assert.Equal(3, ring.Put("def"u8));
        Assert.Equal(4, ring.Take(buffer));
        Assert.Equal("cdef"u8.ToArray(), buffer);
    }

    [Fact]
    public void Clear_empties_and_frees_all_room()
    {
        var ring = new ByteRing(4);
        ring.Put("xyz"u8);
        ring.Clear();
        Assert.Equal(0, ring.Count);
        Assert.Equal(4, ring.Space);
        Assert.Equal(0, ring.Take(new byte[4]));
    }
}
