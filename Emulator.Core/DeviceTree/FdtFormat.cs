namespace Emulator.Core.DeviceTree;

/// <summary>
/// Constants and name rules of the flattened devicetree format
/// (Devicetree Specification v0.4, chapter 5; names in §2.2.1 and §2.2.4).
/// </summary>
internal static class FdtFormat
{
    public const uint Magic = 0xd00dfeed;

    /// <summary>The version this library writes and the newest it reads (§5.2).</summary>
    public const uint Version = 17;

    /// <summary>Version 17 blobs stay readable by version-16 readers (§5.2).</summary>
    public const uint LastCompatibleVersion = 16;

    /// <summary>Ten big-endian 32-bit header fields (§5.2).</summary>
    public const int HeaderSize = 40;

    // Byte offsets of the header fields (§5.2).
    public const int MagicOffset = 0;
    public const int TotalSizeOffset = 4;
    public const int StructureOffsetOffset = 8;
    public const int StringsOffsetOffset = 12;
    public const int ReservationMapOffsetOffset = 16;
    public const int VersionOffset = 20;
    public const int LastCompatibleVersionOffset = 24;
    public const int BootCpuIdOffset = 28;
    public const int StringsSizeOffset = 32;
    public const int StructureSizeOffset = 36;

    /// <summary>Each reservation is a pair of big-endian 64-bit values, address then size (§5.3.2).</summary>
    public const int ReservationEntrySize = 16;

    /// <summary>The reservation block starts on an 8-byte boundary (§5.3.1).</summary>
    public const int ReservationMapAlignment = 8;

    /// <summary>Tokens and the structure block start on 4-byte boundaries (§5.4.1).</summary>
    public const int TokenAlignment = 4;

    // Structure block tokens (§5.4.1).
    public const uint BeginNode = 0x1;
    public const uint EndNode = 0x2;
    public const uint Prop = 0x3;
    public const uint Nop = 0x4;
    public const uint End = 0x9;

    /// <summary>
    /// Deepest nesting accepted by the reader and writer. Real trees are under ten levels; the
    /// limit keeps recursive walks of a hostile blob's tree from exhausting the stack.
    /// </summary>
    public const int MaxDepth = 64;

    public static int Align(int value, int alignment) => (value + alignment - 1) & ~(alignment - 1);

    public static long Align(long value, int alignment) => (value + alignment - 1) & ~((long)alignment - 1);

    /// <summary>Node name characters of Table 2.1 (§2.2.1).</summary>
    public static bool IsNodeNameChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is ',' or '.' or '_' or '+' or '-';

    /// <summary>Property name characters of Table 2.2 (§2.2.4).</summary>
    public static bool IsPropertyNameChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is ',' or '.' or '_' or '+' or '?' or '#' or '-';

    /// <summary>
    /// A non-root node name is <c>node-name</c> or <c>node-name@unit-address</c>, both parts
    /// non-empty and drawn from Table 2.1.
    /// </summary>
    public static bool IsValidNodeName(string name)
    {
        int at = name.IndexOf('@');
        string baseName = at < 0 ? name : name[..at];
        string unitAddress = at < 0 ? "" : name[(at + 1)..];
        if (baseName.Length == 0 || (at >= 0 && unitAddress.Length == 0))
        {
            return false;
        }
        foreach (char c in baseName)
        {
            if (!IsNodeNameChar(c))
            {
                return false;
            }
        }
        foreach (char c in unitAddress)
        {
            if (!IsNodeNameChar(c))
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsValidPropertyName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!IsPropertyNameChar(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Quotes a name for an error message, escaping anything unprintable so the message stays one line.</summary>
    public static string Quote(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length + 2);
        builder.Append('"');
        foreach (char c in text)
        {
            if (c is >= ' ' and <= '~' and not '"' and not '\\')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append($"\\x{(int)c:x2}");
            }
        }
        builder.Append('"');
        return builder.ToString();
    }
}
