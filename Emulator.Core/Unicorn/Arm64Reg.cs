namespace Emulator.Core.Unicorn;

/// <summary>Register ids of uc_arm64_reg (Unicorn 2.1.4).</summary>
public enum Arm64Reg
{
    X29 = 1,
    X30 = 2,
    Nzcv = 3,
    Sp = 4,
    Xzr = 7,
    Q0 = 104,
    X0 = 199,
    Pc = 260,
    CpacrEl1 = 261,
    TpidrEl0 = 262,
    TpidrroEl0 = 263,
    TpidrEl1 = 264,
    Pstate = 265,
    ElrEl0 = 266,
    ElrEl1 = 267,
    SpEl0 = 270,
    SpEl1 = 271,
    Ttbr0El1 = 274,
    Ttbr1El1 = 275,
    EsrEl1 = 277,
    FarEl1 = 281,
    ParEl1 = 284,
    MairEl1 = 285,
    VbarEl1 = 287,
    CpReg = 290,
    Fpcr = 291,
    Fpsr = 292,
}
