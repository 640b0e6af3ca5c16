using System.Runtime.InteropServices;

namespace Emulator.Core.Unicorn;

/// <summary>uc_arm64_cp_reg: a system register named by its encoding.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CpReg
{
    public uint Crn;
    public uint Crm;
    public uint Op0;
    public uint Op1;
    public uint Op2;
    public ulong Value;

    public CpReg(uint op0, uint op1, uint crn, uint crm, uint op2, ulong value = 0)
    {
        Op0 = op0;
        Op1 = op1;
        Crn = crn;
        Crm = crm;
        Op2 = op2;
        Value = value;
    }

    /// <summary>Whether this names the same register as <paramref name="other"/> (the encoding; not the value).</summary>
    public readonly bool IsRegister(in CpReg other) =>
        Crn == other.Crn && Crm == other.Crm && Op0 == other.Op0 && Op1 == other.Op1 && Op2 == other.Op2;
}
