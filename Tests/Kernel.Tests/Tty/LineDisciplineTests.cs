using System.Text;
using Kernel.Logic;
using Kernel.Logic.Process;
using Kernel.Logic.Tty;

namespace Kernel.Tests.Tty;

public class LineDisciplineTests
{
    private sealed class Capture : ITtyOutput
    {
        private readonly List<byte> _bytes = new();

        public void Write(ReadOnlySpan<byte> bytes) => _bytes.AddRange(bytes.ToArray());

        public byte[] Take()
        {
            byte[] b = _bytes.ToArray();
            _bytes.Clear();
            return b;
        }
    }

    /// <summary>Caret notation for typed keys: ^C is 0x03, ^? is DEL, ^M is CR, ^^ a literal caret, \xHH a byte.</summary>
    private static byte[] K(string keys)
    {
        var b = new List<byte>();
        for (int i = 0; i < keys.Length; i++)
        {
            char c = keys[i];
            if (c == '^' && i + 1 < keys.Length)
            {
                char n = keys[++i];
                b.Add(n == '^' ? (byte)'^' : n == '?' ? (byte)0x7f : (byte)(char.ToUpperInvariant(n) ^ 0x40));
            }
            else if (c == '\\' && i + 3 < keys.Length && keys[i + 1] == 'x')
            {
                b.Add(Convert.ToByte(keys.Substring(i + 2, 2), 16));
                i += 3;
            }
            else
                b.Add((byte)c);
        }
        return b.ToArray();
    }

    private static string Show(byte[] bytes)
    {
        var s = new StringBuilder();
        foreach (byte b in bytes)
        {
            if (b >= 0x20 && b < 0x7f && b != '\\')
                s.Append((char)b);
            else
                s.Append($"\\x{b:x2}");
        }
        return s.ToString();
    }

    /// <summary>One step of a terminal session: typing, a program's read or write, FIONREAD.</summary>
    private abstract record Step;
    private sealed record Keys(string Typed) : Step;
    private sealed record ReadBytes(int Size) : Step;
    private sealed record WriteText(string Text) : Step;
    private sealed record Fionread : Step;

    /// <summary>Runs the steps on our line discipline; <paramref name="replies"/> gets, per step, how many bytes it put on the wire.</summary>
    private static List<string> RunOurs(Termios termios, Step[] steps, List<int>? replies = null)
    {
        var capture = new Capture();
        var ld = new LineDiscipline(capture, termios);
        var log = new List<string>();
        foreach (Step step in steps)
        {
            switch (step)
            {
                case Keys t:
                    {
                        ld.Receive(K(t.Typed));
                        byte[] echo = capture.Take();
                        replies?.Add(echo.Length);
                        log.Add($"type {Show(K(t.Typed))} -> echo {Show(echo)}");
                        break;
                    }
                case ReadBytes r:
                    {
                        byte[] buffer = new byte[r.Size];
                        int n = ld.Read(buffer, nonBlocking: true);   // the host pty's slave is O_NONBLOCK
                        replies?.Add(0);
                        log.Add($"read({r.Size}) -> {n} {Show(n > 0 ? buffer[..n] : Array.Empty<byte>())}");
                        break;
                    }
                case WriteText w:
                    {
                        ld.ProcessOutput(Encoding.Latin1.GetBytes(w.Text));
                        byte[] wire = capture.Take();
                        replies?.Add(wire.Length);
                        log.Add($"write {Show(Encoding.Latin1.GetBytes(w.Text))} -> {Show(wire)}");
                        break;
                    }
                case Fionread:
                    replies?.Add(0);
                    log.Add($"fionread -> {ld.ReadableNow}");
                    break;
            }
        }
        return log;
    }

    /// <summary>
    /// Runs the steps on the host kernel's pty. Linux processes pty input in a worker, so what a step puts on
    /// the wire arrives some time later: each step waits for at least the bytes <paramref name="replies"/> says
    /// our line discipline produced (up to seconds, so a loaded host cannot cut a step's echo in two), then for
    /// quiet (so any extra byte Linux sends is still seen and fails the comparison).
    /// </summary>
    private static List<string> RunLinux(Termios termios, Step[] steps, IReadOnlyList<int> replies)
    {
        using var pty = new HostPty();
        pty.SetTermios(termios);
        var log = new List<string>();
        for (int i = 0; i < steps.Length; i++)
        {
            switch (steps[i])
            {
                case Keys t:
                    log.Add($"type {Show(K(t.Typed))} -> echo {Show(pty.Type(K(t.Typed), replies[i]))}");
                    break;
                case ReadBytes r:
                    {
                        var (n, data) = pty.Read(r.Size);
                        log.Add($"read({r.Size}) -> {n} {Show(data)}");
                        break;
                    }
                case WriteText w:
                    log.Add($"write {Show(Encoding.Latin1.GetBytes(w.Text))} -> {Show(pty.Output(Encoding.Latin1.GetBytes(w.Text), replies[i]))}");
                    break;
                case Fionread:
                    log.Add($"fionread -> {pty.Readable()}");
                    break;
            }
        }
        return log;
    }

    private static Termios Modified(uint iflagOn = 0, uint iflagOff = 0, uint oflagOn = 0, uint oflagOff = 0, uint lflagOn = 0, uint lflagOff = 0,
        int vmin = -1, int vtime = -1, int eol = -1)
    {
        Termios t = Termios.Standard();
        t.Iflag = (t.Iflag | iflagOn) & ~iflagOff;
        t.Oflag = (t.Oflag | oflagOn) & ~oflagOff;
        t.Lflag = (t.Lflag | lflagOn) & ~lflagOff;
        unsafe
        {
            if (vmin >= 0)
                t.Cc[Termios.VMIN] = (byte)vmin;
            if (vtime >= 0)
                t.Cc[Termios.VTIME] = (byte)vtime;
            if (eol >= 0)
                t.Cc[Termios.VEOL] = (byte)eol;
        }
        return t;
    }

    /// <summary>Sessions replayed on the host kernel's pty and on our line discipline; the transcripts must match.</summary>
    public static TheoryData<string> Sessions => new(SessionTable.Keys);

    private static readonly Dictionary<string, (Termios Termios, Step[] Steps)> SessionTable = new()
    {
        ["line"] = (Termios.Standard(), new Step[] { new Keys("hello"), new Fionread(), new Keys("^M"), new Fionread(), new ReadBytes(100), new ReadBytes(100) }),
        ["erase"] = (Termios.Standard(), new Step[] { new Keys("abc^?d^M"), new ReadBytes(100) }),
        ["erase-past-start"] = (Termios.Standard(), new Step[] { new Keys("a^?^?^?b^M"), new ReadBytes(100) }),
        ["werase"] = (Termios.Standard(), new Step[] { new Keys("one two  ^Wthree^M"), new ReadBytes(100), new Keys("ab-cd_e ^W^W^M"), new ReadBytes(100) }),
        ["kill-echoke"] = (Termios.Standard(), new Step[] { new Keys("abc^Uxy^M"), new ReadBytes(100) }),
        ["kill-echok"] = (Modified(lflagOff: Termios.ECHOKE), new Step[] { new Keys("abc^Uxy^M"), new ReadBytes(100) }),
        ["kill-no-echok"] = (Modified(lflagOff: Termios.ECHOKE | Termios.ECHOK), new Step[] { new Keys("abc^Uxy^M"), new ReadBytes(100) }),
        ["erase-without-echoe"] = (Modified(lflagOff: Termios.ECHOE), new Step[] { new Keys("ab^?c^M"), new ReadBytes(100) }),
        ["echoprt"] = (Modified(lflagOn: Termios.ECHOPRT, lflagOff: Termios.ECHOE), new Step[] { new Keys("abcd^?^?x^M"), new ReadBytes(100) }),
        ["control-chars"] = (Termios.Standard(), new Step[] { new Keys("a^Ab^?^?^?c^M"), new ReadBytes(100) }),
        ["no-echoctl"] = (Modified(lflagOff: Termios.ECHOCTL), new Step[] { new Keys("a^Ab^?^?z^M"), new ReadBytes(100) }),
        ["tabs"] = (Termios.Standard(), new Step[] { new Keys("ab\tc^?^?d^M"), new ReadBytes(100), new Keys("\t\t^?x^M"), new ReadBytes(100), new Keys("a^A\tb^?^?^M"), new ReadBytes(100) }),
        ["tab-after-output"] = (Termios.Standard(), new Step[] { new WriteText("prompt> "), new Keys("x\t^?^?y^M"), new ReadBytes(100) }),
        ["eof-empty"] = (Termios.Standard(), new Step[] { new Keys("^D"), new Fionread(), new ReadBytes(100), new ReadBytes(100) }),
        ["eof-after-text"] = (Termios.Standard(), new Step[] { new Keys("ab^D"), new Fionread(), new ReadBytes(100), new ReadBytes(100) }),
        ["eof-exact-buffer"] = (Termios.Standard(), new Step[] { new Keys("abc^D"), new ReadBytes(3), new ReadBytes(100), new Keys("^D"), new ReadBytes(100) }),
        ["small-reads"] = (Termios.Standard(), new Step[] { new Keys("abcdef^Mxy^M"), new ReadBytes(4), new ReadBytes(4), new ReadBytes(4), new ReadBytes(4) }),
        ["two-lines-one-read"] = (Termios.Standard(), new Step[] { new Keys("a^Mb^M"), new Fionread(), new ReadBytes(100), new ReadBytes(100), new ReadBytes(100) }),
        ["eol"] = (Modified(eol: ';'), new Step[] { new Keys("ab;cd^M"), new ReadBytes(100), new ReadBytes(100) }),
        ["intr"] = (Termios.Standard(), new Step[] { new Keys("abc^M"), new Keys("def^Cgh^M"), new ReadBytes(100), new ReadBytes(100) }),
        ["intr-typed"] = (Termios.Standard(), new Step[] { new Keys("abc^M"), new Keys("def"), new Keys("^C"), new Keys("gh^M"), new ReadBytes(100), new ReadBytes(100) }),
        ["quit-susp"] = (Termios.Standard(), new Step[] { new Keys("x^\\y^Zz^M"), new ReadBytes(100) }),
        ["quit-susp-typed"] = (Termios.Standard(), new Step[] { new Keys("x"), new Keys("^\\"), new Keys("y"), new Keys("^Z"), new Keys("z^M"), new ReadBytes(100) }),
        ["noflsh"] = (Modified(lflagOn: Termios.NOFLSH), new Step[] { new Keys("abc^Cd^M"), new ReadBytes(100) }),
        ["no-isig"] = (Modified(lflagOff: Termios.ISIG), new Step[] { new Keys("a^Cb^M"), new ReadBytes(100) }),
        ["lnext"] = (Termios.Standard(), new Step[] { new Keys("a^V^Cb^V^?^M"), new ReadBytes(100) }),
        ["reprint"] = (Termios.Standard(), new Step[] { new Keys("abc^Rd^M"), new ReadBytes(100) }),
        ["no-echo"] = (Modified(lflagOff: Termios.ECHO), new Step[] { new Keys("secret^?x^M"), new ReadBytes(100) }),
        ["echonl"] = (Modified(lflagOff: Termios.ECHO, lflagOn: Termios.ECHONL), new Step[] { new Keys("pw^M"), new ReadBytes(100) }),
        ["igncr"] = (Modified(iflagOn: Termios.IGNCR), new Step[] { new Keys("a^Mb^J"), new ReadBytes(100) }),
        ["no-icrnl"] = (Modified(iflagOff: Termios.ICRNL), new Step[] { new Keys("a^Mb^J"), new ReadBytes(100) }),
        ["inlcr"] = (Modified(iflagOff: Termios.ICRNL, iflagOn: Termios.INLCR), new Step[] { new Keys("a^Jb"), new Fionread(), new Keys("^M"), new ReadBytes(100) }),
        ["istrip-iuclc"] = (Modified(iflagOn: Termios.ISTRIP | Termios.IUCLC), new Step[] { new Keys("AbC\\xc1^M"), new ReadBytes(100) }),
        ["high-bytes"] = (Termios.Standard(), new Step[] { new Keys("\\xc3\\xa9\\xe2\\x80\\xa6^M"), new ReadBytes(100) }),
        ["utf8-erase"] = (Modified(iflagOn: Termios.IUTF8), new Step[] { new Keys("a\\xc3\\xa9\\xe2\\x82\\xac^?^?b^M"), new ReadBytes(100) }),
        ["raw"] = (Modified(lflagOff: Termios.ICANON), new Step[] { new Keys("ab"), new Fionread(), new ReadBytes(1), new ReadBytes(100), new ReadBytes(100), new Keys("^J^M^?^D"), new ReadBytes(100) }),
        ["raw-vmin"] = (Modified(lflagOff: Termios.ICANON, vmin: 4), new Step[] { new ReadBytes(100), new Keys("abc"), new ReadBytes(2), new ReadBytes(100), new Keys("d"), new ReadBytes(100) }),
        ["raw-vmin0"] = (Modified(lflagOff: Termios.ICANON, vmin: 0), new Step[] { new ReadBytes(100), new Keys("xy"), new ReadBytes(100) }),
        ["raw-vtime"] = (Modified(lflagOff: Termios.ICANON, vmin: 0, vtime: 1), new Step[] { new Keys("xy"), new ReadBytes(100) }),
        ["raw-no-echo-isig"] = (Modified(lflagOff: Termios.ICANON | Termios.ECHO, iflagOff: Termios.ICRNL), new Step[] { new Keys("a^Cb^M"), new ReadBytes(100) }),
        ["output-onlcr"] = (Termios.Standard(), new Step[] { new WriteText("one\ntwo\r\n\tx\n") }),
        ["output-raw"] = (Modified(oflagOff: Termios.OPOST), new Step[] { new WriteText("one\ntwo\r\n") }),
        ["output-xtabs"] = (Modified(oflagOn: Termios.XTABS), new Step[] { new WriteText("a\tbc\t\td\n") }),
        ["output-ocrnl-onocr-onlret"] = (Modified(oflagOn: Termios.OCRNL | Termios.ONOCR | Termios.ONLRET, oflagOff: Termios.ONLCR), new Step[] { new WriteText("\rab\rc\n\rd") }),
        ["output-olcuc"] = (Modified(oflagOn: Termios.OLCUC), new Step[] { new WriteText("Hello w\xe9!\n") }),
        ["prompt-then-erase"] = (Termios.Standard(), new Step[] { new WriteText("$ "), new Keys("l\ts^?^?^?^?x^M"), new ReadBytes(100) }),
    };

    [Theory]
    [MemberData(nameof(Sessions))]
    public void Session_matches_the_host_kernel(string name)
    {
        var (termios, steps) = SessionTable[name];
        var replies = new List<int>();
        List<string> ours = RunOurs(termios, steps, replies);
        List<string> linux = RunLinux(termios, steps, replies);
        Assert.Equal(string.Join("\n", linux), string.Join("\n", ours));
    }

    // ---- defaults ----

    [Fact]
    public unsafe void Standard_termios_is_what_a_fresh_linux_pty_has()
    {
        using var pty = new HostPty();
        Termios linux = Termios.Read(pty.GetTermiosBytes());
        Termios ours = Termios.Standard();
        Assert.Equal(linux.Iflag, ours.Iflag);
        Assert.Equal(linux.Oflag, ours.Oflag);
        Assert.Equal(linux.Lflag, ours.Lflag);
        // A pty's cflag is B38400 cs8 cread; a terminal's standard one adds hupcl.
        Assert.Equal(linux.Cflag | Termios.HUPCL, ours.Cflag);
        Assert.Equal(linux.Line, ours.Line);
        for (int i = 0; i < Termios.NCCS; i++)
            Assert.True(linux.Cc[i] == ours.Cc[i], $"c_cc[{i}]: linux {linux.Cc[i]}, ours {ours.Cc[i]}");
        // The struct round-trips byte for byte.
        byte[] bytes = pty.GetTermiosBytes();
        byte[] back = new byte[Termios.Size];
        linux.Write(back);
        Assert.Equal(bytes, back);
    }

    /// <summary>`stty -a` on the serial console of Debian's arm64 kernel (6.1) under qemu-system-aarch64 -M virt (PL011, console=ttyAMA0).</summary>
    private const string DebianConsoleStty = """
        speed 38400 baud; line = 0;
        intr = ^C; quit = ^\; erase = ^?; kill = ^U; eof = ^D; eol = <undef>;
        eol2 = <undef>; swtch = <undef>; start = ^Q; stop = ^S; susp = ^Z; rprnt = ^R;
        werase = ^W; lnext = ^V; flush = ^O; min = 1; time = 0;
        -parenb -parodd -cmspar cs8 hupcl -cstopb cread clocal -crtscts
        -ignbrk -brkint -ignpar -parmrk -inpck -istrip -inlcr -igncr icrnl ixon -ixoff
        -iuclc -ixany -imaxbel -iutf8
        opost -olcuc -ocrnl onlcr -onocr -onlret -ofill -ofdel nl0 cr0 tab0 bs0 vt0 ff0
        isig icanon iexten echo echoe echok -echonl -noflsh -xcase -tostop -echoprt
        echoctl echoke -flusho -extproc
        """;

    [Fact]
    public unsafe void Serial_console_matches_stty_on_a_linux_serial_console()
    {
        Termios t = Termios.SerialConsole();
        var flags = new Dictionary<string, (uint Field, uint Bit)>
        {
            ["parenb"] = (t.Cflag, Termios.PARENB),
            ["parodd"] = (t.Cflag, Termios.PARODD),
            ["hupcl"] = (t.Cflag, Termios.HUPCL),
            ["cstopb"] = (t.Cflag, Termios.CSTOPB),
            ["cread"] = (t.Cflag, Termios.CREAD),
            ["clocal"] = (t.Cflag, Termios.CLOCAL),
            ["crtscts"] = (t.Cflag, Termios.CRTSCTS),
            ["ignbrk"] = (t.Iflag, Termios.IGNBRK),
            ["brkint"] = (t.Iflag, Termios.BRKINT),
            ["ignpar"] = (t.Iflag, Termios.IGNPAR),
            ["parmrk"] = (t.Iflag, Termios.PARMRK),
            ["inpck"] = (t.Iflag, Termios.INPCK),
            ["istrip"] = (t.Iflag, Termios.ISTRIP),
            ["inlcr"] = (t.Iflag, Termios.INLCR),
            ["igncr"] = (t.Iflag, Termios.IGNCR),
            ["icrnl"] = (t.Iflag, Termios.ICRNL),
            ["ixon"] = (t.Iflag, Termios.IXON),
            ["ixoff"] = (t.Iflag, Termios.IXOFF),
            ["iuclc"] = (t.Iflag, Termios.IUCLC),
            ["ixany"] = (t.Iflag, Termios.IXANY),
            ["imaxbel"] = (t.Iflag, Termios.IMAXBEL),
            ["iutf8"] = (t.Iflag, Termios.IUTF8),
            ["opost"] = (t.Oflag, Termios.OPOST),
            ["olcuc"] = (t.Oflag, Termios.OLCUC),
            ["ocrnl"] = (t.Oflag, Termios.OCRNL),
            ["onlcr"] = (t.Oflag, Termios.ONLCR),
            ["onocr"] = (t.Oflag, Termios.ONOCR),
            ["onlret"] = (t.Oflag, Termios.ONLRET),
            ["ofill"] = (t.Oflag, Termios.OFILL),
            ["ofdel"] = (t.Oflag, Termios.OFDEL),
            ["isig"] = (t.Lflag, Termios.ISIG),
            ["icanon"] = (t.Lflag, Termios.ICANON),
            ["iexten"] = (t.Lflag, Termios.IEXTEN),
            ["echo"] = (t.Lflag, Termios.ECHO),
            ["echoe"] = (t.Lflag, Termios.ECHOE),
            ["echok"] = (t.Lflag, Termios.ECHOK),
            ["echonl"] = (t.Lflag, Termios.ECHONL),
            ["noflsh"] = (t.Lflag, Termios.NOFLSH),
            ["xcase"] = (t.Lflag, Termios.XCASE),
            ["tostop"] = (t.Lflag, Termios.TOSTOP),
            ["echoprt"] = (t.Lflag, Termios.ECHOPRT),
            ["echoctl"] = (t.Lflag, Termios.ECHOCTL),
            ["echoke"] = (t.Lflag, Termios.ECHOKE),
            ["flusho"] = (t.Lflag, Termios.FLUSHO),
            ["extproc"] = (t.Lflag, Termios.EXTPROC),
        };
        var words = DebianConsoleStty.Split(new[] { ' ', '\n', '\r' }, StringSplitOptions.RemoveEmptyEntries);
        int checkedFlags = 0;
        foreach (string w in words)
        {
            bool off = w.StartsWith('-');
            string name = off ? w[1..] : w;
            if (!flags.TryGetValue(name, out var f))
                continue;
            Assert.True(((f.Field & f.Bit) != 0) == !off, $"{w}");
            checkedFlags++;
        }
        Assert.Equal(flags.Count, checkedFlags);
        Assert.Equal(Termios.CS8, t.Cflag & Termios.CSIZE);
        Assert.Equal(Termios.B38400, t.Cflag & Termios.CBAUD);
        Assert.Equal(0u, t.Oflag & (Termios.NLDLY | Termios.CRDLY | Termios.TABDLY | Termios.BSDLY | Termios.VTDLY | Termios.FFDLY));

        var cc = new Dictionary<string, int>
        {
            ["intr"] = Termios.VINTR,
            ["quit"] = Termios.VQUIT,
            ["erase"] = Termios.VERASE,
            ["kill"] = Termios.VKILL,
            ["eof"] = Termios.VEOF,
            ["eol"] = Termios.VEOL,
            ["eol2"] = Termios.VEOL2,
            ["swtch"] = Termios.VSWTC,
            ["start"] = Termios.VSTART,
            ["stop"] = Termios.VSTOP,
            ["susp"] = Termios.VSUSP,
            ["rprnt"] = Termios.VREPRINT,
            ["werase"] = Termios.VWERASE,
            ["lnext"] = Termios.VLNEXT,
            ["flush"] = Termios.VDISCARD,
        };
        foreach (var m in System.Text.RegularExpressions.Regex.Matches(DebianConsoleStty, @"(\w+) = ([^;]+);").Cast<System.Text.RegularExpressions.Match>())
        {
            string name = m.Groups[1].Value, value = m.Groups[2].Value;
            if (name == "min")
                Assert.Equal(int.Parse(value), t.Cc[Termios.VMIN]);
            else if (name == "time")
                Assert.Equal(int.Parse(value), t.Cc[Termios.VTIME]);
            else if (cc.TryGetValue(name, out int index))
            {
                int expected = value == "<undef>" ? 0 : value == "^?" ? 0x7f : value[1] ^ 0x40;
                Assert.True(expected == t.Cc[index], $"{name} = {value}: ours {t.Cc[index]}");
            }
        }
    }

    // ---- behaviour beyond the shared transcripts ----

    [Fact]
    public void A_full_buffer_asks_the_driver_to_hold_input_until_a_read_makes_room()
    {
        // Complete lines fill the buffer: no room, so the UART keeps the rest (Linux throttles, never drops).
        var ld = new LineDiscipline(new Capture(), Termios.Standard());
        var line = System.Text.Encoding.ASCII.GetBytes(new string('x', 63) + "\n");
        int taken = 0;
        while (ld.HasRoom)
        {
            ld.Receive(line[taken % line.Length]);
            taken++;
        }
        Assert.Equal(LineDiscipline.BufferSize - 1, taken);
        var buffer = new byte[100];
        Assert.Equal(64, ld.Read(buffer));
        Assert.True(ld.HasRoom);
        // One line longer than the buffer: no complete line to read, so input is still taken
        // (and dropped past the buffer) rather than deadlocking the reader.
        var longLine = new LineDiscipline(new Capture(), Termios.Standard());
        for (int i = 0; i < LineDiscipline.BufferSize + 10; i++)
            longLine.Receive((byte)'y');
        Assert.True(longLine.HasRoom);
        // Raw mode: full means full.
        var raw = new LineDiscipline(new Capture(), Modified(lflagOff: Termios.ICANON));
        for (int i = 0; i < LineDiscipline.BufferSize; i++)
            raw.Receive((byte)'z');
        Assert.False(raw.HasRoom);
    }

    [Fact]
    public void Signal_characters_name_their_signals()
    {
        var ld = new LineDiscipline(new Capture(), Termios.Standard());
        Assert.Equal(Signals.SIGINT, ld.Receive(0x03));
        Assert.Equal(Signals.SIGQUIT, ld.Receive(0x1c));
        Assert.Equal(Signals.SIGTSTP, ld.Receive(0x1a));
        Assert.Equal(0, ld.Receive((byte)'a'));
        var noIsig = new LineDiscipline(new Capture(), Modified(lflagOff: Termios.ISIG));
        Assert.Equal(0, noIsig.Receive(0x03));
    }

    [Fact]
    public void Intr_flushes_complete_lines_too()
    {
        var ld = new LineDiscipline(new Capture(), Termios.Standard());
        ld.Receive(K("first^Msecond"));
        Assert.Equal(6, ld.ReadableNow);
        Assert.Equal(Signals.SIGINT, ld.Receive(0x03));
        Assert.Equal(0, ld.ReadableNow);
        Assert.Equal(-Errno.EAGAIN, ld.Read(new byte[10]));
    }

    [Fact]
    public void Ixon_stops_and_starts_output()
    {
        var ld = new LineDiscipline(new Capture(), Termios.Standard());
        ld.Receive(0x13);
        Assert.True(ld.OutputStopped);
        ld.Receive((byte)'a');
        Assert.True(ld.OutputStopped);   // no IXANY
        ld.Receive(0x11);
        Assert.False(ld.OutputStopped);
        Assert.Equal(0, ld.ReadableNow);
        ld.Receive(K("b^M"));
        Assert.Equal(3, ld.ReadableNow);   // "ab\n": ^S/^Q never reach the reader

        var any = new LineDiscipline(new Capture(), Modified(iflagOn: Termios.IXANY));
        any.Receive(0x13);
        any.Receive((byte)'z');
        Assert.False(any.OutputStopped);
        any.Receive(0x13);
        Assert.Equal(Signals.SIGINT, any.Receive(0x03));   // a signal character restarts output
        Assert.False(any.OutputStopped);
    }

    [Fact]
    public void Canonical_line_is_capped_and_still_ends()
    {
        var capture = new Capture();
        var ld = new LineDiscipline(capture, Termios.Standard());
        for (int i = 0; i < LineDiscipline.BufferSize + 100; i++)
            ld.Receive((byte)'x');
        Assert.Equal(0, ld.ReadableNow);
        ld.Receive((byte)'\r');
        Assert.Equal(LineDiscipline.BufferSize, ld.ReadableNow);
        byte[] buffer = new byte[LineDiscipline.BufferSize + 10];
        int n = ld.Read(buffer);
        Assert.Equal(LineDiscipline.BufferSize, n);
        Assert.Equal((byte)'\n', buffer[n - 1]);
        Assert.Equal(-Errno.EAGAIN, ld.Read(buffer));
        // Many lines through the ring: positions wrap correctly.
        for (int line = 0; line < 3000; line++)
        {
            ld.Receive(K($"line {line}^M"));
            n = ld.Read(buffer);
            Assert.Equal($"line {line}\n", Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    [Fact]
    public void Raw_reader_policy_is_exposed()
    {
        var ld = new LineDiscipline(new Capture(), Modified(lflagOff: Termios.ICANON, vmin: 3, vtime: 5));
        Assert.Equal(3, ld.MinChars);
        Assert.Equal(5, ld.TimeoutDeciseconds);
        ld.Receive((byte)'a');
        Assert.False(ld.PollReadable == false && ld.ReadableNow == 0);
        Assert.True(ld.PollReadable);          // with VTIME set, one byte makes poll readable
        Assert.Equal(-Errno.EAGAIN, ld.Read(new byte[10]));
        byte[] b = new byte[10];
        Assert.Equal(1, ld.ReadAfterTimeout(b));   // the inter-byte timer expired
        Assert.Equal((byte)'a', b[0]);
        Assert.Equal(0, ld.ReadAfterTimeout(b));

        var noTime = new LineDiscipline(new Capture(), Modified(lflagOff: Termios.ICANON, vmin: 3));
        noTime.Receive(K("ab"));
        Assert.False(noTime.PollReadable);     // VTIME 0: poll waits for VMIN bytes
        noTime.Receive((byte)'c');
        Assert.True(noTime.PollReadable);

        var canonical = new LineDiscipline(new Capture(), Termios.Standard());
        Assert.Equal(0, canonical.MinChars);
        Assert.Equal(0, canonical.TimeoutDeciseconds);
        Assert.False(canonical.PollReadable);
        canonical.Receive(0x04);
        Assert.True(canonical.PollReadable);   // EOF is readable
        Assert.Equal(0, canonical.ReadableNow);
        Assert.Equal(0, canonical.Read(b));
    }

    [Fact]
    public void Switching_modes_keeps_typed_input()
    {
        var ld = new LineDiscipline(new Capture(), Termios.Standard());
        ld.Receive(K("abc"));
        Assert.Equal(-Errno.EAGAIN, ld.Read(new byte[10]));
        ld.SetTermios(Modified(lflagOff: Termios.ICANON));
        byte[] b = new byte[10];
        Assert.Equal(2, ld.Read(b.AsSpan(0, 2)));
        // Back to canonical: the rest becomes a line at once (Linux's push).
        ld.SetTermios(Termios.Standard());
        Assert.Equal(1, ld.ReadableNow);
        Assert.Equal(1, ld.Read(b));
        Assert.Equal((byte)'c', b[0]);
        Assert.Equal(-Errno.EAGAIN, ld.Read(b));
        ld.Receive(K("x^?y^M"));
        Assert.Equal(2, ld.Read(b));
        Assert.Equal("y\n", Encoding.ASCII.GetString(b, 0, 2));
    }

    [Fact]
    public void Window_size_and_termios_structs()
    {
        var ld = new LineDiscipline(new Capture(), Termios.SerialConsole());
        Assert.Equal(0, ld.WindowSize.Rows);
        byte[] ws = { 24, 0, 80, 0, 0, 0, 0, 0 };
        ld.WindowSize = WinSize.Read(ws);
        Assert.Equal((24, 80), ((int)ld.WindowSize.Rows, (int)ld.WindowSize.Columns));
        byte[] back = new byte[WinSize.Size];
        ld.WindowSize.Write(back);
        Assert.Equal(ws, back);
        Assert.Equal(Termios.SerialConsole().Cflag, ld.Termios.Cflag);
        Assert.Equal(36, Termios.Size);
        Assert.Equal(8, WinSize.Size);
        Assert.Equal(36, System.Runtime.CompilerServices.Unsafe.SizeOf<Termios>());
    }

    [Fact]
    public void Flush_input_drops_everything()
    {
        var ld = new LineDiscipline(new Capture(), Termios.Standard());
        ld.Receive(K("a^Mbc"));
        ld.FlushInput();
        Assert.Equal(0, ld.ReadableNow);
        ld.Receive(K("^?d^M"));   // nothing left to erase
        byte[] b = new byte[10];
        Assert.Equal(2, ld.Read(b));
        Assert.Equal("d\n", Encoding.ASCII.GetString(b, 0, 2));
    }

    [Theory]
    [InlineData(0u, 1)]                                           // OPOST off: bytes pass unchanged
    [InlineData(Termios.OPOST | Termios.ONLCR, 2)]                // \n becomes \r\n
    [InlineData(Termios.OPOST | Termios.ONLCR | Termios.XTABS, 8)] // a tab becomes up to 8 spaces
    public void OutputExpansion_bounds_what_output_processing_makes_of_one_byte(uint oflag, int expansion)
    {
        Termios t = Termios.Standard();
        t.Oflag = oflag;
        var capture = new Capture();
        var ld = new LineDiscipline(capture, t);
        Assert.Equal(expansion, ld.OutputExpansion);
        // The worst case of each byte stays within the bound.
        foreach (byte c in new[] { (byte)'\n', (byte)'\t', (byte)'a', (byte)'\r' })
        {
            ld.ProcessOutput(new[] { c });
            Assert.True(capture.Take().Length <= expansion);
        }
    }
}
