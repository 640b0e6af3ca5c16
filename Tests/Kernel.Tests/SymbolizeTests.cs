using System.Text.RegularExpressions;
using Kernel.Tools.Symbolize;

namespace Kernel.Tests;

public class SymbolizeTests
{
    [Theory]
    [InlineData("Kernel_Kernel_Boot_CrashTests__ReadThroughNull", "Kernel.Boot.CrashTests.ReadThroughNull")]
    [InlineData("Kernel_CoreLib_System_String__Concat", "System.String.Concat")]
    [InlineData("upper_half", "upper_half")]
    public void Ilc_symbols_become_method_names(string symbol, string name) => Assert.Equal(name, ElfSymbolTable.ToMethodName(symbol));

    [Fact]
    public void Kernel_elf_symbols_resolve_inside_a_method()
    {
        ElfSymbolTable symbols = ElfSymbolTable.Load(QemuMachine.ElfPath);
        Assert.True(symbols.Count > 100);
        string map = File.ReadAllText(Path.Combine(QemuMachine.KernelBinDirectory, "kernel.map"));
        Match entry = Regex.Match(map, @"0x(?<a>ffffff80[0-9a-f]{8})\s+KernelEntry\b");
        Assert.True(entry.Success, "KernelEntry not in kernel.map");
        ulong address = Convert.ToUInt64(entry.Groups["a"].Value, 16);
        Assert.True(symbols.TryLookup(address + 8, out string name, out ulong offset));
        Assert.Equal("Kernel.Boot.KernelEntryPoint.KernelEntry", ElfSymbolTable.ToMethodName(name));
        Assert.Equal(8UL, offset);
    }

    [Fact]
    public void Data_addresses_are_not_symbolised()
    {
        ElfSymbolTable symbols = ElfSymbolTable.Load(QemuMachine.ElfPath);
        Assert.False(symbols.TryLookup(0xFFFF_0000_4000_0000UL, out _, out _)); // linear map, not code
    }

    [Fact]
    public void Console_lines_get_method_names_appended()
    {
        ElfSymbolTable symbols = ElfSymbolTable.Load(QemuMachine.ElfPath);
        string map = File.ReadAllText(Path.Combine(QemuMachine.KernelBinDirectory, "kernel.map"));
        string address = Regex.Match(map, @"0x(?<a>ffffff80[0-9a-f]{8})\s+KernelEntry\b").Groups["a"].Value;
        string line = Symbolizer.Annotate(symbols, $"  #3 pc 0x{address}");
        Assert.EndsWith("<- Kernel.Boot.KernelEntryPoint.KernelEntry+0x0", line);
    }
}
