using Emulator.Core.DeviceTree;
using Emulator.Devices;

namespace Emulator.Core.Board;

/// <summary>
/// A device on the board: its register windows, which shared peripheral interrupt (SPI) it raises, and
/// how it describes itself in the device tree. The board is a list of these; the machine maps every
/// window and the device-tree writer walks the same list, so the two cannot drift.
/// </summary>
public sealed record BoardDevice(
    string NodeName,
    IReadOnlyList<BoardWindow> Windows,
    int? Spi,
    Action<FdtNode> Describe)
{
    /// <summary>A device with one register window.</summary>
    public BoardDevice(string nodeName, ulong windowBase, ulong size, IMmioDevice model, int? spi, Action<FdtNode> describe)
        : this(nodeName, [new BoardWindow(windowBase, size, model)], spi, describe)
    {
    }

    /// <summary>Whether the device tree declares its interrupt edge-triggered (rising) rather than level-high, as QEMU does for virtio-mmio.</summary>
    public bool EdgeTriggered { get; init; }

    /// <summary>The first window's base: the unit address of the device's node.</summary>
    public ulong Base => Windows[0].Base;
}
