namespace Kernel.Logic.Net.Tcp
{
    /// <summary>Random numbers for initial sequence numbers and ephemeral port choice (the kernel's entropy pool; tests seed it).</summary>
    public interface ITcpRandom
    {
        uint NextUInt32();
    }
}
