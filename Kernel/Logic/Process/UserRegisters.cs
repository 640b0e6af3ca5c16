namespace Kernel.Logic.Process
{
    /// <summary>
    /// A thread's user-visible register state: x0-x30, sp, pc, pstate (SPSR_EL1 as saved at the
    /// trap), FPSR, FPCR and the 32 128-bit SIMD registers (V[2n] = low 64 bits of qn, V[2n+1] = high).
    /// 800 bytes: pass it by reference (in/ref/out), never by value.
    /// </summary>
    public unsafe struct UserRegisters
    {
        public fixed ulong X[31];
        public ulong Sp, Pc, Pstate, Fpsr, Fpcr;
        public fixed ulong V[64];
    }
}
