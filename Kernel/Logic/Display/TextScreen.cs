using System;

namespace Kernel.Logic.Display
{
    /// <summary>
    /// The text console's screen: a grid of character cells fed with the bytes written to the console, read
    /// as the Linux console reads them (UTF-8, the VT100/ECMA-48 controls busybox's line editing, vi, less
    /// and top use: cursor motion and addressing, erase in display and line, insert and delete of lines and
    /// characters, scrolling regions, save/restore cursor, SGR colours, bold and reverse, cursor visibility).
    /// Rows that changed, and the row the cursor moves to, are marked dirty for whoever draws them (who
    /// also draws the row the cursor left). A cell is a Latin-1 character (other code
    /// points show as '?') and an attribute byte: foreground in bits 0-3, background in 4-7 (VGA colours).
    /// </summary>
    public sealed class TextScreen
    {
        public const byte DefaultAttribute = 0x07; // light grey on black
        private const int MaxParameters = 16;

        private readonly byte[] _chars, _attrs;
        private readonly bool[] _dirty;
        private int _row, _column, _savedRow, _savedColumn;
        private bool _wrapPending;
        private int _top, _bottom; // scrolling region, inclusive
        private byte _fg = 7, _bg, _flags; // _flags: 1 bold, 2 reverse
        private byte _savedFg = 7, _savedBg, _savedFlags;

        private enum State : byte { Normal, Escape, Csi, Ignore, Osc }
        private State _state;
        private readonly int[] _params = new int[MaxParameters];
        private int _paramCount;
        private bool _private;
        private int _utf8Remaining, _utf8Value;

        public int Rows { get; }
        public int Columns { get; }
        public int CursorRow => _row;
        public int CursorColumn => _column;
        public bool CursorVisible { get; private set; } = true;

        public TextScreen(int rows, int columns)
        {
            if (rows < 1 || columns < 1)
                Fatal.Panic("TextScreen: empty screen");
            Rows = rows;
            Columns = columns;
            _chars = new byte[rows * columns];
            _attrs = new byte[rows * columns];
            _dirty = new bool[rows];
            Reset();
        }

        public byte CharAt(int row, int column) => _chars[row * Columns + column];
        public byte AttributeAt(int row, int column) => _attrs[row * Columns + column];
        public ReadOnlySpan<byte> RowChars(int row) => new ReadOnlySpan<byte>(_chars, row * Columns, Columns);
        public ReadOnlySpan<byte> RowAttributes(int row) => new ReadOnlySpan<byte>(_attrs, row * Columns, Columns);

        /// <summary>Whether <paramref name="row"/> changed since it was last taken; clears the mark.</summary>
        public bool TakeDirty(int row)
        {
            bool d = _dirty[row];
            _dirty[row] = false;
            return d;
        }

        public bool IsDirty(int row) => _dirty[row];

        /// <summary>Marks every row to be drawn again (after the screen was used for graphics).</summary>
        public void Invalidate()
        {
            for (int i = 0; i < Rows; i++)
                _dirty[i] = true;
        }

        public void Reset()
        {
            _fg = 7;
            _bg = 0;
            _flags = 0;
            _top = 0;
            _bottom = Rows - 1;
            _row = _column = 0;
            _wrapPending = false;
            _state = State.Normal;
            _utf8Remaining = 0;
            CursorVisible = true;
            Clear(0, Rows * Columns);
        }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            for (int i = 0; i < bytes.Length; i++)
                Write(bytes[i]);
        }

        public void Write(byte b)
        {
            // Controls act in any state, as on the Linux console (ESC restarts a sequence).
            if (b < 0x20 || b == 0x7F)
            {
                Control(b);
                return;
            }
            switch (_state)
            {
                case State.Escape:
                    Escape(b);
                    return;
                case State.Csi:
                    Csi(b);
                    return;
                case State.Osc:
                    return;
                case State.Ignore:
                    // An unsupported sequence (a character-set choice) ends at its final byte.
                    if (b >= 0x40 && b <= 0x7E)
                        _state = State.Normal;
                    return;
            }
            if (b < 0x80)
            {
                _utf8Remaining = 0;
                Put(b);
                return;
            }
            if (b < 0xC0)
            {
                if (_utf8Remaining == 0)
                {
                    Put((byte)'?');
                    return;
                }
                _utf8Value = _utf8Value << 6 | (b & 0x3F);
                if (--_utf8Remaining == 0)
                    Put(_utf8Value < 256 ? (byte)_utf8Value : (byte)'?');
                return;
            }
            _utf8Remaining = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1;
            _utf8Value = b & (0x3F >> _utf8Remaining);
        }

        private void Control(byte b)
        {
            switch (b)
            {
                case 0x08: // BS
                    if (_column > 0)
                        _column--;
                    _wrapPending = false;
                    break;
                case 0x09: // HT: the next multiple of 8
                    _column = Math.Min(Columns - 1, (_column / 8 + 1) * 8);
                    _wrapPending = false;
                    break;
                case 0x0A:
                case 0x0B:
                case 0x0C:
                    LineFeed();
                    break;
                case 0x0D:
                    _column = 0;
                    _wrapPending = false;
                    break;
                case 0x07: // BEL ends an operating system command
                    if (_state == State.Osc)
                        _state = State.Normal;
                    break;
                case 0x18:
                case 0x1A: // CAN, SUB: abandon a sequence
                    _state = State.Normal;
                    break;
                case 0x1B:
                    _state = State.Escape;
                    break;
            }
            // BEL, NUL, SO/SI and the rest: nothing to draw.
        }

        private void Escape(byte b)
        {
            _state = State.Normal;
            switch (b)
            {
                case (byte)'[':
                    _state = State.Csi;
                    _paramCount = 0;
                    _private = false;
                    new Span<int>(_params).Clear();
                    break;
                case (byte)'7':
                    SaveCursor();
                    break;
                case (byte)'8':
                    RestoreCursor();
                    break;
                case (byte)'D':
                    LineFeed();
                    break;
                case (byte)'E':
                    _column = 0;
                    LineFeed();
                    break;
                case (byte)'M':
                    ReverseIndex();
                    break;
                case (byte)'c':
                    Reset();
                    break;
                case (byte)']': // OSC ... up to BEL or ST (ESC \): dropped
                    _state = State.Osc;
                    break;
                case (byte)'(':
                case (byte)')':
                case (byte)'#':
                case (byte)'%':
                    _state = State.Ignore;
                    break;
            }
        }

        private int Param(int index, int defaultValue)
        {
            int v = index < _paramCount ? _params[index] : 0;
            return v == 0 ? defaultValue : v;
        }

        private void Csi(byte b)
        {
            if (b >= '0' && b <= '9')
            {
                if (_paramCount == 0)
                    _paramCount = 1;
                ref int p = ref _params[_paramCount - 1];
                if (p < 10000)
                    p = p * 10 + (b - '0');
                return;
            }
            if (b == ';')
            {
                if (_paramCount == 0)
                    _paramCount = 1;
                if (_paramCount < MaxParameters)
                    _paramCount++;
                return;
            }
            if (b == '?' || b == '>' || b == '=')
            {
                _private = true;
                return;
            }
            if (b < 0x40 || b > 0x7E)
                return; // intermediate bytes: ignored
            _state = State.Normal;
            switch (b)
            {
                case (byte)'A': MoveTo(_row - Param(0, 1), _column, true); break;
                case (byte)'B':
                case (byte)'e': MoveTo(_row + Param(0, 1), _column, true); break;
                case (byte)'C':
                case (byte)'a': MoveTo(_row, _column + Param(0, 1), false); break;
                case (byte)'D': MoveTo(_row, _column - Param(0, 1), false); break;
                case (byte)'E': MoveTo(_row + Param(0, 1), 0, true); break;
                case (byte)'F': MoveTo(_row - Param(0, 1), 0, true); break;
                case (byte)'G':
                case (byte)'`': MoveTo(_row, Param(0, 1) - 1, false); break;
                case (byte)'d': MoveTo(Param(0, 1) - 1, _column, false); break;
                case (byte)'H':
                case (byte)'f': MoveTo(Param(0, 1) - 1, Param(1, 1) - 1, false); break;
                case (byte)'J': EraseDisplay(Param(0, 0)); break;
                case (byte)'K': EraseLine(Param(0, 0)); break;
                case (byte)'L': InsertLines(Param(0, 1)); break;
                case (byte)'M': DeleteLines(Param(0, 1)); break;
                case (byte)'P': DeleteChars(Param(0, 1)); break;
                case (byte)'@': InsertChars(Param(0, 1)); break;
                case (byte)'X':
                    {
                        int n = Math.Min(Param(0, 1), Columns - _column);
                        Clear(_row * Columns + _column, n);
                        break;
                    }
                case (byte)'m': Sgr(); break;
                case (byte)'r':
                    {
                        int top = Param(0, 1) - 1, bottom = Param(1, Rows) - 1;
                        if (top < bottom && bottom < Rows)
                        {
                            _top = top;
                            _bottom = bottom;
                            MoveTo(0, 0, false);
                        }
                        break;
                    }
                case (byte)'s': SaveCursor(); break;
                case (byte)'u': RestoreCursor(); break;
                case (byte)'h':
                case (byte)'l':
                    if (_private && Param(0, 0) == 25)
                    {
                        CursorVisible = b == 'h';
                        _dirty[_row] = true;
                    }
                    break;
                    // 'n' (status reports) is answered by the serial terminal the console also goes to.
            }
        }

        private void Sgr()
        {
            if (_paramCount == 0)
                _paramCount = 1; // ESC [ m is ESC [ 0 m
            for (int i = 0; i < _paramCount; i++)
            {
                int p = _params[i];
                if (p == 0)
                {
                    _fg = 7;
                    _bg = 0;
                    _flags = 0;
                }
                else if (p == 1)
                    _flags |= 1;
                else if (p == 7)
                    _flags |= 2;
                else if (p == 22)
                    _flags &= 0xFE;
                else if (p == 27)
                    _flags &= 0xFD;
                else if (p >= 30 && p <= 37)
                    _fg = (byte)(p - 30);
                else if (p == 39)
                    _fg = 7;
                else if (p >= 40 && p <= 47)
                    _bg = (byte)(p - 40);
                else if (p == 49)
                    _bg = 0;
                else if (p >= 90 && p <= 97)
                    _fg = (byte)(p - 90 + 8);
                else if (p >= 100 && p <= 107)
                    _bg = (byte)(p - 100 + 8);
                else if ((p == 38 || p == 48) && i + 1 < _paramCount)
                    i += _params[i + 1] == 5 ? 2 : _params[i + 1] == 2 ? 4 : 1; // 256-colour and RGB forms: skipped
            }
        }

        /// <summary>The attribute new characters get: colours with bold brightening and reverse swapping.</summary>
        private byte Attribute
        {
            get
            {
                int fg = _fg, bg = _bg;
                if ((_flags & 1) != 0 && fg < 8)
                    fg += 8;
                if ((_flags & 2) != 0)
                {
                    int swap = fg;
                    fg = bg;
                    bg = swap;
                }
                return (byte)(bg << 4 | fg);
            }
        }

        private void Put(byte c)
        {
            if (_wrapPending)
            {
                _column = 0;
                LineFeed();
            }
            int at = _row * Columns + _column;
            _chars[at] = c;
            _attrs[at] = Attribute;
            _dirty[_row] = true;
            if (_column == Columns - 1)
                _wrapPending = true;
            else
                _column++;
        }

        private void MoveTo(int row, int column, bool withinRegion)
        {
            int top = withinRegion && _row >= _top && _row <= _bottom ? _top : 0;
            int bottom = withinRegion && _row >= _top && _row <= _bottom ? _bottom : Rows - 1;
            _row = Math.Clamp(row, top, bottom);
            _column = Math.Clamp(column, 0, Columns - 1);
            _wrapPending = false;
            _dirty[_row] = true;
        }

        private void LineFeed()
        {
            _wrapPending = false;
            _dirty[_row] = true;
            if (_row == _bottom)
                ScrollUp(_top, _bottom, 1);
            else if (_row < Rows - 1)
                _row++;
            _dirty[_row] = true;
        }

        private void ReverseIndex()
        {
            _wrapPending = false;
            _dirty[_row] = true;
            if (_row == _top)
                ScrollDown(_top, _bottom, 1);
            else if (_row > 0)
                _row--;
            _dirty[_row] = true;
        }

        private void ScrollUp(int top, int bottom, int n)
        {
            n = Math.Min(n, bottom - top + 1);
            int keep = (bottom - top + 1 - n) * Columns;
            Array.Copy(_chars, (top + n) * Columns, _chars, top * Columns, keep);
            Array.Copy(_attrs, (top + n) * Columns, _attrs, top * Columns, keep);
            Clear((bottom - n + 1) * Columns, n * Columns);
            for (int r = top; r <= bottom; r++)
                _dirty[r] = true;
        }

        private void ScrollDown(int top, int bottom, int n)
        {
            n = Math.Min(n, bottom - top + 1);
            int keep = (bottom - top + 1 - n) * Columns;
            Array.Copy(_chars, top * Columns, _chars, (top + n) * Columns, keep);
            Array.Copy(_attrs, top * Columns, _attrs, (top + n) * Columns, keep);
            Clear(top * Columns, n * Columns);
            for (int r = top; r <= bottom; r++)
                _dirty[r] = true;
        }

        private void InsertLines(int n)
        {
            if (_row < _top || _row > _bottom)
                return;
            ScrollDown(_row, _bottom, n);
            _column = 0;
            _wrapPending = false;
        }

        private void DeleteLines(int n)
        {
            if (_row < _top || _row > _bottom)
                return;
            ScrollUp(_row, _bottom, n);
            _column = 0;
            _wrapPending = false;
        }

        private void DeleteChars(int n)
        {
            int start = _row * Columns;
            n = Math.Min(n, Columns - _column);
            Array.Copy(_chars, start + _column + n, _chars, start + _column, Columns - _column - n);
            Array.Copy(_attrs, start + _column + n, _attrs, start + _column, Columns - _column - n);
            Clear(start + Columns - n, n);
            _wrapPending = false;
        }

        private void InsertChars(int n)
        {
            int start = _row * Columns;
            n = Math.Min(n, Columns - _column);
            Array.Copy(_chars, start + _column, _chars, start + _column + n, Columns - _column - n);
            Array.Copy(_attrs, start + _column, _attrs, start + _column + n, Columns - _column - n);
            Clear(start + _column, n);
            _wrapPending = false;
        }

        private void EraseDisplay(int mode)
        {
            int at = _row * Columns + _column;
            if (mode == 0)
                Clear(at, _chars.Length - at);
            else if (mode == 1)
                Clear(0, at + 1);
            else
                Clear(0, _chars.Length);
        }

        private void EraseLine(int mode)
        {
            int start = _row * Columns;
            if (mode == 0)
                Clear(start + _column, Columns - _column);
            else if (mode == 1)
                Clear(start, _column + 1);
            else
                Clear(start, Columns);
        }

        /// <summary>Blanks cells with the current background, as the Linux console erases.</summary>
        private void Clear(int start, int count)
        {
            byte attr = (byte)(_bg << 4 | 7);
            for (int i = start; i < start + count; i++)
            {
                _chars[i] = (byte)' ';
                _attrs[i] = attr;
            }
            if (count > 0)
                for (int r = start / Columns; r <= (start + count - 1) / Columns; r++)
                    _dirty[r] = true;
        }

        private void SaveCursor()
        {
            _savedRow = _row;
            _savedColumn = _column;
            _savedFg = _fg;
            _savedBg = _bg;
            _savedFlags = _flags;
        }

        private void RestoreCursor()
        {
            _row = Math.Min(_savedRow, Rows - 1);
            _column = Math.Min(_savedColumn, Columns - 1);
            _fg = _savedFg;
            _bg = _savedBg;
            _flags = _savedFlags;
            _wrapPending = false;
            _dirty[_row] = true;
        }
    }
}
