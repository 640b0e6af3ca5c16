namespace Emulator.Core.Debug;

/// <summary>
/// One register as gdb sees it: its number in the protocol (p/P packets, the order of g), name, size,
/// type in the target description, and the feature it belongs to. <see cref="SystemRegister"/> names a
/// system register by its encoding (op0, op1, CRn, CRm, op2); null for the core and FP registers.
/// </summary>
public sealed record GdbRegister(int Number, string Name, int BitSize, string Type, string Feature,
    (uint Op0, uint Op1, uint Crn, uint Crm, uint Op2)? SystemRegister = null)
{
    public int Size => BitSize / 8;
}
