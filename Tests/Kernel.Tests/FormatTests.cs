using System.Text;
using Kernel.Logic;

namespace Kernel.Tests;

public class FormatTests
{
    private static string Run(Func<Span<char>, int> format)
    {
        Span<char> buffer = stackalloc char[64];
        int n = format(buffer);
        return n < 0 ? "<overflow>" : buffer[..n].ToString();
    }

    [Theory]
    [InlineData(0UL, "0")]
    [InlineData(7UL, "7")]
    [InlineData(1234567890UL, "1234567890")]
    [InlineData(ulong.MaxValue, "18446744073709551615")]
    public void Decimal_unsigned(ulong value, string expected) => Assert.Equal(expected, Run(b => Format.Decimal(b, value)));

    [Theory]
    [InlineData(-1L, "-1")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    [InlineData(42L, "42")]
    public void Decimal_signed(long value, string expected) => Assert.Equal(expected, Run(b => Format.Decimal(b, value)));

    [Theory]
    [InlineData(0UL, 1, "0")]
    [InlineData(0xdeadbeefUL, 1, "deadbeef")]
    [InlineData(0x96000004UL, 8, "96000004")]
    [InlineData(0x8UL, 16, "0000000000000008")]
    [InlineData(0xffffff8000005cf8UL, 16, "ffffff8000005cf8")]
    public void Hex_with_minimum_digits(ulong value, int digits, string expected) => Assert.Equal(expected, Run(b => Format.Hex(b, value, digits)));

    [Fact]
    public void Too_small_destination_is_reported()
    {
        Assert.Equal(-1, Format.Decimal(new char[3], 1234UL));
        Assert.Equal(-1, Format.Iso8601(new char[19], 0));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(951782400L)]    // 2000-02-29
    [InlineData(1795230245L)]   // 2026-11-22
    [InlineData(4102444799L)]   // 2099-12-31T23:59:59
    [InlineData(-86400L)]       // 1969-12-31
    public void Iso8601_matches_the_framework(long seconds)
    {
        string expected = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        Assert.Equal(expected, Run(b => Format.Iso8601(b, seconds)));
    }

    [Fact]
    public void Every_day_for_four_centuries_converts_like_the_framework()
    {
        var day = new DateTime(1970, 1, 1);
        for (long d = 0; d < 146097; d += 13)
        {
            Format.CivilFromDays(d, out long y, out int m, out int dd);
            DateTime expected = day.AddDays(d);
            Assert.Equal((expected.Year, expected.Month, expected.Day), ((int)y, m, dd));
        }
    }
}

public class BootArgsTests
{
    private static byte[] A(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public void Key_value_is_found_among_other_words()
    {
        Assert.True(BootArgs.TryGet(A("console=ttyAMA0  hz=250 quiet"), A("hz"), out ReadOnlySpan<byte> v));
        Assert.Equal("250", Encoding.ASCII.GetString(v));
    }

    [Fact]
    public void Bare_flag_has_an_empty_value()
    {
        Assert.True(BootArgs.TryGet(A("quiet hz=1"), A("quiet"), out ReadOnlySpan<byte> v));
        Assert.True(v.IsEmpty);
    }

    [Fact]
    public void Prefix_of_a_key_does_not_match()
    {
        Assert.False(BootArgs.TryGet(A("hzz=3 xhz=4"), A("hz"), out _));
    }

    [Theory]
    [InlineData("100", true, 100UL)]
    [InlineData("", false, 0UL)]
    [InlineData("12a", false, 0UL)]
    [InlineData("18446744073709551616", false, 0UL)]
    public void Unsigned_numbers_parse_strictly(string text, bool ok, ulong value)
    {
        Assert.Equal(ok, BootArgs.TryParseUInt(A(text), out ulong parsed));
        if (ok) Assert.Equal(value, parsed);
    }
}

public class ExceptionSyndromeTests
{
    [Fact]
    public void Kernel_null_read_decodes_as_a_data_abort_translation_fault()
    {
        const ulong esr = 0x96000004;
        uint ec = ExceptionSyndrome.ExceptionClass(esr);
        Assert.Equal(0x25u, ec);
        Assert.Equal("data abort without a change in exception level", ExceptionSyndrome.ClassName(ec));
        Assert.True(ExceptionSyndrome.IsAbort(ec));
        Assert.Equal("translation fault, level 0", ExceptionSyndrome.FaultStatusName(esr));
        Assert.False(ExceptionSyndrome.IsWrite(esr));
    }

    [Fact]
    public void Permission_fault_on_write_is_named()
    {
        const ulong esr = 0x9600004F; // WnR, permission fault level 3
        Assert.Equal("permission fault, level 3", ExceptionSyndrome.FaultStatusName(esr));
        Assert.True(ExceptionSyndrome.IsWrite(esr));
    }

    [Theory]
    [InlineData(0x56000000UL, "SVC from AArch64")]
    [InlineData(0xF2000000UL, "BRK instruction")]
    [InlineData(0x8600000FUL, "instruction abort without a change in exception level")]
    public void Exception_classes_are_named(ulong esr, string name)
        => Assert.Equal(name, ExceptionSyndrome.ClassName(ExceptionSyndrome.ExceptionClass(esr)));
}
