namespace Kernel.Logic.Net
{
    /// <summary>IPv4 protocol numbers (the IP header's protocol field, socket(2)'s protocol argument).</summary>
    public static class IpProtocol
    {
        public const byte Icmp = 1, Tcp = 6, Udp = 17;
    }
}
