using Emulator.Core.Unicorn;

namespace Emulator.Core.Board;

/// <summary>What the user asked for; the command line's options map one to one onto this.</summary>
public sealed record MachineConfig
{
    public CpuModel Cpu { get; init; } = CpuModel.CortexA57;
    public ulong RamSize { get; init; } = 512UL << 20;
    public required string KernelPath { get; init; }
    public string? InitrdPath { get; init; }
    public string? Append { get; init; }
    public string? DtbPath { get; init; }
}
