using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// Optional for a transport registered with <see cref="NetStack.RegisterTransport"/>: ICMP errors
    /// (destination unreachable, time exceeded, parameter problem) about a datagram of its protocol that
    /// we sent. the original is the quoted datagram: its IP header's addresses, then at least
    /// the first 8 bytes of its transport header (ports), as RFC 792 quotes it.
    /// </summary>
    public interface IIcmpErrorReceiver
    {
        void IcmpError(byte type, byte code, uint originalSource, uint originalDestination, ReadOnlySpan<byte> originalTransport, ulong now);
    }
}
