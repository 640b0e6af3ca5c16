using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// One network interface (Linux's net_device as user space sees it): name, index, hardware address,
    /// one IPv4 address with its netmask and broadcast, flags, MTU, and the counters of /proc/net/dev.
    /// The loopback interface has no device: what it sends comes straight back in.
    /// </summary>
    public sealed class NetInterface
    {
        public readonly int Index;
        public readonly INetDevice? Device;
        private readonly int _nameNumber;

        public uint Address, Netmask, Broadcast;
        public uint Flags;
        public int Mtu;
        /// <summary>SIOCGIFTXQLEN and netlink's IFLA_TXQLEN (Linux's default 1000; only reported).</summary>
        public int TxQueueLength = 1000;
        /// <summary>Whether the interface was ever up (Linux attaches its queueing discipline then).</summary>
        public bool EverUp;

        public ulong RxPackets, RxBytes, RxErrors, RxDropped;
        public ulong TxPackets, TxBytes, TxErrors, TxDropped;
        public ulong RxMulticast;

        internal NetInterface(int index, INetDevice? device, int nameNumber)
        {
            Index = index;
            Device = device;
            _nameNumber = nameNumber;
            if (device == null)
            {
                Flags = InterfaceFlags.Loopback;
                Mtu = NetStack.LoopbackMtu;
                EverUp = true; // the stack brings lo up at once
            }
            else
            {
                Flags = InterfaceFlags.Broadcast | InterfaceFlags.Multicast;
                Mtu = device.Mtu;
            }
        }

        public bool IsLoopback => Device == null;
        public bool IsUp => (Flags & InterfaceFlags.Up) != 0;
        public bool IsRunning => (Flags & (InterfaceFlags.Up | InterfaceFlags.Running)) == (InterfaceFlags.Up | InterfaceFlags.Running);
        public MacAddress Mac => Device != null ? Device.Mac : MacAddress.Zero;

        /// <summary>"lo", "eth0", "eth1"...</summary>
        public ReadOnlySpan<byte> Name => Device == null ? "lo"u8 : EthernetName(_nameNumber);

        public static ReadOnlySpan<byte> EthernetName(int number) => number switch
        {
            0 => "eth0"u8,
            1 => "eth1"u8,
            2 => "eth2"u8,
            _ => "eth3"u8,
        };

        /// <summary>The prefix length of <see cref="Netmask"/> (24 for 255.255.255.0).</summary>
        public int PrefixLength => Ipv4Address.PrefixLength(Netmask);

        /// <summary>Whether <paramref name="address"/> is one of ours on this interface (its address, or any 127/8 address on loopback).</summary>
        public bool IsOwnAddress(uint address) =>
            address != 0 && (address == Address || (IsLoopback && (address >> 24) == 127));

        /// <summary>Whether <paramref name="address"/> is a broadcast this interface listens to.</summary>
        public bool IsBroadcastFor(uint address) =>
            address == 0xFFFF_FFFF || (Address != 0 && address == Broadcast && Netmask != 0xFFFF_FFFF);
    }
}
