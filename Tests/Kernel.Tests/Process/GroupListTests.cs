using Kernel.Logic.Process;

namespace Kernel.Tests.Processes;

public class GroupListTests
{
    [Fact]
    public void SortsAndFinds()
    {
        var rng = new Random(14);
        for (int n = 0; n < 200; n++)
        {
            uint[] groups = Enumerable.Range(0, n).Select(_ => (uint)rng.Next(0, 50)).ToArray();
            uint[] expected = groups.OrderBy(g => g).ToArray();
            GroupList.Sort(groups);
            Assert.Equal(expected, groups);
            for (uint g = 0; g < 52; g++)
                Assert.Equal(expected.Contains(g), GroupList.Contains(groups, g));
        }
        uint[] big = Enumerable.Range(0, GroupList.Max).Select(i => (uint)(GroupList.Max - i) * 3).ToArray();
        GroupList.Sort(big);
        Assert.True(GroupList.Contains(big, 3) && GroupList.Contains(big, 3u * GroupList.Max) && !GroupList.Contains(big, 4));
    }
}
