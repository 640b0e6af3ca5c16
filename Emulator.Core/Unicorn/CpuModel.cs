namespace Emulator.Core.Unicorn;

public enum CpuModel
{
    CortexA57 = 0,
    CortexA53 = 1,
    CortexA72 = 2,
    Max = 3,
}
