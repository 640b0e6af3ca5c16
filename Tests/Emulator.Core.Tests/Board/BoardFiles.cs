using Emulator.Core.Board;
using Emulator.Core.Tests.Boot;

namespace Emulator.Core.Tests.Board;

/// <summary>The smallest kernel a VirtMachine accepts, and the board's device list as plain data.</summary>
internal static class BoardFiles
{
    /// <summary>An ELF64 AArch64 kernel with one PT_LOAD at 0x4008_0000 (never run by the tree tests).</summary>
    public static readonly byte[] IdleKernel = KernelFiles.Elf(0x4008_0000,
        [new ElfSegment(ElfSegment.Load, 0x4008_0000, 0x4008_0000, [0x7F, 0x20, 0x03, 0xD5, 0xFF, 0xFF, 0xFF, 0x17], 8)]); // wfi; b .-4

    public sealed record DeviceEntry(string NodeName, ulong Base, ulong Size, int? Spi, bool EdgeTriggered);

    /// <summary>Builds a machine from <paramref name="config"/> and keeps what the board declared.</summary>
    public static (IReadOnlyList<DeviceEntry> Devices, byte[] Blob) Describe(MachineConfig config)
    {
        using var machine = new VirtMachine(config);
        return (machine.Devices.Select(d => new DeviceEntry(d.NodeName, d.Base, d.Windows[0].Size, d.Spi, d.EdgeTriggered)).ToList(), machine.DeviceTreeBlob);
    }
}
