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

    /// <summary>
    /// virtio devices in command-line order. As in QEMU, the first takes the highest virtio-mmio transport
    /// (slot 31, 0x0a003e00), the next slot 30, and so on; the other transports are present and empty.
    /// </summary>
    public IReadOnlyList<VirtioDeviceSpec> VirtioDevices { get; init; } = [];

    /// <summary>The transports' register layout: legacy version 1 (QEMU's default) or, when false, version 2
    /// (QEMU's <c>-global virtio-mmio.force-legacy=false</c>).</summary>
    public bool VirtioLegacy { get; init; } = true;

    /// <summary>QEMU's <c>-device ramfb</c>: the fw_cfg file etc/ramfb and a framebuffer the guest places in RAM.</summary>
    public bool Ramfb { get; init; }
}
