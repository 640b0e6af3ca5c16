using System.Text;
using Kernel.Logic.Display;

namespace Kernel.Tests.Display;

/// <summary>The framebuffer console's terminal: the controls busybox's shell, vi and top send, as the Linux console reads them.</summary>
public class TextScreenTests
{
    private static TextScreen Screen(string input, int rows = 5, int columns = 10)
    {
        var s = new TextScreen(rows, columns);
        s.Write(Encoding.Latin1.GetBytes(input));
        return s;
    }

    private static string Row(TextScreen s, int row) => Encoding.Latin1.GetString(s.RowChars(row)).TrimEnd();

    private static string[] Rows(TextScreen s) => Enumerable.Range(0, s.Rows).Select(r => Row(s, r)).ToArray();

    [Fact]
    public void Text_wraps_at_the_margin_and_scrolls_at_the_bottom()
    {
        TextScreen s = Screen("0123456789ab\r\nc\r\nd\r\ne\r\nf");
        Assert.Equal(["ab", "c", "d", "e", "f"], Rows(s));
        Assert.Equal((4, 1), (s.CursorRow, s.CursorColumn));
    }

    [Fact]
    public void The_last_column_holds_the_cursor_until_the_next_character()
    {
        // xenl: writing the 10th column leaves the cursor there; CR LF then does not make an empty line.
        TextScreen s = Screen("0123456789\r\nx");
        Assert.Equal(["0123456789", "x", "", "", ""], Rows(s));
    }

    [Fact]
    public void Cursor_addressing_and_erasing()
    {
        TextScreen s = Screen("aaaaaaaaaa\r\nbbbbbbbbbb\r\ncccccccccc\x1b[2;4H\x1b[K\x1b[3;5H\x1b[1K\x1b[1;1HX\x1b[5CY");
        Assert.Equal(["Xaaaaaaaaa"[..6] + "Yaaa", "bbb", "     ccccc", "", ""], Rows(s));
        s.Write("\x1b[2J"u8);
        Assert.All(Rows(s), r => Assert.Equal("", r));
        s.Write("\x1b[10;20Hz"u8); // clamped to the screen
        Assert.Equal("         z", Row(s, 4));
    }

    [Fact]
    public void Insert_and_delete_of_lines_and_characters()
    {
        TextScreen s = Screen("1\r\n2\r\n3\r\n4\r\n5\x1b[2;1H\x1b[L");
        Assert.Equal(["1", "", "2", "3", "4"], Rows(s));
        s.Write("\x1b[2M"u8);
        Assert.Equal(["1", "3", "4", "", ""], Rows(s));
        s.Write("\x1b[1;1Habcdef\x1b[1;2H\x1b[2P"u8);
        Assert.Equal("adef", Row(s, 0));
        s.Write("\x1b[3@"u8);
        Assert.Equal("a   def", Row(s, 0));
    }

    [Fact]
    public void A_scrolling_region_scrolls_alone()
    {
        TextScreen s = Screen("a\r\nb\r\nc\r\nd\r\ne\x1b[2;4r\x1b[4;1H\nX");
        Assert.Equal(["a", "c", "d", "X", "e"], Rows(s));
        s.Write("\x1b[2;1H\x1bMY"u8); // reverse index at the region's top scrolls it down
        Assert.Equal(["a", "Y", "c", "d", "e"], Rows(s));
    }

    [Fact]
    public void Colours_bold_and_reverse_set_each_cells_attribute()
    {
        TextScreen s = Screen("\x1b[31;44mR\x1b[1mB\x1b[0;7mV\x1b[mN\x1b[92mG");
        Assert.Equal(0x41, s.AttributeAt(0, 0)); // red on blue
        Assert.Equal(0x49, s.AttributeAt(0, 1)); // bold: bright red
        Assert.Equal(0x70, s.AttributeAt(0, 2)); // reverse: black on grey
        Assert.Equal(TextScreen.DefaultAttribute, s.AttributeAt(0, 3));
        Assert.Equal(0x0A, s.AttributeAt(0, 4));
    }

    [Fact]
    public void Save_restore_cursor_visibility_and_ignored_sequences()
    {
        TextScreen s = Screen("ab\x1b" + "7\x1b[3;3Hx\x1b" + "8c\x1b[?25l\x1b]0;title\x07\x1b(Bd\x1b[6n");
        Assert.Equal("abcd", Row(s, 0));
        Assert.Equal("  x", Row(s, 2));
        Assert.False(s.CursorVisible);
        s.Write("\x1b[?25h"u8);
        Assert.True(s.CursorVisible);
    }

    [Fact]
    public void Utf8_shows_latin1_and_a_question_mark_for_the_rest()
    {
        var s = new TextScreen(1, 10);
        s.Write("é→x"u8);
        Assert.Equal(new byte[] { 0xE9, (byte)'?', (byte)'x' }, s.RowChars(0)[..3].ToArray());
    }

    [Fact]
    public void Rows_that_changed_are_marked_for_drawing()
    {
        TextScreen s = Screen("");
        for (int r = 0; r < s.Rows; r++)
            s.TakeDirty(r);
        s.Write("\x1b[3;1Hx"u8);
        Assert.Equal([false, false, true, false, false], Enumerable.Range(0, 5).Select(s.TakeDirty).ToArray());
        s.Write("\r\n\r\n\n"u8); // scrolling changes every row
        Assert.All(Enumerable.Range(0, 5), r => Assert.True(s.TakeDirty(r)));
    }
}
