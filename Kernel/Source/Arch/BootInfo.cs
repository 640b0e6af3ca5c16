namespace Kernel.Arch
{
    /// <summary>Filled by Arch/boot.S before the first managed call (layout shared with it).</summary>
    public struct BootInfo
    {
        public ulong DeviceTreePhysical;
        public ulong ImagePhysical;
        public ulong ImageVirtual;
        public ulong ImageSize;
        public ulong EntryCounter;      // CNTPCT_EL0 at the first instruction
        public ulong EntryLevel;        // exception level the boot loader entered at
        public ulong ModulesStart;      // __modules section: pointers to ILC module headers
        public ulong ModulesEnd;
        public ulong TextEnd;
        public ulong ReadOnlyEnd;
        public ulong StackGuard;        // virtual address of the unmapped page below the boot stack
    }
}
