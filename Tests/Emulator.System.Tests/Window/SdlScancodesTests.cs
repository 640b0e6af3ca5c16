using Emulator.Devices.Input;
using Emulator.Window;

namespace Emulator.System.Tests.Window;

/// <summary>SDL's scancodes (USB HID keyboard usages) as the Linux key codes the virtio keyboard sends.</summary>
public sealed class SdlScancodesTests
{
    [Theory]
    [InlineData(4, 30)] // A: KEY_A
    [InlineData(29, 44)] // Z: KEY_Z
    [InlineData(30, 2)] // 1: KEY_1
    [InlineData(39, 11)] // 0: KEY_0
    [InlineData(40, 28)] // RETURN: KEY_ENTER
    [InlineData(41, 1)] // ESCAPE: KEY_ESC
    [InlineData(44, 57)] // SPACE: KEY_SPACE
    [InlineData(53, 41)] // GRAVE: KEY_GRAVE
    [InlineData(69, 88)] // F12: KEY_F12
    [InlineData(70, 99)] // PRINTSCREEN: KEY_SYSRQ
    [InlineData(82, 103)] // UP: KEY_UP
    [InlineData(88, 96)] // KP_ENTER: KEY_KPENTER
    [InlineData(100, 86)] // NONUSBACKSLASH: KEY_102ND
    [InlineData(225, 42)] // LSHIFT: KEY_LEFTSHIFT
    [InlineData(228, 97)] // RCTRL: KEY_RIGHTCTRL
    [InlineData(230, 100)] // RALT: KEY_RIGHTALT
    [InlineData(231, 126)] // RGUI: KEY_RIGHTMETA
    [InlineData(262, 113)] // AUDIOMUTE: KEY_MUTE
    public void AKeyIsSentAsItsLinuxCode(int scancode, int linuxCode) =>
        Assert.Equal(linuxCode, SdlScancodes.LinuxCode(scancode));

    [Fact]
    public void LettersDigitsAndFunctionKeysFollowTheUsbUsageOrder()
    {
        ushort[] letters = [30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50, 49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44];
        for (var i = 0; i < 26; i++)
        {
            Assert.Equal(letters[i], SdlScancodes.LinuxCode(4 + i));
            Assert.Equal(((char)('A' + i)).ToString(), SdlScancodes.All.Single(e => e.Scancode == 4 + i).Name);
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(2 + i, SdlScancodes.LinuxCode(30 + i)); // 1..9 then 0: KEY_1 (2) .. KEY_0 (11)
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(59 + i, SdlScancodes.LinuxCode(58 + i)); // F1..F10: KEY_F1 (59) .. KEY_F10 (68)
        }
    }

    [Fact]
    public void EveryMappedKeyIsOneTheVirtioKeyboardHas()
    {
        var keyboard = QKeyCodes.All.Select(k => k.LinuxCode).Where(c => c != 0).ToHashSet();
        Assert.All(SdlScancodes.All, entry => Assert.True(keyboard.Contains(entry.LinuxCode), $"{entry.Name} maps to {entry.LinuxCode}, which the keyboard does not report"));
    }

    [Fact]
    public void EveryKeyOfTheVirtioKeyboardButThreeWithoutAUsbUsageCanBeTyped()
    {
        var mapped = SdlScancodes.All.Select(e => e.LinuxCode).ToHashSet();
        var missing = QKeyCodes.All.Where(k => k.LinuxCode != 0 && !mapped.Contains(k.LinuxCode)).Select(k => k.Name).Order();
        Assert.Equal(["lf", "menu", "wake"], missing);
        Assert.True(SdlScancodes.All.Count >= 140, $"{SdlScancodes.All.Count} keys");
    }

    [Fact]
    public void EachScancodeIsListedOnce() =>
        Assert.Equal(SdlScancodes.All.Count, SdlScancodes.All.Select(e => e.Scancode).Distinct().Count());

    [Theory]
    [InlineData(0)] // SDL_SCANCODE_UNKNOWN
    [InlineData(-1)]
    [InlineData(130)] // LOCKINGCAPSLOCK: no Linux key
    [InlineData(104)] // F13: QEMU's keyboard has no F13
    [InlineData(511)]
    [InlineData(int.MaxValue)]
    public void AKeyTheKeyboardLacksIsNotSent(int scancode) => Assert.Equal(0, SdlScancodes.LinuxCode(scancode));
}
