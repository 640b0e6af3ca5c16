using Kernel.Logic.Tty;

namespace Kernel.Tests.Tty;

public class PtyIndexesTests
{
    [Fact]
    public void A_new_pair_takes_the_lowest_free_number()
    {
        var indexes = new PtyIndexes();
        Assert.Equal(0, indexes.Allocate());
        Assert.Equal(1, indexes.Allocate());
        Assert.Equal(2, indexes.Allocate());
        indexes.Release(1);
        Assert.False(indexes.InUse(1));
        Assert.Equal(1, indexes.Allocate());
        Assert.Equal(3, indexes.Count);
    }

    [Fact]
    public void Numbers_run_out_at_the_limit_and_come_back_when_released()
    {
        var indexes = new PtyIndexes();
        for (int i = 0; i < PtyIndexes.Limit; i++)
            Assert.Equal(i, indexes.Allocate());
        Assert.Equal(-1, indexes.Allocate());
        indexes.Release(4000);
        Assert.Equal(4000, indexes.Allocate());
    }

    [Fact]
    public void Releasing_a_free_or_invalid_number_changes_nothing()
    {
        var indexes = new PtyIndexes();
        indexes.Allocate();
        indexes.Release(7);
        indexes.Release(-1);
        indexes.Release(PtyIndexes.Limit);
        Assert.Equal(1, indexes.Count);
    }
}
