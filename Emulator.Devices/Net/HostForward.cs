namespace Emulator.Devices.Net;

/// <summary>
/// A host port forwarded into the guest (QEMU's <c>hostfwd=</c>): connections to <see cref="HostAddress"/>:<see cref="HostPort"/>
/// on the host reach <see cref="GuestAddress"/>:<see cref="GuestPort"/> in the guest. Addresses are IPv4 in host
/// order (10.0.2.15 is 0x0A00020F); a guest address of 0 means the first address the DHCP server hands out.
/// </summary>
public sealed record HostForward(bool Udp, uint HostAddress, ushort HostPort, uint GuestAddress, ushort GuestPort)
{
    /// <summary>The rule as QEMU writes it, e.g. <c>tcp:127.0.0.1:2222-:22</c>.</summary>
    public override string ToString() =>
        $"{(Udp ? "udp" : "tcp")}:{UserNetworkConfig.Format(HostAddress)}:{HostPort}-" +
        $"{(GuestAddress == 0 ? "" : UserNetworkConfig.Format(GuestAddress))}:{GuestPort}";
}
