namespace Emulator.Core.Boot;

/// <summary>One piece of a kernel to copy into guest RAM at a physical address (plus zero fill).</summary>
public readonly record struct LoadSegment(ulong Address, ReadOnlyMemory<byte> Data, ulong ZeroFill);
