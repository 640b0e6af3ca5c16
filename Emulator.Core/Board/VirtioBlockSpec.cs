namespace Emulator.Core.Board;

/// <summary>
/// A virtio-blk disk on a raw image file (QEMU: <c>-drive file=F,format=raw,if=none,id=X[,readonly=on]</c>
/// with <c>-device virtio-blk-device,drive=X[,serial=S]</c>).
/// </summary>
public sealed record VirtioBlockSpec(string ImagePath, bool ReadOnly = false, string Serial = "") : VirtioDeviceSpec;
