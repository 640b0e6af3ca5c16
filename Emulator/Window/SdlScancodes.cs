namespace Emulator.Window;

/// <summary>
/// SDL's scancodes (SDL_scancode.h) and the Linux input key code (input-event-codes.h) each one is sent to the
/// guest's virtio keyboard as. Scancodes 4-231 are the USB HID keyboard page's usages (HID Usage Tables, section
/// 10), mapped as Linux's own USB keyboard driver maps them (hid-input.c's hid_keyboard table); 257 and up are
/// SDL's names for consumer-page keys. Only keys the virtio keyboard advertises (QEMU's QKeyCodes, see
/// <see cref="Emulator.Devices.Input.QKeyCodes"/>) are listed: QEMU has no name for the others and drops them too.
/// </summary>
public static class SdlScancodes
{
    /// <summary>Every mapped scancode: SDL's name (without SDL_SCANCODE_), its number, and the Linux key code.</summary>
    public static readonly IReadOnlyList<(string Name, int Scancode, ushort LinuxCode)> All =
    [
        ("A", 4, 30), ("B", 5, 48), ("C", 6, 46), ("D", 7, 32), ("E", 8, 18), ("F", 9, 33), ("G", 10, 34),
        ("H", 11, 35), ("I", 12, 23), ("J", 13, 36), ("K", 14, 37), ("L", 15, 38), ("M", 16, 50), ("N", 17, 49),
        ("O", 18, 24), ("P", 19, 25), ("Q", 20, 16), ("R", 21, 19), ("S", 22, 31), ("T", 23, 20), ("U", 24, 22),
        ("V", 25, 47), ("W", 26, 17), ("X", 27, 45), ("Y", 28, 21), ("Z", 29, 44),
        ("1", 30, 2), ("2", 31, 3), ("3", 32, 4), ("4", 33, 5), ("5", 34, 6), ("6", 35, 7), ("7", 36, 8),
        ("8", 37, 9), ("9", 38, 10), ("0", 39, 11),
        ("RETURN", 40, 28), ("ESCAPE", 41, 1), ("BACKSPACE", 42, 14), ("TAB", 43, 15), ("SPACE", 44, 57),
        ("MINUS", 45, 12), ("EQUALS", 46, 13), ("LEFTBRACKET", 47, 26), ("RIGHTBRACKET", 48, 27),
        ("BACKSLASH", 49, 43), ("NONUSHASH", 50, 43), ("SEMICOLON", 51, 39), ("APOSTROPHE", 52, 40),
        ("GRAVE", 53, 41), ("COMMA", 54, 51), ("PERIOD", 55, 52), ("SLASH", 56, 53), ("CAPSLOCK", 57, 58),
        ("F1", 58, 59), ("F2", 59, 60), ("F3", 60, 61), ("F4", 61, 62), ("F5", 62, 63), ("F6", 63, 64),
        ("F7", 64, 65), ("F8", 65, 66), ("F9", 66, 67), ("F10", 67, 68), ("F11", 68, 87), ("F12", 69, 88),
        ("PRINTSCREEN", 70, 99), ("SCROLLLOCK", 71, 70), ("PAUSE", 72, 119), ("INSERT", 73, 110), ("HOME", 74, 102),
        ("PAGEUP", 75, 104), ("DELETE", 76, 111), ("END", 77, 107), ("PAGEDOWN", 78, 109), ("RIGHT", 79, 106),
        ("LEFT", 80, 105), ("DOWN", 81, 108), ("UP", 82, 103),
        ("NUMLOCKCLEAR", 83, 69), ("KP_DIVIDE", 84, 98), ("KP_MULTIPLY", 85, 55), ("KP_MINUS", 86, 74),
        ("KP_PLUS", 87, 78), ("KP_ENTER", 88, 96), ("KP_1", 89, 79), ("KP_2", 90, 80), ("KP_3", 91, 81),
        ("KP_4", 92, 75), ("KP_5", 93, 76), ("KP_6", 94, 77), ("KP_7", 95, 71), ("KP_8", 96, 72), ("KP_9", 97, 73),
        ("KP_0", 98, 82), ("KP_PERIOD", 99, 83),
        ("NONUSBACKSLASH", 100, 86), ("APPLICATION", 101, 127), ("POWER", 102, 116), ("KP_EQUALS", 103, 117),
        ("EXECUTE", 116, 134), ("HELP", 117, 138), ("MENU", 118, 130), ("SELECT", 119, 132), ("STOP", 120, 128),
        ("AGAIN", 121, 129), ("UNDO", 122, 131), ("CUT", 123, 137), ("COPY", 124, 133), ("PASTE", 125, 135),
        ("FIND", 126, 136), ("MUTE", 127, 113), ("VOLUMEUP", 128, 115), ("VOLUMEDOWN", 129, 114),
        ("KP_COMMA", 133, 121),
        ("INTERNATIONAL1", 135, 89), ("INTERNATIONAL2", 136, 93), ("INTERNATIONAL3", 137, 124),
        ("INTERNATIONAL4", 138, 92), ("INTERNATIONAL5", 139, 94), ("LANG1", 144, 122), ("LANG2", 145, 123),
        ("LANG4", 147, 91),
        ("LCTRL", 224, 29), ("LSHIFT", 225, 42), ("LALT", 226, 56), ("LGUI", 227, 125),
        ("RCTRL", 228, 97), ("RSHIFT", 229, 54), ("RALT", 230, 100), ("RGUI", 231, 126),
        ("AUDIONEXT", 258, 163), ("AUDIOPREV", 259, 165), ("AUDIOSTOP", 260, 166), ("AUDIOPLAY", 261, 164),
        ("AUDIOMUTE", 262, 113), ("MEDIASELECT", 263, 226), ("MAIL", 265, 155), ("CALCULATOR", 266, 140),
        ("COMPUTER", 267, 157), ("AC_HOME", 269, 172), ("AC_BACK", 270, 158), ("AC_FORWARD", 271, 159),
        ("AC_STOP", 272, 128), ("AC_REFRESH", 273, 173), ("AC_BOOKMARKS", 274, 156), ("SLEEP", 282, 142),
    ];

    private static readonly ushort[] ByScancode = BuildTable();

    private static ushort[] BuildTable()
    {
        var table = new ushort[All.Max(entry => entry.Scancode) + 1];
        foreach (var (_, scancode, linuxCode) in All)
        {
            table[scancode] = linuxCode;
        }

        return table;
    }

    /// <summary>The Linux key code of an SDL scancode; 0 for a key the guest's keyboard does not have.</summary>
    public static ushort LinuxCode(int scancode) =>
        (uint)scancode < (uint)ByScancode.Length ? ByScancode[scancode] : (ushort)0;
}
