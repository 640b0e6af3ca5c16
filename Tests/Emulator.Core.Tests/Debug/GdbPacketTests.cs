using System.Text;
using Emulator.Core.Debug;

namespace Emulator.Core.Tests.Debug;

public class GdbPacketTests
{
    [Fact]
    public void Checksum_is_the_byte_sum_modulo_256()
    {
        Assert.Equal(0x00, GdbPacket.Checksum([]));
        Assert.Equal(0x3f, GdbPacket.Checksum("?"u8));
        Assert.Equal(0x67, GdbPacket.Checksum("g"u8));
        Assert.Equal(0x00, GdbPacket.Checksum([0x80, 0x80]));
    }

    [Fact]
    public void Frame_wraps_the_payload_with_its_checksum()
    {
        Assert.Equal("$OK#9a", Encoding.Latin1.GetString(GdbPacket.Frame("OK")));
        Assert.Equal("$#00", Encoding.Latin1.GetString(GdbPacket.Frame("")));
    }

    [Fact]
    public void Frame_escapes_the_four_special_bytes_and_sums_the_escaped_form()
    {
        var framed = Encoding.Latin1.GetString(GdbPacket.Frame("a$b#c}d*e"));
        Assert.Equal("$a}\u0004b}\u0003c}]d}\u000ae#", framed[..^2]);
        var body = Encoding.Latin1.GetBytes(framed[1..^3]);
        Assert.Equal($"{GdbPacket.Checksum(body):x2}", framed[^2..]);
    }

    [Fact]
    public void Unescape_undoes_escaping()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var framed = GdbPacket.Frame(bytes);
        Assert.Equal(bytes, GdbPacket.Unescape(framed.AsSpan(1, framed.Length - 4)));
    }

    [Fact]
    public void Checksum_check_accepts_both_cases_and_rejects_bad_digits()
    {
        Assert.True(GdbPacket.ChecksumMatches("OK"u8, (byte)'9', (byte)'a'));
        Assert.True(GdbPacket.ChecksumMatches("OK"u8, (byte)'9', (byte)'A'));
        Assert.False(GdbPacket.ChecksumMatches("OK"u8, (byte)'9', (byte)'b'));
        Assert.False(GdbPacket.ChecksumMatches("OK"u8, (byte)'x', (byte)'a'));
    }

    [Fact]
    public void Hex_data_round_trips_and_refuses_odd_or_bad_text()
    {
        Assert.Equal("00ff10ab", Hex.Encode([0x00, 0xff, 0x10, 0xab]));
        Assert.Equal(new byte[] { 0x00, 0xff, 0x10, 0xab }, Hex.Decode("00FF10ab"));
        Assert.Null(Hex.Decode("abc"));
        Assert.Null(Hex.Decode("zz"));
    }

    [Fact]
    public void Hex_numbers_are_big_endian_digits()
    {
        Assert.True(Hex.TryNumber("ffffff8000000040", out var address));
        Assert.Equal(0xffffff8000000040UL, address);
        Assert.False(Hex.TryNumber("", out _));
        Assert.False(Hex.TryNumber("12g", out _));
        Assert.False(Hex.TryNumber("10000000000000000", out _));
    }

    [Fact]
    public void Ranges_are_address_comma_length()
    {
        Assert.True(GdbSession.TryParseRange("40000000,8", out var address, out var length));
        Assert.Equal((0x40000000UL, 8UL), (address, length));
        Assert.False(GdbSession.TryParseRange("40000000", out _, out _));
        Assert.False(GdbSession.TryParseRange(",8", out _, out _));
        Assert.False(GdbSession.TryParseRange("4000,", out _, out _));
    }

    [Theory]
    [InlineData("c", false)]
    [InlineData("s:1", true)]
    [InlineData("s:1;c", true)]
    [InlineData("s:p1.1;c:p1.-1", true)]
    [InlineData("c:-1", false)]
    [InlineData("C05", false)]
    [InlineData("S05:1", true)]
    [InlineData("s:2;c", false)]
    public void VCont_takes_the_first_action_for_thread_1(string actions, bool step) =>
        Assert.Equal(step, GdbSession.ParseVCont(actions));

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("c;;s")]
    [InlineData("s:2")]
    public void VCont_refuses_malformed_actions(string actions) => Assert.Null(GdbSession.ParseVCont(actions));

    [Fact]
    public void Stop_replies_name_the_signal_the_cause_and_the_thread()
    {
        Assert.Equal("T05thread:01;", StopEvent.Trap.Reply());
        Assert.Equal("T02thread:01;", StopEvent.Interrupted.Reply());
        Assert.Equal("T05swbreak:;thread:01;", new StopEvent(5, BreakpointKind.Software).Reply());
        Assert.Equal("T05hwbreak:;thread:01;", new StopEvent(5, BreakpointKind.Hardware).Reply());
        Assert.Equal("T05watch:ffffff80000a7000;thread:01;", new StopEvent(5, BreakpointKind.WriteWatch, 0xffffff80000a7000).Reply());
        Assert.Equal("T05rwatch:10;thread:01;", new StopEvent(5, BreakpointKind.ReadWatch, 0x10).Reply());
        Assert.Equal("T05awatch:10;thread:01;", new StopEvent(5, BreakpointKind.AccessWatch, 0x10).Reply());
        Assert.Equal("W00", new StopEvent(0, Exited: true).Reply());
    }
}
