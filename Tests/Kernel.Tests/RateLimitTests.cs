using Kernel.Logic;

namespace Kernel.Tests;

public class RateLimitTests
{
    [Fact]
    public void BurstOfTenPerInterval_ThenTheSuppressedCount()
    {
        var rl = new RateLimit(500, RateLimit.DefaultBurst);
        int shown = 0;
        for (ulong t = 0; t < 300; t++)
        {
            if (rl.Allow(1000 + t, out int suppressed))
                shown++;
            Assert.Equal(0, suppressed);
        }
        Assert.Equal(10, shown);
        // A new interval: the 290 held back are reported once, and ten more pass.
        Assert.True(rl.Allow(1000 + 600, out int held));
        Assert.Equal(290, held);
        Assert.True(rl.Allow(1000 + 601, out held));
        Assert.Equal(0, held);
    }
}
