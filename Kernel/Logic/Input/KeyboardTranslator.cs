using System;

namespace Kernel.Logic.Input
{
    /// <summary>
    /// Turns a keyboard's key events (Linux key codes) into the bytes a terminal receives, as Linux's console
    /// keyboard does with its default US map: letters and symbols with Shift and Caps Lock, Ctrl giving
    /// control characters, Alt prefixing ESC, Enter as CR, Backspace as DEL, and the cursor and editing keys
    /// as the VT escape sequences busybox's line editing, vi and top understand.
    /// </summary>
    public sealed class KeyboardTranslator
    {
        public const ushort KEY_ESC = 1, KEY_BACKSPACE = 14, KEY_TAB = 15, KEY_ENTER = 28, KEY_LEFTCTRL = 29,
            KEY_LEFTSHIFT = 42, KEY_RIGHTSHIFT = 54, KEY_LEFTALT = 56, KEY_CAPSLOCK = 58, KEY_F1 = 59,
            KEY_KPENTER = 96, KEY_RIGHTCTRL = 97, KEY_RIGHTALT = 100, KEY_HOME = 102, KEY_UP = 103, KEY_PAGEUP = 104,
            KEY_LEFT = 105, KEY_RIGHT = 106, KEY_END = 107, KEY_DOWN = 108, KEY_PAGEDOWN = 109, KEY_INSERT = 110, KEY_DELETE = 111;

        // Codes 0-57 of the US layout, plain and shifted ('\0': not a character key).
        private static ReadOnlySpan<byte> Plain => "\0\x1b"u8 + "1234567890-=\x7f\tqwertyuiop[]\r\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 "u8;
        private static ReadOnlySpan<byte> Shifted => "\0\x1b"u8 + "!@#$%^&*()_+\x7f\tQWERTYUIOP{}\r\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 "u8;

        private bool _leftShift, _rightShift, _leftCtrl, _rightCtrl, _leftAlt, _rightAlt, _capsLock;

        private bool Shift => _leftShift || _rightShift;
        private bool Ctrl => _leftCtrl || _rightCtrl;
        private bool Alt => _leftAlt || _rightAlt;

        /// <summary>
        /// Takes one event; writes the bytes it types (none for releases, modifiers and non-key events) to
        /// <paramref name="output"/> (at least 8 bytes) and returns their count.
        /// </summary>
        public int Translate(in InputEvent e, Span<byte> output)
        {
            if (e.Type != InputCodes.EV_KEY)
                return 0;
            bool down = e.Value != 0; // 1 press, 2 autorepeat
            switch (e.Code)
            {
                case KEY_LEFTSHIFT: _leftShift = down; return 0;
                case KEY_RIGHTSHIFT: _rightShift = down; return 0;
                case KEY_LEFTCTRL: _leftCtrl = down; return 0;
                case KEY_RIGHTCTRL: _rightCtrl = down; return 0;
                case KEY_LEFTALT: _leftAlt = down; return 0;
                case KEY_RIGHTALT: _rightAlt = down; return 0;
                case KEY_CAPSLOCK:
                    if (e.Value == 1)
                        _capsLock = !_capsLock;
                    return 0;
            }
            if (!down)
                return 0;
            int n = 0;
            if (Alt)
                output[n++] = 0x1b;
            int start = n;
            switch (e.Code)
            {
                case KEY_KPENTER: output[n++] = (byte)'\r'; break;
                case KEY_UP: n = Csi(output, n, 'A'); break;
                case KEY_DOWN: n = Csi(output, n, 'B'); break;
                case KEY_RIGHT: n = Csi(output, n, 'C'); break;
                case KEY_LEFT: n = Csi(output, n, 'D'); break;
                case KEY_HOME: n = Tilde(output, n, '1'); break;
                case KEY_INSERT: n = Tilde(output, n, '2'); break;
                case KEY_DELETE: n = Tilde(output, n, '3'); break;
                case KEY_END: n = Tilde(output, n, '4'); break;
                case KEY_PAGEUP: n = Tilde(output, n, '5'); break;
                case KEY_PAGEDOWN: n = Tilde(output, n, '6'); break;
                default:
                    if (e.Code >= KEY_F1 && e.Code < KEY_F1 + 5)
                    {
                        // The Linux console's F1-F5: ESC [ [ A ... E.
                        n = Csi(output, n, '[');
                        output[n++] = (byte)('A' + e.Code - KEY_F1);
                        break;
                    }
                    if (e.Code >= Plain.Length || Plain[e.Code] == 0)
                        return 0;
                    byte c = Shift ? Shifted[e.Code] : Plain[e.Code];
                    if (_capsLock && c >= 'a' && c <= 'z')
                        c = (byte)(c - 32);
                    else if (_capsLock && c >= 'A' && c <= 'Z')
                        c = (byte)(c + 32);
                    if (Ctrl)
                    {
                        if ((c >= '@' && c <= '_') || (c >= 'a' && c <= 'z'))
                            c = (byte)(c & 0x1f);
                        else if (c == ' ' || c == '2')
                            c = 0;
                        else if (c == '/')
                            c = 0x1f;
                    }
                    output[n++] = c;
                    break;
            }
            return n > start ? n : 0;
        }

        private static int Csi(Span<byte> o, int n, char final)
        {
            o[n++] = 0x1b;
            o[n++] = (byte)'[';
            o[n++] = (byte)final;
            return n;
        }

        private static int Tilde(Span<byte> o, int n, char digit)
        {
            o[n++] = 0x1b;
            o[n++] = (byte)'[';
            o[n++] = (byte)digit;
            o[n++] = (byte)'~';
            return n;
        }
    }
}
