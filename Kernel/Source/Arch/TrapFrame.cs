namespace Kernel.Arch
{
    /// <summary>The register state saved by Arch/vectors.S on every exception (816 bytes).</summary>
    public unsafe struct TrapFrame
    {
        public fixed ulong X[31];
        public ulong Sp, Elr, Spsr, Esr, Far, Fpsr, Fpcr;
        public fixed ulong Q[64]; // q0-q31, 128 bits each
    }
}
