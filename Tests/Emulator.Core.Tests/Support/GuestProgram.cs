namespace Emulator.Core.Tests.Support;

/// <summary>An assembled guest program: the flat bytes, the same code as an ELF executable, and its symbols.</summary>
internal sealed record GuestProgram(ulong Address, byte[] Image, byte[] Elf, IReadOnlyDictionary<string, ulong> Symbols)
{
    public ulong this[string symbol] =>
        Symbols.TryGetValue(symbol, out var address) ? address : throw new KeyNotFoundException($"no symbol '{symbol}' in the guest program");
}
