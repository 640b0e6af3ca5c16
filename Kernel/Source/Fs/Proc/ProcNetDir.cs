using Kernel.Logic.Fs;

namespace Kernel.Fs.Proc
{
    /// <summary>/proc/net: the network stack's files (dev, route, arp, tcp, udp; tcp6 and udp6 with their headers only, as there is no IPv6).</summary>
    public sealed class ProcNetDir : ProcFixedDir
    {
        public void Build()
        {
            AddFile("dev"u8, ProcContent.NetDev, null);
            AddFile("route"u8, ProcContent.NetRoute, null);
            AddFile("arp"u8, ProcContent.NetArp, null);
            AddFile("tcp"u8, ProcContent.NetTcp, null);
            AddFile("udp"u8, ProcContent.NetUdp, null);
            AddFile("tcp6"u8, ProcContent.NetTcp6, null);
            AddFile("udp6"u8, ProcContent.NetUdp6, null);
        }

        public override Inode? Parent => ProcFs.Instance?.Root;
    }
}
