namespace Emulator.Core.Board;

/// <summary>A virtio entropy source fed from the host's CSPRNG (QEMU: <c>-device virtio-rng-device</c>).</summary>
public sealed record VirtioRngSpec : VirtioDeviceSpec;
