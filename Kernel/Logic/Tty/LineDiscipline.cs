using System;
using Kernel.Logic.Process;

namespace Kernel.Logic.Tty
{
    /// <summary>
    /// Linux's N_TTY line discipline (drivers/tty/n_tty.c) for one terminal: input mapping
    /// (ISTRIP, IUCLC, IGNCR, ICRNL, INLCR), flow control (IXON, IXANY), signal characters (ISIG),
    /// canonical editing (ERASE, WERASE, KILL, EOF, EOL, EOL2, LNEXT, REPRINT) with Linux's echo
    /// (ECHO, ECHOE, ECHOK, ECHOKE, ECHOCTL, ECHOPRT, ECHONL, tab-aware erase), non-canonical reads
    /// with VMIN/VTIME, and output processing (OPOST, ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, XTABS).
    /// Not thread-safe: the caller serialises Receive, Read and output (one lock per terminal).
    /// One object, no other allocations; the owner frees it with Owned.Free.
    /// </summary>
    public sealed unsafe class LineDiscipline
    {
        /// <summary>Input buffer size (N_TTY_BUF_SIZE). A canonical line holds at most BufferSize - 1 characters.</summary>
        public const int BufferSize = 4096;
        private const int Mask = BufferSize - 1;
        private const int EchoChunk = 128;
        private const byte LineEndNone = 0, LineEndData = 1, LineEndEof = 2;

        private struct Storage
        {
            public fixed byte Data[BufferSize];
            public fixed byte LineEnd[BufferSize];
            public fixed byte Echo[EchoChunk];
        }

        private readonly ITtyOutput _output;
        private Storage _s;
        private Termios _termios;
        // Monotonic positions (wrapped with Mask on access): unread data is [_readTail, _readHead),
        // complete canonical lines end before _canonHead, the line being read began at _lineStart.
        private long _readTail, _readHead, _canonHead, _lineStart;
        private bool _lnext, _erasing, _stopped;
        private int _column, _canonColumn, _echoCount;
        private byte _intr, _quit, _erase, _kill, _eof, _eol, _eol2, _start, _stop, _susp, _reprint, _werase, _lnextChar;
        private int _vmin, _vtime;

        public LineDiscipline(ITtyOutput output, in Termios termios)
        {
            _output = output;
            SetTermios(termios);
        }

        /// <summary>The current settings (TCGETS).</summary>
        public Termios Termios => _termios;

        /// <summary>TIOCGWINSZ/TIOCSWINSZ (the caller sends SIGWINCH to the foreground group when it changes).</summary>
        public WinSize WindowSize { get; set; }

        /// <summary>Output stopped by VSTOP (IXON) or TCXONC: writers should wait until it clears.</summary>
        public bool OutputStopped => _stopped;

        /// <summary>
        /// The most bytes one byte of output can become under the current settings (OPOST: ONLCR makes
        /// two of a newline, XTABS up to eight spaces of a tab): a writer into a bounded buffer passes at
        /// most room / OutputExpansion bytes to <see cref="ProcessOutput"/> so nothing is lost.
        /// </summary>
        public int OutputExpansion => !O(Termios.OPOST) ? 1 : (_termios.Oflag & Termios.TABDLY) == Termios.XTABS ? 8 : 2;

        /// <summary>The output column Linux tracks for tab and erase echo.</summary>
        public int Column => _column;

        /// <summary>
        /// TCSETS: new settings. Leaving canonical mode makes the partial line readable at once;
        /// entering it with unread data turns that data into a line (Linux's "push"). TCSETSF's
        /// flush is <see cref="FlushInput"/>.
        /// </summary>
        public void SetTermios(in Termios termios)
        {
            bool wasCanonical = (_termios.Lflag & Termios.ICANON) != 0;
            _termios = termios;
            fixed (byte* cc = _termios.Cc)
            {
                _intr = cc[Termios.VINTR];
                _quit = cc[Termios.VQUIT];
                _erase = cc[Termios.VERASE];
                _kill = cc[Termios.VKILL];
                _eof = cc[Termios.VEOF];
                _eol = cc[Termios.VEOL];
                _eol2 = cc[Termios.VEOL2];
                _start = cc[Termios.VSTART];
                _stop = cc[Termios.VSTOP];
                _susp = cc[Termios.VSUSP];
                _reprint = cc[Termios.VREPRINT];
                _werase = cc[Termios.VWERASE];
                _lnextChar = cc[Termios.VLNEXT];
                _vmin = cc[Termios.VMIN];
                _vtime = cc[Termios.VTIME];
            }
            bool canonical = Canonical;
            if (canonical != wasCanonical)
            {
                fixed (byte* flags = _s.LineEnd)
                {
                    for (long p = _readTail; p != _readHead; p++)
                        flags[p & Mask] = LineEndNone;
                    if (canonical && _readHead != _readTail)
                        flags[(_readHead - 1) & Mask] = LineEndData;
                }
                _canonHead = canonical ? _readHead : _readTail;
                _lineStart = _readTail;
                _erasing = false;
                _lnext = false;
            }
            if ((_termios.Iflag & Termios.IXON) == 0)
                _stopped = false;
        }

        private bool Canonical => (_termios.Lflag & Termios.ICANON) != 0;
        private bool L(uint flag) => (_termios.Lflag & flag) != 0;
        private bool I(uint flag) => (_termios.Iflag & flag) != 0;
        private bool O(uint flag) => (_termios.Oflag & flag) != 0;

        /// <summary>TCFLSH(TCIFLUSH), and what a signal character does without NOFLSH: all unread input is dropped.</summary>
        public void FlushInput()
        {
            fixed (byte* flags = _s.LineEnd)
                for (long p = _readTail; p != _readHead; p++)
                    flags[p & Mask] = LineEndNone;
            _readTail = _readHead = _canonHead = _lineStart = 0;
            _erasing = false;
            _lnext = false;
        }

        /// <summary>TCXONC TCOOFF / TCOON: stop or restart output as VSTOP/VSTART would.</summary>
        public void StopOutput(bool stop) => _stopped = stop;

        // ---------------------------------------------------------------- input

        /// <summary>
        /// One received character. Echo is written to the output before this returns. Returns the
        /// signal to send to the terminal's foreground process group (SIGINT, SIGQUIT, SIGTSTP) or 0.
        /// </summary>
        public int Receive(byte c)
        {
            int signal = ReceiveCore(c);
            FlushEcho();
            return signal;
        }

        /// <summary>Several received characters; returns the last signal raised (0 if none).</summary>
        public int Receive(ReadOnlySpan<byte> input)
        {
            int signal = 0;
            for (int i = 0; i < input.Length; i++)
            {
                int s = ReceiveCore(input[i]);
                if (s != 0)
                    signal = s;
            }
            FlushEcho();
            return signal;
        }

        private int ReceiveCore(byte c)
        {
            if (I(Termios.ISTRIP))
                c &= 0x7f;
            if (I(Termios.IUCLC) && L(Termios.IEXTEN))
                c = ToLower(c);
            if (_lnext)
            {
                _lnext = false;
                NormalChar(c);
                return 0;
            }
            if (IsSpecial(c))
                return SpecialChar(c);
            NormalChar(c);
            return 0;
        }

        /// <summary>Linux's char_map: the characters that take the slow path in the current mode (0 never does: it disables a c_cc slot).</summary>
        private bool IsSpecial(byte c)
        {
            if (c == 0)
                return false;
            if (c == '\r' && (I(Termios.IGNCR) || I(Termios.ICRNL)))
                return true;
            if (c == '\n' && I(Termios.INLCR))
                return true;
            if (Canonical)
            {
                if (c == _erase || c == _kill || c == _eof || c == '\n' || c == _eol)
                    return true;
                if (L(Termios.IEXTEN) && (c == _werase || c == _lnextChar || c == _eol2 || (L(Termios.ECHO) && c == _reprint)))
                    return true;
            }
            if (I(Termios.IXON) && (c == _start || c == _stop))
                return true;
            if (L(Termios.ISIG) && (c == _intr || c == _quit || c == _susp))
                return true;
            return false;
        }

        private int SpecialChar(byte c)
        {
            if (I(Termios.IXON) && (c == _start || c == _stop))
            {
                _stopped = c != _start;
                return 0;
            }
            if (L(Termios.ISIG))
            {
                if (c == _intr)
                    return SignalChar(Signals.SIGINT, c);
                if (c == _quit)
                    return SignalChar(Signals.SIGQUIT, c);
                if (c == _susp)
                    return SignalChar(Signals.SIGTSTP, c);
            }
            if (_stopped && I(Termios.IXON) && I(Termios.IXANY))
                _stopped = false;
            if (c == '\r')
            {
                if (I(Termios.IGNCR))
                    return 0;
                if (I(Termios.ICRNL))
                    c = (byte)'\n';
            }
            else if (c == '\n' && I(Termios.INLCR))
                c = (byte)'\r';

            if (Canonical)
            {
                if (c == _erase || c == _kill || (c == _werase && L(Termios.IEXTEN)))
                {
                    Eraser(c);
                    return 0;
                }
                if (c == _lnextChar && L(Termios.IEXTEN))
                {
                    _lnext = true;
                    if (L(Termios.ECHO))
                    {
                        FinishErasing();
                        if (L(Termios.ECHOCTL))
                        {
                            EchoRaw((byte)'^');
                            EchoRaw((byte)'\b');
                        }
                    }
                    return 0;
                }
                if (c == _reprint && L(Termios.ECHO) && L(Termios.IEXTEN))
                {
                    FinishErasing();
                    EchoChar(c);
                    EchoRaw((byte)'\n');
                    for (long p = _canonHead; p != _readHead; p++)
                        EchoChar(_s.Data[p & Mask]);
                    return 0;
                }
                if (c == '\n')
                {
                    if (L(Termios.ECHO) || L(Termios.ECHONL))
                        EchoRaw((byte)'\n');
                    EndLine(c, LineEndData);
                    return 0;
                }
                if (c == _eof)
                {
                    EndLine(0, LineEndEof);
                    return 0;
                }
                if (c == _eol || (c == _eol2 && L(Termios.IEXTEN)))
                {
                    if (L(Termios.ECHO))
                    {
                        if (_canonHead == _readHead)
                            _canonColumn = _column;
                        EchoChar(c);
                    }
                    EndLine(c, LineEndData);
                    return 0;
                }
            }

            if (L(Termios.ECHO))
            {
                FinishErasing();
                if (c == '\n')
                    EchoRaw((byte)'\n');
                else
                {
                    if (_canonHead == _readHead)
                        _canonColumn = _column;
                    EchoChar(c);
                }
            }
            Put(c);
            return 0;
        }

        private void NormalChar(byte c)
        {
            if (_stopped && I(Termios.IXON) && I(Termios.IXANY))
                _stopped = false;
            if (L(Termios.ECHO))
            {
                FinishErasing();
                if (_canonHead == _readHead)
                    _canonColumn = _column;
                EchoChar(c);
            }
            Put(c);
        }

        private int SignalChar(int signal, byte c)
        {
            if (!L(Termios.NOFLSH))
            {
                // Echo not yet written (earlier characters of the same batch) goes with the input.
                _echoCount = 0;
                FlushInput();
            }
            if (I(Termios.IXON))
                _stopped = false;
            if (L(Termios.ECHO))
                EchoChar(c);
            return signal;
        }

        private long Count => _readHead - _readTail;

        /// <summary>
        /// Whether the input buffer takes more characters now. When it does not, the driver leaves them
        /// in the UART until a read makes room (Linux throttles the port rather than drop input: n_tty's
        /// receive room). In canonical mode a full buffer holding no complete line still takes input
        /// (characters are dropped but line ends kept), so a reader can never be deadlocked.
        /// </summary>
        public bool HasRoom => Count < (Canonical ? BufferSize - 1 : BufferSize) || (Canonical && _canonHead == _readTail);

        /// <summary>Queues a character. A full buffer drops it; in canonical mode the last slot is kept for the line end.</summary>
        private void Put(byte c)
        {
            if (Count >= (Canonical ? BufferSize - 1 : BufferSize))
                return;
            _s.Data[_readHead & Mask] = c;
            _s.LineEnd[_readHead & Mask] = LineEndNone;
            _readHead++;
            if (!Canonical)
                _canonHead = _readHead;
        }

        private void EndLine(byte c, byte kind)
        {
            if (Count >= BufferSize)
                return;
            _s.Data[_readHead & Mask] = c;
            _s.LineEnd[_readHead & Mask] = kind;
            _readHead++;
            _canonHead = _readHead;
        }

        private bool IsContinuation(byte c) => I(Termios.IUTF8) && (c & 0xc0) == 0x80;

        /// <summary>ERASE, WERASE and KILL with Linux's echo (n_tty.c eraser).</summary>
        private void Eraser(byte c)
        {
            if (_readHead == _canonHead)
                return;
            int kind; // 0 erase, 1 werase, 2 kill
            if (c == _erase)
                kind = 0;
            else if (c == _werase)
                kind = 1;
            else
            {
                if (!L(Termios.ECHO))
                {
                    _readHead = _canonHead;
                    return;
                }
                if (!L(Termios.ECHOK) || !L(Termios.ECHOKE) || !L(Termios.ECHOE))
                {
                    _readHead = _canonHead;
                    FinishErasing();
                    EchoChar(_kill);
                    if (L(Termios.ECHOK))
                        EchoRaw((byte)'\n');
                    return;
                }
                kind = 2;
            }

            int seenAlnums = 0;
            while (_readHead != _canonHead)
            {
                long head = _readHead;
                byte ch;
                do
                {
                    head--;
                    ch = _s.Data[head & Mask];
                } while (IsContinuation(ch) && head != _canonHead);
                if (IsContinuation(ch))
                    break;
                if (kind == 1)
                {
                    if (IsAlnum(ch) || ch == '_')
                        seenAlnums++;
                    else if (seenAlnums != 0)
                        break;
                }
                long count = _readHead - head;
                _readHead = head;
                if (L(Termios.ECHO))
                {
                    if (L(Termios.ECHOPRT))
                    {
                        if (!_erasing)
                        {
                            EchoRaw((byte)'\\');
                            _erasing = true;
                        }
                        EchoChar(ch);
                        while (--count > 0)
                        {
                            head++;
                            EchoRaw(_s.Data[head & Mask]);
                            if (_column > 0)
                                _column--;
                        }
                    }
                    else if (kind == 0 && !L(Termios.ECHOE))
                        EchoChar(_erase);
                    else if (ch == '\t')
                    {
                        int chars = 0;
                        bool afterTab = false;
                        for (long tail = _readHead; tail != _canonHead;)
                        {
                            tail--;
                            byte t = _s.Data[tail & Mask];
                            if (t == '\t')
                            {
                                afterTab = true;
                                break;
                            }
                            if (IsCntrl(t))
                            {
                                if (L(Termios.ECHOCTL))
                                    chars += 2;
                            }
                            else if (!IsContinuation(t))
                                chars++;
                        }
                        if (!afterTab)
                            chars += _canonColumn;
                        for (int n = 8 - (chars & 7); n > 0; n--)
                        {
                            EchoByte((byte)'\b');
                            if (_column > 0)
                                _column--;
                        }
                    }
                    else
                    {
                        if (IsCntrl(ch) && L(Termios.ECHOCTL))
                            EraseOneColumn();
                        if (!IsCntrl(ch) || L(Termios.ECHOCTL))
                            EraseOneColumn();
                    }
                }
                if (kind == 0)
                    break;
            }
            if (_readHead == _canonHead && L(Termios.ECHO))
                FinishErasing();
        }

        private void EraseOneColumn()
        {
            EchoRaw((byte)'\b');
            EchoRaw((byte)' ');
            EchoRaw((byte)'\b');
        }

        private void FinishErasing()
        {
            if (_erasing)
            {
                EchoRaw((byte)'/');
                _erasing = false;
            }
        }

        // ---------------------------------------------------------------- echo

        /// <summary>echo_char: a control character as ^X with ECHOCTL (tab excepted), else like output.</summary>
        private void EchoChar(byte c)
        {
            if (L(Termios.ECHOCTL) && IsCntrl(c) && c != '\t')
            {
                EchoByte((byte)'^');
                EchoByte((byte)(c ^ 0x40));
                _column += 2;
            }
            else
                EchoRaw(c);
        }

        /// <summary>echo_char_raw: the character through output processing (OPOST).</summary>
        private void EchoRaw(byte c)
        {
            if (!O(Termios.OPOST))
            {
                EchoByte(c);
                return;
            }
            OutputChar(c, true);
        }

        private void EchoByte(byte c)
        {
            if (_echoCount == EchoChunk)
                FlushEcho();
            _s.Echo[_echoCount++] = c;
        }

        private void FlushEcho()
        {
            if (_echoCount == 0)
                return;
            int n = _echoCount;
            _echoCount = 0;
            fixed (byte* echo = _s.Echo)
                _output.Write(new ReadOnlySpan<byte>(echo, n));
        }

        // ---------------------------------------------------------------- output

        /// <summary>
        /// Writes program output to the terminal with output processing (OPOST: ONLCR \n -> \r\n,
        /// OCRNL, ONOCR, ONLRET, OLCUC, XTABS). Returns the number of bytes consumed (all of them).
        /// Callers honour <see cref="OutputStopped"/> themselves.
        /// </summary>
        public int ProcessOutput(ReadOnlySpan<byte> data)
        {
            FlushEcho();
            if (!O(Termios.OPOST))
            {
                _output.Write(data);
                return data.Length;
            }
            for (int i = 0; i < data.Length; i++)
                OutputChar(data[i], false);
            FlushEcho();
            return data.Length;
        }

        /// <summary>do_output_char: one character with OPOST processing and column tracking, into the echo/output chunk.</summary>
        private void OutputChar(byte c, bool echo)
        {
            switch (c)
            {
                case (byte)'\n':
                    if (O(Termios.ONLRET))
                        _column = 0;
                    if (O(Termios.ONLCR))
                    {
                        _canonColumn = _column = 0;
                        EchoByte((byte)'\r');
                        EchoByte((byte)'\n');
                        return;
                    }
                    _canonColumn = _column;
                    break;
                case (byte)'\r':
                    if (O(Termios.ONOCR) && _column == 0)
                        return;
                    if (O(Termios.OCRNL))
                    {
                        c = (byte)'\n';
                        if (O(Termios.ONLRET))
                            _canonColumn = _column = 0;
                        break;
                    }
                    _canonColumn = _column = 0;
                    break;
                case (byte)'\t':
                    int spaces = 8 - (_column & 7);
                    _column += spaces;
                    if ((_termios.Oflag & Termios.TABDLY) == Termios.XTABS)
                    {
                        for (; spaces > 0; spaces--)
                            EchoByte((byte)' ');
                        return;
                    }
                    break;
                case (byte)'\b':
                    if (_column > 0)
                        _column--;
                    break;
                default:
                    if (!IsCntrl(c))
                    {
                        if (O(Termios.OLCUC))
                            c = ToUpper(c);
                        if (!IsContinuation(c))
                            _column++;
                    }
                    break;
            }
            EchoByte(c);
        }

        // ---------------------------------------------------------------- reading

        /// <summary>
        /// Bytes a read may take now: canonical mode, those of complete lines (EOF marks not
        /// counted; FIONREAD/TIOCINQ); otherwise everything queued.
        /// </summary>
        public int ReadableNow
        {
            get
            {
                if (!Canonical)
                    return (int)Count;
                int n = 0;
                for (long p = _readTail; p != _canonHead; p++)
                    if (_s.LineEnd[p & Mask] != LineEndEof)
                        n++;
                return n;
            }
        }

        /// <summary>
        /// Whether poll reports the terminal readable: a complete line (or EOF) in canonical mode;
        /// otherwise VMIN bytes when VTIME is 0 and VMIN &gt; 0, else one byte.
        /// </summary>
        public bool PollReadable
        {
            get
            {
                if (Canonical)
                    return _canonHead != _readTail;
                int amount = _vtime == 0 && _vmin > 0 ? _vmin : 1;
                return Count >= amount;
            }
        }

        /// <summary>Non-canonical VMIN (0 in canonical mode).</summary>
        public int MinChars => Canonical ? 0 : _vmin;

        /// <summary>
        /// Non-canonical VTIME in tenths of a second (0 = no timer; always 0 in canonical mode).
        /// With VMIN &gt; 0 it is an inter-byte timer: it starts once a byte is queued and restarts
        /// with each byte; with VMIN = 0 it bounds the wait for the first byte.
        /// </summary>
        public int TimeoutDeciseconds => Canonical ? 0 : _vtime;

        /// <summary>
        /// A read that never blocks itself. Canonical: at most one line (its newline, EOL or EOL2
        /// included; an EOF mark is not returned): 0 for EOF (^D at the start of a line), -EAGAIN
        /// when no line is complete. Non-canonical: with VMIN = VTIME = 0 whatever is queued
        /// (possibly 0); otherwise the queued bytes once there are min(VMIN, buffer.Length) of them
        /// (<paramref name="nonBlocking"/>: once there is one, as Linux does for O_NONBLOCK), else
        /// -EAGAIN. On -EAGAIN an O_NONBLOCK reader gets EAGAIN; a blocking one sleeps until input
        /// arrives (then tries again) or, with <see cref="TimeoutDeciseconds"/> set, until the
        /// timer fires and then calls <see cref="ReadAfterTimeout"/>.
        /// </summary>
        public int Read(Span<byte> buffer, bool nonBlocking = false)
        {
            if (buffer.Length == 0)
                return 0;
            if (Canonical)
                return CanonicalRead(buffer);
            long available = Count;
            if (_vmin == 0)
            {
                if (available == 0 && _vtime != 0)
                    return -Errno.EAGAIN;
                return CopyRaw(buffer);
            }
            int need = nonBlocking ? 1 : _vmin < buffer.Length ? _vmin : buffer.Length;
            if (available < need)
                return -Errno.EAGAIN;
            return CopyRaw(buffer);
        }

        /// <summary>A non-canonical read whose VTIME timer expired: whatever is queued (0 if nothing).</summary>
        public int ReadAfterTimeout(Span<byte> buffer)
        {
            if (Canonical)
                return Read(buffer);
            return CopyRaw(buffer);
        }

        private int CopyRaw(Span<byte> buffer)
        {
            long n = Count < buffer.Length ? Count : buffer.Length;
            for (int i = 0; i < n; i++)
                buffer[i] = _s.Data[(_readTail + i) & Mask];
            _readTail += n;
            _canonHead = _readHead;
            _lineStart = _readTail;
            return (int)n;
        }

        private int CanonicalRead(Span<byte> buffer)
        {
            if (_readTail == _canonHead)
                return -Errno.EAGAIN;
            // The first line end within reach of the buffer.
            long limit = _canonHead - _readTail;
            if (limit > buffer.Length)
                limit = buffer.Length;
            long eol = -1;
            for (long i = 0; i < limit; i++)
            {
                if (_s.LineEnd[(_readTail + i) & Mask] != LineEndNone)
                {
                    eol = _readTail + i;
                    break;
                }
            }
            long copy;
            long consumed;
            if (eol < 0)
            {
                copy = limit;
                consumed = limit;
            }
            else
            {
                bool eof = _s.LineEnd[eol & Mask] == LineEndEof;
                consumed = eol - _readTail + 1;
                copy = eof ? consumed - 1 : consumed;
            }
            for (int i = 0; i < copy; i++)
                buffer[i] = _s.Data[(_readTail + i) & Mask];
            if (eol >= 0)
                _s.LineEnd[eol & Mask] = LineEndNone;
            _readTail += consumed;
            if (eol >= 0)
                _lineStart = _readTail;
            else if (copy == buffer.Length && _readTail != _canonHead && _s.LineEnd[_readTail & Mask] == LineEndEof)
            {
                // The buffer is full right before an EOF mark: skip it (canon_skip_eof), so the next read does not see EOF.
                _s.LineEnd[_readTail & Mask] = LineEndNone;
                _readTail++;
                _lineStart = _readTail;
            }
            if (_readTail == _readHead)
                _readTail = _readHead = _canonHead = _lineStart = 0;
            return (int)copy;
        }

        // ---------------------------------------------------------------- Linux's ctype (Latin-1)

        private static bool IsCntrl(byte c) => c < 0x20 || c == 0x7f;

        private static bool IsUpper(byte c) => (c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7);

        private static bool IsLower(byte c) => (c >= 'a' && c <= 'z') || (c >= 0xdf && c != 0xf7);

        private static bool IsAlnum(byte c) => (c >= '0' && c <= '9') || IsUpper(c) || IsLower(c);

        private static byte ToLower(byte c) => IsUpper(c) ? (byte)(c + 0x20) : c;

        private static byte ToUpper(byte c) => IsLower(c) ? (byte)(c - 0x20) : c;
    }
}
