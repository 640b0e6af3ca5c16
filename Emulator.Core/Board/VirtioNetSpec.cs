using Emulator.Devices.Net;

namespace Emulator.Core.Board;

/// <summary>
/// A virtio-net NIC and its host side: user-mode networking (QEMU: <c>-netdev user,id=N,...</c> with
/// <c>-device virtio-net-device,netdev=N[,mac=M]</c>, or <c>-nic user,...</c>) or a UDP socket
/// (<c>-netdev socket,id=N,udp=...,localaddr=...</c>).
/// </summary>
public sealed record VirtioNetSpec(MacAddress Mac, NetworkBackendConfig Network) : VirtioDeviceSpec;
