namespace Emulator.Devices;

/// <summary>
/// PSCI function ids (ARM DEN 0022 section 5.1), named once: the firmware (<see cref="Psci"/>) dispatches
/// on them and the device tree's psci node hands them to the guest. An SMC64 id is the SMC32 one with
/// <see cref="Smc64Bit"/> set.
/// </summary>
public static class PsciFunction
{
    public const uint Smc64Bit = 0x4000_0000;

    public const uint PSCI_VERSION = 0x8400_0000;
    public const uint CPU_SUSPEND_32 = 0x8400_0001;
    public const uint CPU_SUSPEND_64 = CPU_SUSPEND_32 | Smc64Bit;
    public const uint CPU_OFF = 0x8400_0002;
    public const uint CPU_ON_32 = 0x8400_0003;
    public const uint CPU_ON_64 = CPU_ON_32 | Smc64Bit;
    public const uint AFFINITY_INFO_32 = 0x8400_0004;
    public const uint AFFINITY_INFO_64 = AFFINITY_INFO_32 | Smc64Bit;
    public const uint MIGRATE_32 = 0x8400_0005;
    public const uint MIGRATE_64 = MIGRATE_32 | Smc64Bit;
    public const uint MIGRATE_INFO_TYPE = 0x8400_0006;
    public const uint SYSTEM_OFF = 0x8400_0008;
    public const uint SYSTEM_RESET = 0x8400_0009;
    public const uint PSCI_FEATURES = 0x8400_000A;
}
