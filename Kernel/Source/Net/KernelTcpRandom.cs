using System;
using Kernel.Logic;
using Kernel.Logic.Net.Tcp;

namespace Kernel.Net
{
    /// <summary>Initial sequence numbers and ephemeral port starts from the kernel's CSPRNG.</summary>
    public sealed class KernelTcpRandom : ITcpRandom
    {
        public uint NextUInt32()
        {
            Span<byte> b = stackalloc byte[4];
            Crypto.Random.Fill(b);
            return LittleEndian.U32(b, 0);
        }
    }
}
