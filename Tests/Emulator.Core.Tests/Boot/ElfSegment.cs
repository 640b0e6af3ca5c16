namespace Emulator.Core.Tests.Boot;

/// <summary>One ELF program header, as <see cref="KernelFiles.Elf"/> writes it.</summary>
internal sealed record ElfSegment(uint Type, ulong VirtualAddress, ulong PhysicalAddress, byte[] Data, ulong MemorySize)
{
    public const uint Load = 1;
    public const uint Note = 4;

    /// <summary>Overrides the file offset written into the header (to point outside the file).</summary>
    public ulong? FileOffset { get; init; }

    /// <summary>Overrides the file size written into the header.</summary>
    public ulong? FileSize { get; init; }
}
