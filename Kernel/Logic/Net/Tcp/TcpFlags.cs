namespace Kernel.Logic.Net.Tcp
{
    /// <summary>TCP header control bits (RFC 9293 section 3.1).</summary>
    public static class TcpFlags
    {
        public const byte FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20, ECE = 0x40, CWR = 0x80;
    }
}
