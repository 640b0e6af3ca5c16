using Emulator.Core.DeviceTree;
using Emulator.Devices;

namespace Emulator.Core.Board;

/// <summary>
/// A device window on the board: where it sits, which shared peripheral interrupt (SPI) it raises, the
/// model behind it, and how it describes itself in the device tree. The board is a list of these; the
/// machine maps the windows and the device-tree writer walks the same list, so the two cannot drift.
/// </summary>
public sealed record BoardDevice(
    string NodeName,
    ulong Base,
    ulong Size,
    IMmioDevice Model,
    int? Spi,
    Action<FdtNode> Describe);
