using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

public class IpConfigTests
{
    [Theory]
    [InlineData("dhcp", IpConfig.Method.Dhcp)]
    [InlineData("on", IpConfig.Method.Dhcp)]
    [InlineData("any", IpConfig.Method.Dhcp)]
    [InlineData("off", IpConfig.Method.Off)]
    [InlineData("none", IpConfig.Method.Off)]
    [InlineData("::::::dhcp", IpConfig.Method.Dhcp)]
    [InlineData(":::::eth0:off", IpConfig.Method.Off)]
    public void Words(string text, IpConfig.Method mode)
    {
        Assert.True(IpConfig.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out IpConfig c));
        Assert.Equal(mode, c.Mode);
    }

    [Fact]
    public void FullStaticForm()
    {
        Assert.True(IpConfig.TryParse("10.0.2.15:10.0.2.2:10.0.2.2:255.255.255.0:guest:eth0:off:10.0.2.3"u8, out IpConfig c));
        Assert.Equal(IpConfig.Method.Static, c.Mode);
        Assert.Equal(0x0A00020Fu, c.Client);
        Assert.Equal(0x0A000202u, c.Gateway);
        Assert.Equal(0xFFFFFF00u, c.Netmask);
        Assert.True(c.Hostname.SequenceEqual("guest"u8));
        Assert.True(c.Device.SequenceEqual("eth0"u8));
        Assert.Equal(0x0A000203u, c.Dns0);
    }

    [Fact]
    public void ClientOnly_IsStatic_WithTheClassMask()
    {
        Assert.True(IpConfig.TryParse("10.1.2.3"u8, out IpConfig c));
        Assert.Equal(IpConfig.Method.Static, c.Mode);
        Assert.Equal(0xFF000000u, c.Netmask);
    }

    [Theory]
    [InlineData("10.0.2.256")]
    [InlineData("10.0.2")]
    [InlineData("10.0.2.15::::::bogus")]
    public void Malformed_IsRefused(string text) =>
        Assert.False(IpConfig.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out _));
}
