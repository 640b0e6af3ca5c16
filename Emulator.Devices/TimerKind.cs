namespace Emulator.Devices;

/// <summary>The two EL1 timers of the ARM generic timer (Arm ARM D11/D12, CNTP_* and CNTV_*).</summary>
public enum TimerKind
{
    /// <summary>The EL1 physical timer: CNTP_CTL_EL0, CNTP_CVAL_EL0, CNTP_TVAL_EL0 (PPI 30 on virt).</summary>
    Physical,

    /// <summary>The EL1 virtual timer: CNTV_CTL_EL0, CNTV_CVAL_EL0, CNTV_TVAL_EL0 (PPI 27 on virt).</summary>
    Virtual,
}
