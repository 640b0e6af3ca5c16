using System.Globalization;
using System.Text.RegularExpressions;
using Kernel.Tools.Symbolize;

// Usage: Symbolize <kernel.elf> [console-log]   (reads standard input without a log file)
// Copies the console text, appending "<- Namespace.Type.Method+0xoffset" to every line that holds a
// kernel address (0xffff...), such as the panic's ELR, x30 and backtrace lines.
if (args.Length < 1 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: Symbolize <kernel.elf> [console-log]");
    return 2;
}
ElfSymbolTable symbols = ElfSymbolTable.Load(args[0]);
TextReader input = args.Length > 1 ? new StreamReader(args[1]) : Console.In;
var address = new Regex(@"0x(ffff[0-9a-f]{12})", RegexOptions.IgnoreCase);
string? line;
while ((line = input.ReadLine()) != null)
{
    Console.WriteLine(Symbolizer.Annotate(symbols, line, address));
}
return 0;

public static class Symbolizer
{
    public static string Annotate(ElfSymbolTable symbols, string line, Regex? pattern = null)
    {
        pattern ??= new Regex(@"0x(ffff[0-9a-f]{12})", RegexOptions.IgnoreCase);
        var names = new List<string>();
        foreach (Match m in pattern.Matches(line))
        {
            ulong value = ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (symbols.TryLookup(value, out string name, out ulong offset) && offset < 0x100000)
                names.Add($"{ElfSymbolTable.ToMethodName(name)}+0x{offset:x}");
        }
        return names.Count == 0 ? line : $"{line}   <- {string.Join(", ", names)}";
    }
}
