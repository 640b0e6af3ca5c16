using System.Text;
using Kernel.Logic;
using Kernel.Logic.Tty;

namespace Kernel.Tests.Tty;

public class DevPtsOptionsTests
{
    private static int Parse(string text, out DevPtsOptions options) => DevPtsOptions.Parse(Encoding.ASCII.GetBytes(text), out options);

    [Fact]
    public void No_options_give_Linux_defaults()
    {
        Assert.Equal(0, Parse("", out DevPtsOptions o));
        Assert.Equal(0x180u, o.Mode);     // 0600
        Assert.Equal(0u, o.PtmxMode);     // 0000
        Assert.False(o.SetGid);
        Assert.False(o.SetUid);
    }

    [Fact]
    public void Mode_and_ptmxmode_are_octal_and_gid_decimal()
    {
        Assert.Equal(0, Parse("rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000", out DevPtsOptions o));
        Assert.Equal(0x190u, o.Mode);     // 0620
        Assert.Equal(0u, o.PtmxMode);
        Assert.True(o.SetGid);
        Assert.Equal(5u, o.Gid);
        Assert.Equal(0, Parse("newinstance,ptmxmode=666,uid=1000,max=1024", out o));
        Assert.Equal(0x1B6u, o.PtmxMode);  // 0666
        Assert.True(o.SetUid);
        Assert.Equal(1000u, o.Uid);
    }

    [Theory]
    [InlineData("mode=9")]
    [InlineData("mode=")]
    [InlineData("gid=x")]
    [InlineData("colour=blue")]
    [InlineData("bogus")]
    public void Unknown_or_malformed_options_are_EINVAL(string text)
        => Assert.Equal(-Errno.EINVAL, Parse(text, out _));
}
