using System.Globalization;

namespace Emulator.Devices.Net;

/// <summary>
/// User-mode networking (QEMU's <c>-netdev user</c>): the virtual network the guest sees and the host ports
/// forwarded into it. Addresses are IPv4 in host order. The defaults are QEMU's: network 10.0.2.0/24, the
/// gateway (the host) at .2, the DNS server at .3, DHCP addresses from .15.
/// </summary>
public sealed record UserNetworkConfig : NetworkBackendConfig
{
    public uint Network { get; init; } = 0x0A00_0200;

    public uint Mask { get; init; } = 0xFFFF_FF00;

    /// <summary>The gateway's address, where the guest reaches the host.</summary>
    public uint Host { get; init; } = 0x0A00_0202;

    public uint DhcpStart { get; init; } = 0x0A00_020F;

    public uint Dns { get; init; } = 0x0A00_0203;

    /// <summary>QEMU's <c>restrict=on</c>: the guest is isolated from the host and the outside (forwards still work).</summary>
    public bool Restricted { get; init; }

    /// <summary>The name the DHCP server hands out, if any (QEMU's <c>hostname=</c>).</summary>
    public string? Hostname { get; init; }

    public IReadOnlyList<HostForward> Forwards { get; init; } = [];

    /// <summary>Dotted-quad form of a host-order IPv4 address.</summary>
    public static string Format(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}");

    /// <summary>Parses a dotted quad into a host-order address; false for anything else.</summary>
    public static bool TryParseAddress(string text, out uint address)
    {
        address = 0;
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var b))
            {
                return false;
            }

            address = (address << 8) | b;
        }

        return true;
    }
}
