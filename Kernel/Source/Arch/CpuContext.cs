namespace Kernel.Arch
{
    /// <summary>Callee-saved state of a suspended kernel thread (layout shared with Arch/switch.S).</summary>
    public unsafe struct CpuContext
    {
        public fixed ulong X19To28[10];
        public ulong FramePointer, LinkRegister, StackPointer;
        public fixed ulong D8To15[8];
    }
}
