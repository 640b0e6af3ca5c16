using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// Linux's <c>ip=</c> boot argument (Documentation/admin-guide/nfs/nfsroot.rst):
    /// <c>ip=off|none</c>, <c>ip=dhcp|on|any|bootp|both</c>, or
    /// <c>ip=&lt;client&gt;:&lt;server&gt;:&lt;gw&gt;:&lt;netmask&gt;:&lt;hostname&gt;:&lt;device&gt;:&lt;autoconf&gt;:&lt;dns0&gt;:&lt;dns1&gt;</c>.
    /// Only DHCP autoconfigures here (bootp and rarp mean DHCP); a client address with autoconf empty,
    /// off or none is a static configuration; without a client address, autoconf other than off means DHCP.
    /// A missing netmask is the address's class mask, as Linux.
    /// </summary>
    public ref struct IpConfig
    {
        public enum Method : byte { Off, Dhcp, Static }

        public Method Mode;
        public uint Client, Server, Gateway, Netmask, Dns0, Dns1;
        public ReadOnlySpan<byte> Hostname, Device;

        /// <summary>Parses the value after <c>ip=</c>; false (and Off) for a malformed address.</summary>
        public static bool TryParse(ReadOnlySpan<byte> value, out IpConfig config)
        {
            config = default;
            if (IsWord(value, "off"u8) || IsWord(value, "none"u8))
                return true;
            if (IsAutoconf(value))
            {
                config.Mode = Method.Dhcp;
                return true;
            }
            ReadOnlySpan<byte> autoconf = default;
            int field = 0;
            int start = 0;
            for (int i = 0; i <= value.Length; i++)
            {
                if (i < value.Length && value[i] != (byte)':')
                    continue;
                ReadOnlySpan<byte> f = value.Slice(start, i - start);
                start = i + 1;
                uint address = 0;
                bool isAddress = field is 0 or 1 or 2 or 3 or 7 or 8;
                if (isAddress && f.Length > 0 && !Ipv4Address.TryParse(f, out address))
                {
                    config = default;
                    return false;
                }
                switch (field)
                {
                    case 0: config.Client = address; break;
                    case 1: config.Server = address; break;
                    case 2: config.Gateway = address; break;
                    case 3: config.Netmask = address; break;
                    case 4: config.Hostname = f; break;
                    case 5: config.Device = f; break;
                    case 6: autoconf = f; break;
                    case 7: config.Dns0 = address; break;
                    case 8: config.Dns1 = address; break;
                }
                field++;
            }
            bool off = IsWord(autoconf, "off"u8) || IsWord(autoconf, "none"u8) || IsWord(autoconf, "static"u8);
            if (!off && autoconf.Length > 0 && !IsAutoconf(autoconf))
            {
                config = default;
                return false;
            }
            if (autoconf.Length > 0 && !off)
                config.Mode = Method.Dhcp;
            else if (config.Client != 0)
                config.Mode = Method.Static;
            else
                config.Mode = off ? Method.Off : Method.Dhcp;
            if (config.Mode == Method.Static && config.Netmask == 0)
                config.Netmask = Ipv4Address.ClassMask(config.Client);
            return true;
        }

        private static bool IsAutoconf(ReadOnlySpan<byte> w) =>
            IsWord(w, "dhcp"u8) || IsWord(w, "on"u8) || IsWord(w, "any"u8) || IsWord(w, "bootp"u8) || IsWord(w, "rarp"u8) || IsWord(w, "both"u8);

        private static bool IsWord(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Bytes.Equal(a, b);
    }
}
