using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

public class ControlMessagesTests
{
    private static void Header(byte[] b, int at, ulong length, int level, int type)
    {
        BitConverter.GetBytes(length).CopyTo(b, at);
        BitConverter.GetBytes(level).CopyTo(b, at + 8);
        BitConverter.GetBytes(type).CopyTo(b, at + 12);
    }

    private static int Parse(byte[] control, out int[] fds, out bool creds, out int pid)
    {
        var buffer = new int[SocketConstants.SCM_MAX_FD];
        int r = ControlMessages.Parse(control, buffer, out int n, out creds, out pid, out _, out _);
        fds = buffer[..n];
        return r;
    }

    [Fact]
    public void RightsAndCredentialsAreRead()
    {
        var b = new byte[ControlMessages.Space(8) + ControlMessages.Space(12)];
        Header(b, 0, (ulong)ControlMessages.Length(8), SocketConstants.SOL_SOCKET, SocketConstants.SCM_RIGHTS);
        BitConverter.GetBytes(5).CopyTo(b, 16);
        BitConverter.GetBytes(7).CopyTo(b, 20);
        int at = ControlMessages.Space(8);
        Header(b, at, (ulong)ControlMessages.Length(12), SocketConstants.SOL_SOCKET, SocketConstants.SCM_CREDENTIALS);
        BitConverter.GetBytes(42).CopyTo(b, at + 16);
        Assert.Equal(0, Parse(b, out int[] fds, out bool creds, out int pid));
        Assert.Equal(new[] { 5, 7 }, fds);
        Assert.True(creds);
        Assert.Equal(42, pid);
    }

    [Fact]
    public void OtherLevelsAreSkipped()
    {
        var b = new byte[ControlMessages.Space(4)];
        Header(b, 0, (ulong)ControlMessages.Length(4), 0 /* SOL_IP */, 99);
        Assert.Equal(0, Parse(b, out int[] fds, out bool creds, out _));
        Assert.Empty(fds);
        Assert.False(creds);
    }

    [Theory]
    [InlineData(8UL)]    // shorter than a header
    [InlineData(64UL)]   // runs past the buffer
    public void BadLengthsAreEinval(ulong length)
    {
        var b = new byte[24];
        Header(b, 0, length, SocketConstants.SOL_SOCKET, SocketConstants.SCM_RIGHTS);
        Assert.Equal(-Errno.EINVAL, Parse(b, out _, out _, out _));
    }

    [Fact]
    public void UnknownSocketLevelTypeIsEinval()
    {
        var b = new byte[24];
        Header(b, 0, 20, SocketConstants.SOL_SOCKET, 77);
        Assert.Equal(-Errno.EINVAL, Parse(b, out _, out _, out _));
    }

    [Fact]
    public void MoreThanScmMaxFdIsEinval()
    {
        int n = SocketConstants.SCM_MAX_FD + 1;
        var b = new byte[ControlMessages.Space(4 * n)];
        Header(b, 0, (ulong)ControlMessages.Length(4 * n), SocketConstants.SOL_SOCKET, SocketConstants.SCM_RIGHTS);
        Assert.Equal(-Errno.EINVAL, Parse(b, out _, out _, out _));
    }

    [Fact]
    public void PutTruncatesWhatDoesNotFit()
    {
        var b = new byte[20];
        bool truncated = false;
        int end = ControlMessages.Put(b, 0, SocketConstants.SOL_SOCKET, SocketConstants.SCM_CREDENTIALS, new byte[12], ref truncated);
        Assert.True(truncated);
        Assert.Equal(20, end);
        Assert.Equal(20UL, BitConverter.ToUInt64(b, 0)); // the length says what was written
    }

    [Fact]
    public void RightsThatFitFollowTheRoomLeft()
    {
        Assert.Equal(2, ControlMessages.RightsThatFit(ControlMessages.Space(4), 0, 3)); // padding holds a second int
        Assert.Equal(1, ControlMessages.RightsThatFit(ControlMessages.Length(4), 0, 3));
        Assert.Equal(0, ControlMessages.RightsThatFit(10, 0, 3));
        var b = new byte[ControlMessages.Space(8)];
        Assert.Equal(ControlMessages.Space(8), ControlMessages.PutRights(b, 0, new[] { 3, 4 }));
        Assert.Equal((ulong)ControlMessages.Length(8), BitConverter.ToUInt64(b, 0));
        Assert.Equal(4, BitConverter.ToInt32(b, 20));
    }
}
