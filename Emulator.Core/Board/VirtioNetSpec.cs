using Emulator.Devices.Net;

namespace Emulator.Core.Board;

/// <summary>
/// A virtio-net NIC on user-mode networking (QEMU: <c>-netdev user,id=N,...</c> with
/// <c>-device virtio-net-device,netdev=N[,mac=M]</c>, or <c>-nic user,...</c>).
/// </summary>
public sealed record VirtioNetSpec(MacAddress Mac, UserNetworkConfig Network) : VirtioDeviceSpec;
