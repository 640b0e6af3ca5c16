namespace Emulator.Core.Board;

/// <summary>A virtio device the user asked for (QEMU's <c>-device virtio-*-device</c>).</summary>
public abstract record VirtioDeviceSpec;
