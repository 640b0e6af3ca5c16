namespace Emulator.Devices.Net;

/// <summary>
/// What a NIC's host side is (QEMU's <c>-netdev TYPE</c>): user-mode networking (<see cref="UserNetworkConfig"/>)
/// or a UDP socket that carries raw frames (<see cref="UdpSocketNetworkConfig"/>).
/// </summary>
public abstract record NetworkBackendConfig;
