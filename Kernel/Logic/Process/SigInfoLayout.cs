namespace Kernel.Logic.Process
{
    /// <summary>Which union member of siginfo_t a (signal, si_code) pair uses (Linux's siginfo_layout).</summary>
    public enum SigInfoLayout
    {
        Kill,
        Timer,
        Rt,
        Child,
        Fault,
        Poll,
        Sys,
    }
}
