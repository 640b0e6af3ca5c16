using Emulator.Core.Unicorn;

namespace Emulator.Core.Cpu;

/// <summary>Architectural constants and the reset-to-EL1 sequence.</summary>
public static class CpuState
{
    /// <summary>SCR_EL3: non-secure, RES1 bits 4-5, HVC enabled, lower levels AArch64.</summary>
    public const ulong ScrEl3NonSecureEl1 = 0x531;

    /// <summary>HCR_EL2.RW: EL1 is AArch64.</summary>
    public const ulong HcrRw = 1UL << 31;

    /// <summary>HCR_EL2.IMO and FMO: physical IRQ/FIQ routed to EL2, which enables the virtual IRQ below.</summary>
    public const ulong HcrImoFmo = (1UL << 4) | (1UL << 3);

    /// <summary>HCR_EL2.VI: the virtual IRQ line, the only way to interrupt Unicorn's guest.</summary>
    public const ulong HcrVirtualIrq = 1UL << 7;

    public const ulong HcrBase = HcrRw | HcrImoFmo;

    /// <summary>PSTATE: EL1 using SP_EL1, D, A, I and F masked.</summary>
    public const ulong PstateEl1hMasked = 0x3C5;

    public const ulong PstateNzcvMask = 0xF000_0000;

    /// <summary>
    /// CNTHCTL_EL2: EL1PCTEN set (the counter is read natively), EL1PCEN clear, so every EL1/EL0 access
    /// to the physical timer's registers traps to EL2, where the host emulates it (Unicorn keeps no useful
    /// timer state of its own). The virtual timer cannot be trapped on ARMv8.0; Vcpu hooks its MRS/MSR.
    /// </summary>
    public const ulong CnthctlCounterOnly = 1;

    /// <summary>
    /// Every Unicorn AArch64 model resets into secure EL3. A Linux-style boot wants non-secure EL1 with the
    /// MMU off and interrupts masked.
    /// </summary>
    public static void EnterEl1(UnicornEngine engine)
    {
        engine.Write(SysReg.ScrEl3, ScrEl3NonSecureEl1);
        engine.Write(SysReg.HcrEl2, HcrBase);
        engine.Write(SysReg.CnthctlEl2, CnthctlCounterOnly);
        engine.Write(Arm64Reg.Pstate, PstateEl1hMasked);
    }
}
