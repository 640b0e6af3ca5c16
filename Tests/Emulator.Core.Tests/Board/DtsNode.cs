using System.Globalization;
using System.Text;

namespace Emulator.Core.Tests.Board;

/// <summary>
/// A device tree as dtc decompiles it (<c>dtc -I dtb -O dts</c>): read from dtc's text, not with our own
/// FDT reader, so the board's blob is checked by an independent decoder. Understands what dtc prints for
/// a blob: nodes, empty properties, cell lists, strings (string lists joined by \0) and byte strings.
/// </summary>
internal sealed class DtsNode
{
    public DtsNode(string name) => Name = name;

    public string Name { get; }

    public Dictionary<string, string> Properties { get; } = [];

    public List<DtsNode> Children { get; } = [];

    public DtsNode? Child(string name) => Children.FirstOrDefault(c => c.Name == name);

    /// <summary>The node at an absolute path such as <c>/cpus/cpu@0</c>.</summary>
    public DtsNode? Find(string path)
    {
        var node = this;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node?.Child(part);
        }

        return node;
    }

    public bool Has(string property) => Properties.ContainsKey(property);

    public string Raw(string property) =>
        Properties.TryGetValue(property, out var raw) ? raw : throw new KeyNotFoundException($"{Name} has no property '{property}'");

    /// <summary>A cell list <c>&lt;0x00 0x9000000&gt;</c> as numbers.</summary>
    public uint[] Cells(string property)
    {
        var raw = Raw(property);
        if (!raw.StartsWith('<') || !raw.EndsWith('>'))
        {
            throw new FormatException($"{Name}/{property} is not a cell list: {raw}");
        }

        return raw[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ParseCell).ToArray();
    }

    public uint Cell(string property) => Assert.Single(Cells(property));

    /// <summary>Pairs of cells read as 64-bit numbers (the board uses two cells per address and size).</summary>
    public ulong[] Cells64(string property)
    {
        var cells = Cells(property);
        Assert.True(cells.Length % 2 == 0, $"{Name}/{property} has an odd number of cells");
        return Enumerable.Range(0, cells.Length / 2).Select(i => ((ulong)cells[2 * i] << 32) | cells[(2 * i) + 1]).ToArray();
    }

    /// <summary>A string or string list: <c>"a\0b"</c> becomes ["a", "b"].</summary>
    public string[] Strings(string property)
    {
        var raw = Raw(property);
        if (!raw.StartsWith('"') || !raw.EndsWith('"'))
        {
            throw new FormatException($"{Name}/{property} is not a string: {raw}");
        }

        return raw[1..^1].Split("\\0");
    }

    public string String(string property) => Assert.Single(Strings(property));

    private static uint ParseCell(string text) => text.StartsWith("0x", StringComparison.Ordinal)
        ? uint.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
        : uint.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>Parses dtc's decompiled output; the result is the root node "/".</summary>
    public static DtsNode Parse(string source)
    {
        DtsNode? root = null;
        var stack = new Stack<DtsNode>();
        foreach (var rawLine in source.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith("/dts-v1/", StringComparison.Ordinal) ||
                line.StartsWith("/memreserve/", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.EndsWith(" {", StringComparison.Ordinal))
            {
                var node = new DtsNode(line[..^2].Trim());
                if (stack.Count == 0)
                {
                    Assert.Equal("/", node.Name);
                    root = node;
                }
                else
                {
                    stack.Peek().Children.Add(node);
                }

                stack.Push(node);
            }
            else if (line == "};")
            {
                stack.Pop();
            }
            else
            {
                Assert.True(line.EndsWith(';'), $"unexpected line in dtc output: {line}");
                var body = line[..^1];
                var equals = body.IndexOf(" = ", StringComparison.Ordinal);
                if (equals < 0)
                {
                    stack.Peek().Properties[body] = "";
                }
                else
                {
                    stack.Peek().Properties[body[..equals]] = body[(equals + 3)..];
                }
            }
        }

        Assert.True(root != null && stack.Count == 0, "dtc output is not one balanced tree");
        return root!;
    }

    public override string ToString()
    {
        var text = new StringBuilder(Name).Append(" {");
        foreach (var (name, value) in Properties)
        {
            text.Append(' ').Append(name).Append(value.Length == 0 ? "" : " = " + value).Append(';');
        }

        return text.Append(" }").ToString();
    }
}
