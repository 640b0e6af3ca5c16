using Emulator.Devices.Input;

namespace Emulator.Core.Tests.Input;

/// <summary>The key table against QEMU 7.2's own generated maps (qcode to Linux, key number to qcode).</summary>
public sealed class QKeyCodesTests
{
    [Fact]
    public void HasEveryQKeyCode_OfQemu72()
    {
        Assert.Equal(150, QKeyCodes.All.Count);
        Assert.Equal("unmapped", QKeyCodes.All[0].Name);
        Assert.Equal("lang2", QKeyCodes.All[^1].Name);
        Assert.Equal(QKeyCodes.All.Count, QKeyCodes.All.Select(k => k.Name).Distinct().Count());
        Assert.All(QKeyCodes.All.Skip(1), k => Assert.NotEqual(0, k.LinuxCode));
    }

    [Theory]
    [InlineData("a", 30)]
    [InlineData("ret", 28)]
    [InlineData("spc", 57)]
    [InlineData("shift", 42)]
    [InlineData("shift_r", 54)]
    [InlineData("equal", 13)]
    [InlineData("kp_multiply", 55)]
    [InlineData("asterisk", 55)]
    [InlineData("kp_enter", 96)]
    [InlineData("f12", 88)]
    [InlineData("meta_l", 125)]
    [InlineData("menu", 139)]
    [InlineData("power", 116)]
    [InlineData("sysrq", 99)]
    [InlineData("print", 99)]
    [InlineData("ac_home", 172)]
    [InlineData("lang1", 122)]
    [InlineData("unmapped", 0)]
    [InlineData("no-such-key", 0)]
    public void MapsNames_ToQemusLinuxCodes(string name, int code) => Assert.Equal(code, QKeyCodes.LinuxCode(name));

    [Theory]
    [InlineData(0x1e, "a")]
    [InlineData(0x1c, "ret")]
    [InlineData(0x9c, "kp_enter")]
    [InlineData(0xc8, "up")]
    [InlineData(0xdb, "meta_l")]
    [InlineData(0x5b, "lf")]
    [InlineData(0x54, "sysrq")]
    [InlineData(0xb7, "sysrq")]
    [InlineData(0x37, "kp_multiply")]
    [InlineData(0, "unmapped")]
    [InlineData(99999, "unmapped")]
    [InlineData(-1, "unmapped")]
    public void MapsKeyNumbers_AsQemu(long number, string name) => Assert.Equal(name, QKeyCodes.NameOfNumber(number));
}
