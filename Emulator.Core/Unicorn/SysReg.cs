namespace Emulator.Core.Unicorn;

/// <summary>System register encodings the machine cares about.</summary>
public static class SysReg
{
    public static uint Key(uint op0, uint op1, uint crn, uint crm, uint op2) =>
        (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;

    public static readonly CpReg ScrEl3 = new(3, 6, 1, 1, 0);
    public static readonly CpReg HcrEl2 = new(3, 4, 1, 1, 0);
    public static readonly CpReg CnthctlEl2 = new(3, 4, 14, 1, 0);
    public static readonly CpReg SpsrEl1 = new(3, 0, 4, 0, 0);
    public static readonly CpReg SctlrEl1 = new(3, 0, 1, 0, 0);

    public static readonly uint CntfrqEl0 = Key(3, 3, 14, 0, 0);
    public static readonly uint CntpctEl0 = Key(3, 3, 14, 0, 1);
    public static readonly uint CntvctEl0 = Key(3, 3, 14, 0, 2);
    public static readonly uint CntpTvalEl0 = Key(3, 3, 14, 2, 0);
    public static readonly uint CntpCtlEl0 = Key(3, 3, 14, 2, 1);
    public static readonly uint CntpCvalEl0 = Key(3, 3, 14, 2, 2);
    public static readonly uint CntvTvalEl0 = Key(3, 3, 14, 3, 0);
    public static readonly uint CntvCtlEl0 = Key(3, 3, 14, 3, 1);
    public static readonly uint CntvCvalEl0 = Key(3, 3, 14, 3, 2);
}
