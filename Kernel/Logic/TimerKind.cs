namespace Kernel.Logic
{
    /// <summary>Which EL1 generic timer drives the tick.</summary>
    public enum TimerKind
    {
        /// <summary>The EL1 virtual timer: CNTV_* registers against CNTVCT_EL0.</summary>
        Virtual,

        /// <summary>The EL1 non-secure physical timer: CNTP_* registers against CNTPCT_EL0.</summary>
        Physical,
    }
}
