using System.Runtime.InteropServices;

namespace Emulator.Devices.Net;

/// <summary>
/// libslirp 4.7's <c>struct SlirpConfig</c> (libslirp.h) on x86-64 and AArch64 Linux, version 4: explicit
/// offsets, checked with offsetof() against libslirp 4.7.0's header (the same numbers as the team's note,
/// network.md). C's <c>bool</c> is one byte; <c>struct in_addr</c> is a 32-bit address in network
/// order. IPv6 stays off; pointers not set are NULL (slirp's defaults).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 184)]
internal struct SlirpConfig
{
    public const int Size = 184;

    /// <summary>The newest layout libslirp 4.7 accepts (version 4 added disable_dhcp).</summary>
    public const uint CurrentVersion = 4;

    [FieldOffset(0)] public uint Version;
    [FieldOffset(4)] public int Restricted;
    [FieldOffset(8)] public byte InEnabled;
    [FieldOffset(12)] public uint VNetwork;
    [FieldOffset(16)] public uint VNetmask;
    [FieldOffset(20)] public uint VHost;
    [FieldOffset(24)] public byte In6Enabled;
    [FieldOffset(64)] public nint VHostname;
    [FieldOffset(72)] public nint TftpServerName;
    [FieldOffset(80)] public nint TftpPath;
    [FieldOffset(88)] public nint Bootfile;
    [FieldOffset(96)] public uint VDhcpStart;
    [FieldOffset(100)] public uint VNameserver;
    [FieldOffset(120)] public nint VDnsSearch;
    [FieldOffset(128)] public nint VDomainName;
    [FieldOffset(136)] public nuint IfMtu;
    [FieldOffset(144)] public nuint IfMru;
    [FieldOffset(152)] public byte DisableHostLoopback;
    [FieldOffset(153)] public byte EnableEmu;
    [FieldOffset(160)] public nint OutboundAddr;
    [FieldOffset(168)] public nint OutboundAddr6;
    [FieldOffset(176)] public byte DisableDns;
    [FieldOffset(177)] public byte DisableDhcp;
}
