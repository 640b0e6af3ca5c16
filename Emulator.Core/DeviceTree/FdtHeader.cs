namespace Emulator.Core.DeviceTree;

/// <summary>The header fields of a flattened devicetree blob (§5.2), all offsets from the blob's start.</summary>
public readonly record struct FdtHeader(
    uint TotalSize,
    uint StructureOffset,
    uint StringsOffset,
    uint ReservationMapOffset,
    uint Version,
    uint LastCompatibleVersion,
    uint BootCpuId,
    uint StringsSize,
    uint StructureSize);
