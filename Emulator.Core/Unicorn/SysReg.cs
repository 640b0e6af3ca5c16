namespace Emulator.Core.Unicorn;

/// <summary>System register encodings the machine cares about.</summary>
public static class SysReg
{
    public static readonly CpReg ScrEl3 = new(3, 6, 1, 1, 0);
    public static readonly CpReg HcrEl2 = new(3, 4, 1, 1, 0);
    public static readonly CpReg CnthctlEl2 = new(3, 4, 14, 1, 0);
    public static readonly CpReg SpsrEl1 = new(3, 0, 4, 0, 0);
    public static readonly CpReg SctlrEl1 = new(3, 0, 1, 0, 0);
}
