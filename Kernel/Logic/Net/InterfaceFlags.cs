namespace Kernel.Logic.Net
{
    /// <summary>Linux's interface flags (include/uapi/linux/if.h, SIOCGIFFLAGS and netlink's ifi_flags).</summary>
    public static class InterfaceFlags
    {
        public const uint Up = 0x1, Broadcast = 0x2, Loopback = 0x8, Running = 0x40, Multicast = 0x1000, LowerUp = 0x10000;
    }
}
