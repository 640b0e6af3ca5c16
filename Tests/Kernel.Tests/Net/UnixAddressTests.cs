using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

public class UnixAddressTests
{
    private static byte[] Address(string path, bool abstractName = false, int? length = null)
    {
        var a = new byte[110];
        a[0] = SocketConstants.AF_UNIX;
        int at = 2;
        if (abstractName)
            a[at++] = 0;
        foreach (char c in path)
            a[at++] = (byte)c;
        int n = length ?? at + (abstractName ? 0 : 1);
        return a[..n];
    }

    [Fact]
    public void PathEndsAtItsNul()
    {
        byte[] a = Address("/tmp/s", length: 110);
        Assert.Equal(UnixAddress.Path, UnixAddress.Parse(a, out int start, out int length));
        Assert.Equal("/tmp/s", System.Text.Encoding.ASCII.GetString(a, start, length));
    }

    [Fact]
    public void PathWithoutNulEndsAtTheLength()
    {
        byte[] a = Address("abc", length: 5);
        Assert.Equal(UnixAddress.Path, UnixAddress.Parse(a, out _, out int length));
        Assert.Equal(3, length);
    }

    [Fact]
    public void AbstractNameIsEveryByteAfterTheLeadingNul()
    {
        byte[] a = Address("name\0x", abstractName: true);
        Assert.Equal(UnixAddress.Abstract, UnixAddress.Parse(a, out int start, out int length));
        Assert.Equal(3, start);
        Assert.Equal(6, length); // embedded NULs are part of an abstract name
    }

    [Fact]
    public void BareFamilyIsUnnamed() => Assert.Equal(UnixAddress.Unnamed, UnixAddress.Parse(Address("", length: 2), out _, out _));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(111)]
    public void BadLengthsAreEinval(int length) => Assert.Equal(-Errno.EINVAL, UnixAddress.Parse(new byte[length], out _, out _));

    [Fact]
    public void OtherFamiliesAreEinval()
    {
        byte[] a = Address("x");
        a[0] = SocketConstants.AF_INET;
        Assert.Equal(-Errno.EINVAL, UnixAddress.Parse(a, out _, out _));
    }

    [Fact]
    public void FormatGivesLinuxLengths()
    {
        var buffer = new byte[112];
        Assert.Equal(2 + 6 + 1, UnixAddress.Format(buffer, UnixAddress.Path, "/tmp/s"u8));
        Assert.Equal(0, buffer[8]);
        Assert.Equal(2 + 1 + 4, UnixAddress.Format(buffer, UnixAddress.Abstract, "name"u8));
        Assert.Equal(0, buffer[2]);
        Assert.Equal(2, UnixAddress.Format(buffer, UnixAddress.Unnamed, default));
    }

    [Fact]
    public void AutobindNamesAreFiveHexDigits()
    {
        var name = new byte[5];
        UnixAddress.AutobindName(0xABC12, name);
        Assert.Equal("abc12", System.Text.Encoding.ASCII.GetString(name));
        UnixAddress.AutobindName(1, name);
        Assert.Equal("00001", System.Text.Encoding.ASCII.GetString(name));
    }
}
