using System.Text;

namespace Emulator.Core.Qmp;

/// <summary>
/// Cuts a character stream into JSON texts the way QEMU's JSON streamer does: an object or array ends when its
/// brackets balance (outside strings); a bare value ends at whitespace. A text that grows past
/// <see cref="MaxLength"/> is cut off and handed on as it is, so the parser reports it.
/// </summary>
public sealed class QmpJsonSplitter
{
    public const int MaxLength = 1 << 20;

    private readonly StringBuilder _text = new();
    private int _depth;
    private bool _inString;
    private bool _escape;

    /// <summary>Adds one character; returns a complete text when this character ends one.</summary>
    public string? Add(char c)
    {
        if (_text.Length == 0 && char.IsWhiteSpace(c))
        {
            return null;
        }

        if (_depth == 0 && !_inString && _text.Length > 0 && char.IsWhiteSpace(c))
        {
            return Take(); // a bare value (a number, a string, a name) ends here
        }

        _text.Append(c);
        if (_inString)
        {
            if (_escape)
            {
                _escape = false;
            }
            else if (c == '\\')
            {
                _escape = true;
            }
            else if (c == '"')
            {
                _inString = false;
            }
        }
        else if (c == '"')
        {
            _inString = true;
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
        _inString = false;
        _escape = false;
        return text;
    }
}
