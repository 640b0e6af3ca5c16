namespace Emulator.Core.Board;

/// <summary>A virtio input device (QEMU: <c>-device virtio-keyboard-device</c>, <c>virtio-mouse-device</c>, <c>virtio-tablet-device</c>), with QEMU's optional serial string.</summary>
public sealed record VirtioInputSpec(VirtioInputKind Kind, string? Serial = null) : VirtioDeviceSpec;
