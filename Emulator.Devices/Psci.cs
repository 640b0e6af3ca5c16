using static Emulator.Devices.PsciFunction;

namespace Emulator.Devices;

/// <summary>
/// PSCI 1.0 firmware (ARM DEN 0022) for a machine with one CPU, MPIDR affinity 0.0.0.0, reached through
/// HVC or SMC. CPU_SUSPEND and the other optional functions report NOT_SUPPORTED.
/// SMC32 calls (0x84xxxxxx) take their arguments from the low 32 bits of the registers.
/// </summary>
public static class Psci
{
    // Return codes, DEN 0022 section 5.2.2.
    private const long SUCCESS = 0;
    private const long NOT_SUPPORTED = -1;
    private const long INVALID_PARAMETERS = -2;
    private const long DENIED = -3;
    private const long ALREADY_ON = -4;

    /// <summary>PSCI_VERSION: major 1 in bits 31:16, minor 0.</summary>
    private const long Version1_0 = 0x0001_0000;

    /// <summary>MIGRATE_INFO_TYPE 2: no Trusted OS, or one that needs no migration.</summary>
    private const long NoTrustedOs = 2;

    private const long AffinityOn = 0;

    /// <summary>MPIDR affinity fields Aff3 (39:32), Aff2, Aff1, Aff0 (23:0), as SMC64 callers pass them.</summary>
    private const ulong AffinityMask64 = 0xFF_00FF_FFFF;
    private const ulong AffinityMask32 = 0x00FF_FFFF;

    private static readonly uint[] Implemented =
    [
        PSCI_VERSION, CPU_OFF, CPU_ON_32, CPU_ON_64, AFFINITY_INFO_32, AFFINITY_INFO_64,
        MIGRATE_INFO_TYPE, SYSTEM_OFF, SYSTEM_RESET, PSCI_FEATURES,
    ];

    /// <summary>
    /// Handles one call: the function id comes from W0 and the arguments from X1-X3 (no implemented
    /// function uses X3). Returns the value for X0
    /// (a negative code sign-extended to 64 bits) and what the machine must do.
    /// </summary>
    public static (ulong X0, PsciAction Action) Call(ulong functionId, ulong x1, ulong x2, ulong x3)
    {
        var id = (uint)functionId; // SMCCC: the function id is W0
        var is64 = (id & Smc64Bit) != 0;
        if (!is64)
        {
            x1 = (uint)x1;
            x2 = (uint)x2;
        }

        var result = id switch
        {
            PSCI_VERSION => Version1_0,
            CPU_OFF => DENIED, // turning off the only CPU is not allowed
            CPU_ON_32 or CPU_ON_64 => IsCpu0(x1, is64) ? ALREADY_ON : INVALID_PARAMETERS,
            AFFINITY_INFO_32 or AFFINITY_INFO_64 => AffinityInfo(x1, x2, is64),
            MIGRATE_INFO_TYPE => NoTrustedOs,
            SYSTEM_OFF => SUCCESS,
            SYSTEM_RESET => SUCCESS,
            PSCI_FEATURES => Features((uint)x1),
            _ => NOT_SUPPORTED,
        };
        var action = id switch
        {
            SYSTEM_OFF => PsciAction.PowerOff,
            SYSTEM_RESET => PsciAction.Reset,
            _ => PsciAction.None,
        };
        return ((ulong)result, action);
    }

    private static bool IsCpu0(ulong mpidr, bool is64) => (mpidr & (is64 ? AffinityMask64 : AffinityMask32)) == 0;

    /// <summary>
    /// AFFINITY_INFO(target, lowest level): levels above 0 ask about the cluster containing the target,
    /// so the affinity fields below that level are ignored.
    /// </summary>
    private static long AffinityInfo(ulong target, ulong lowestLevel, bool is64)
    {
        if (lowestLevel > (is64 ? 3u : 2u))
        {
            return INVALID_PARAMETERS;
        }

        ulong ignored = lowestLevel switch
        {
            0 => 0,
            1 => 0xFF,
            2 => 0xFFFF,
            _ => 0xFF_FFFF,
        };
        var mask = (is64 ? AffinityMask64 : AffinityMask32) & ~ignored;
        return (target & mask) == 0 ? AffinityOn : INVALID_PARAMETERS;
    }

    private static long Features(uint queried) => Array.IndexOf(Implemented, queried) >= 0 ? SUCCESS : NOT_SUPPORTED;
}
