namespace Kernel.Logic.Net.Tcp
{
    /// <summary>TCP states numbered as Linux numbers them (include/net/tcp_states.h; /proc/net/tcp's st column).</summary>
    public enum TcpState
    {
        Established = 1,
        SynSent = 2,
        SynReceived = 3,
        FinWait1 = 4,
        FinWait2 = 5,
        TimeWait = 6,
        Closed = 7,
        CloseWait = 8,
        LastAck = 9,
        Listen = 10,
        Closing = 11,
    }
}
