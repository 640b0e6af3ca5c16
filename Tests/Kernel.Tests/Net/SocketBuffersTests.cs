using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

public class SocketBuffersTests
{
    [Theory]
    [InlineData(10000, true, 20000)]
    [InlineData(1, true, 4608)]
    [InlineData(1, false, 2304)]
    [InlineData(1 << 30, true, 425984)] // capped at wmem_max, then doubled
    [InlineData(-1, false, 425984)]     // Linux reads the value as unsigned
    public void SizesAreDoubledAndClamped(int requested, bool send, int stored)
        => Assert.Equal(stored, SocketBuffers.FromUser(requested, send));
}
