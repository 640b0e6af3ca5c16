using System.Text;
using Kernel.Logic.Input;

namespace Kernel.Tests.Input;

/// <summary>evdev's queue rules, its ioctl numbers, and the console keyboard's translation of key codes.</summary>
public class InputLogicTests
{
    private static InputEvent Key(ushort code, int value) => new(1, InputCodes.EV_KEY, code, value);
    private static InputEvent Report => new(1, InputCodes.EV_SYN, InputCodes.SYN_REPORT, 0);

    private static List<(ushort Type, ushort Code, int Value)> Drain(EventQueue q)
    {
        var taken = new List<(ushort, ushort, int)>();
        while (q.TryTake(out InputEvent e))
            taken.Add((e.Type, e.Code, e.Value));
        return taken;
    }

    [Fact]
    public void A_reader_sees_only_complete_packets()
    {
        var q = new EventQueue(8);
        q.Add(Key(30, 1));
        Assert.Equal(0, q.Readable);
        q.Add(Report);
        q.Add(Key(30, 0));
        Assert.Equal(2, q.Readable);
        Assert.Equal([(1, 30, 1), (0, 0, 0)], Drain(q));
        Assert.Equal(1, q.Count);
        q.Add(Report);
        Assert.Equal([(1, 30, 0), (0, 0, 0)], Drain(q));
    }

    [Fact]
    public void An_overflow_drops_everything_queued_and_says_so()
    {
        var q = new EventQueue(4);
        q.Add(Key(30, 1));
        q.Add(Report);
        q.Add(Key(31, 1));
        q.Add(Report);
        // Full: the next event replaces all four with SYN_DROPPED, readable with the next complete packet.
        q.Add(Key(32, 1));
        Assert.Equal(0, q.Readable);
        q.Add(Report);
        Assert.Equal([(0, InputCodes.SYN_DROPPED, 0), (1, 32, 1), (0, 0, 0)], Drain(q));
    }

    [Fact]
    public void Events_encode_as_linux_struct_input_event()
    {
        var b = new byte[InputCodes.EventBytes];
        InputCodes.Encode(b, new InputEvent(12_345_678_901, InputCodes.EV_KEY, 28, -1));
        Assert.Equal(12L, BitConverter.ToInt64(b, 0));
        Assert.Equal(345_678L, BitConverter.ToInt64(b, 8));
        Assert.Equal((ushort)1, BitConverter.ToUInt16(b, 16));
        Assert.Equal((ushort)28, BitConverter.ToUInt16(b, 18));
        Assert.Equal(-1, BitConverter.ToInt32(b, 20));
    }

    [Theory]
    [InlineData(0x80044501u, EvdevRequest.Kind.Version, 4, 0)]
    [InlineData(0x80084502u, EvdevRequest.Kind.Id, 8, 0)]
    [InlineData(0x81004506u, EvdevRequest.Kind.Name, 256, 0)] // EVIOCGNAME(256)
    [InlineData(0x80404507u, EvdevRequest.Kind.Phys, 64, 0)]
    [InlineData(0x80604518u, EvdevRequest.Kind.KeyState, 96, 0)] // EVIOCGKEY(96)
    [InlineData(0x80084520u, EvdevRequest.Kind.Bits, 8, 0)] // EVIOCGBIT(0, 8)
    [InlineData(0x80604521u, EvdevRequest.Kind.Bits, 96, 1)] // EVIOCGBIT(EV_KEY, 96)
    [InlineData(0x80184541u, EvdevRequest.Kind.AbsInfo, 24, 1)] // EVIOCGABS(ABS_Y)
    [InlineData(0x40044590u, EvdevRequest.Kind.Grab, 4, 0)]
    [InlineData(0x400445a0u, EvdevRequest.Kind.ClockId, 4, 0)]
    [InlineData(0x40604518u, EvdevRequest.Kind.Unknown, 0, 0)] // a write with a read's number
    [InlineData(0x80045401u, EvdevRequest.Kind.Unknown, 0, 0)] // not 'E'
    public void Ioctl_numbers_decode_as_linux_reads_them(uint command, EvdevRequest.Kind kind, int size, int argument)
    {
        EvdevRequest r = EvdevRequest.Decode(command);
        Assert.Equal(kind, r.What);
        if (kind != EvdevRequest.Kind.Unknown)
        {
            Assert.Equal(size, r.Size);
            Assert.Equal(argument, r.Argument);
        }
    }

    [Fact]
    public void Bitmaps_have_linux_sizes()
    {
        Assert.Equal(8, EvdevRequest.BitmapBytes(0));
        Assert.Equal(96, EvdevRequest.BitmapBytes(InputCodes.EV_KEY));
        Assert.Equal(8, EvdevRequest.BitmapBytes(InputCodes.EV_ABS));
        Assert.Equal(0, EvdevRequest.BitmapBytes(InputCodes.EV_REP));
    }

    /// <summary>Presses and releases keys (a name is held down with '+'); what the terminal receives.</summary>
    private static string Typed(KeyboardTranslator k, params ushort[][] chords)
    {
        var text = new StringBuilder();
        Span<byte> out8 = stackalloc byte[8];
        foreach (ushort[] chord in chords)
        {
            foreach (ushort code in chord)
            {
                int n = k.Translate(Key(code, 1), out8);
                text.Append(Encoding.Latin1.GetString(out8[..n]));
            }
            for (int i = chord.Length - 1; i >= 0; i--)
                Assert.Equal(0, k.Translate(Key(chord[i], 0), out8));
        }
        return text.ToString();
    }

    private const ushort A = 30, B = 48, C = 46, One = 2, Slash = 53, Space = 57, Enter = 28, Backspace = 14;
    private const ushort Shift = KeyboardTranslator.KEY_LEFTSHIFT, Ctrl = KeyboardTranslator.KEY_LEFTCTRL, Alt = KeyboardTranslator.KEY_LEFTALT;

    [Fact]
    public void Keys_type_as_the_linux_console_with_a_us_map()
    {
        var k = new KeyboardTranslator();
        Assert.Equal("ab 1/\r\x7f", Typed(k, [A], [B], [Space], [One], [Slash], [Enter], [Backspace]));
        Assert.Equal("A!?", Typed(k, [Shift, A], [Shift, One], [KeyboardTranslator.KEY_RIGHTSHIFT, Slash]));
        Assert.Equal("\x03\x01\x00", Typed(k, [Ctrl, C], [Ctrl, A], [Ctrl, Space]));
        Assert.Equal("\u001bb", Typed(k, [Alt, B]));
        Assert.Equal("\x1b[A\x1b[D\x1b[3~\x1b[5~\x1b[[A\x1b[[E", Typed(k, [KeyboardTranslator.KEY_UP], [KeyboardTranslator.KEY_LEFT],
            [KeyboardTranslator.KEY_DELETE], [KeyboardTranslator.KEY_PAGEUP], [KeyboardTranslator.KEY_F1], [(ushort)(KeyboardTranslator.KEY_F1 + 4)]));
    }

    [Fact]
    public void Caps_lock_changes_letters_only_and_autorepeat_types_again()
    {
        var k = new KeyboardTranslator();
        Assert.Equal("A1a", Typed(k, [KeyboardTranslator.KEY_CAPSLOCK], [A], [One], [Shift, A]));
        Span<byte> out8 = stackalloc byte[8];
        Assert.Equal(1, k.Translate(Key(A, 2), out8));
        Assert.Equal((byte)'A', out8[0]);
        Assert.Equal("a", Typed(k, [KeyboardTranslator.KEY_CAPSLOCK], [A]));
        // Not keys: nothing typed.
        Assert.Equal(0, k.Translate(new InputEvent(1, InputCodes.EV_REL, 0, 5), out8));
    }
}
