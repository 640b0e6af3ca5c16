using System.Text;

namespace Emulator.Core.Qmp;

/// <summary>
/// Cuts a character stream into JSON texts the way QEMU's JSON streamer does: an object or array ends when its
/// brackets balance (outside strings); a bare value ends at whitespace. As in QEMU's lexer, strings may also be
/// single-quoted ({'execute': 'quit'}); <see cref="ToStandardJson"/> turns those into ordinary JSON. A text
/// that grows past <see cref="MaxLength"/> is cut off and handed on as it is, so the parser reports it.
/// </summary>
public sealed class QmpJsonSplitter
{
    public const int MaxLength = 1 << 20;

    private readonly StringBuilder _text = new();
    private int _depth;
    private char _quote; // the open string's quote character, or 0 outside strings
    private bool _escape;

    /// <summary>Adds one character; returns a complete text when this character ends one.</summary>
    public string? Add(char c)
    {
        if (_text.Length == 0 && char.IsWhiteSpace(c))
        {
            return null;
        }

        if (_depth == 0 && _quote == 0 && _text.Length > 0 && char.IsWhiteSpace(c))
        {
            return Take(); // a bare value (a number, a string, a name) ends here
        }

        _text.Append(c);
        if (_quote != 0)
        {
            if (char.IsControl(c) && c < ' ')
            {
                return Take(); // JSON strings hold no raw control characters: the text is broken, hand it on (QEMU's lexer does the same)
            }

            if (_escape)
            {
                _escape = false;
            }
            else if (c == '\\')
            {
                _escape = true;
            }
            else if (c == _quote)
            {
                _quote = (char)0;
            }
        }
        else if (c is '"' or '\'')
        {
            _quote = c;
        }
        else if (c is '{' or '[')
        {
            _depth++;
        }
        else if (c is '}' or ']')
        {
            _depth--;
            if (_depth <= 0)
            {
                return Take();
            }
        }

        return _text.Length >= MaxLength ? Take() : null;
    }

    private string Take()
    {
        var text = _text.ToString();
        _text.Clear();
        _depth = 0;
        _quote = (char)0;
        _escape = false;
        return text;
    }

    /// <summary>Rewrites single-quoted strings as double-quoted ones (\' becomes ', a bare " is escaped); the rest is kept.</summary>
    public static string ToStandardJson(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Contains('\''))
        {
            return text;
        }

        var result = new StringBuilder(text.Length + 8);
        var quote = (char)0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote == 0)
            {
                quote = c is '"' or '\'' ? c : quote;
                result.Append(c == '\'' ? '"' : c);
            }
            else if (c == '\\' && i + 1 < text.Length)
            {
                var next = text[++i];
                result.Append(quote == '\'' && next == '\'' ? "'" : $"\\{next}");
            }
            else if (c == quote)
            {
                result.Append('"');
                quote = (char)0;
            }
            else
            {
                result.Append(quote == '\'' && c == '"' ? "\\\"" : c);
            }
        }

        return result.ToString();
    }
}
