namespace Emulator.Devices.Tests;

public sealed class PsciTests
{
    private const ulong PSCI_VERSION = 0x8400_0000;
    private const ulong CPU_SUSPEND_64 = 0xC400_0001;
    private const ulong CPU_OFF = 0x8400_0002;
    private const ulong CPU_ON_32 = 0x8400_0003;
    private const ulong CPU_ON_64 = 0xC400_0003;
    private const ulong AFFINITY_INFO_32 = 0x8400_0004;
    private const ulong AFFINITY_INFO_64 = 0xC400_0004;
    private const ulong MIGRATE_INFO_TYPE = 0x8400_0006;
    private const ulong SYSTEM_OFF = 0x8400_0008;
    private const ulong SYSTEM_RESET = 0x8400_0009;
    private const ulong PSCI_FEATURES = 0x8400_000A;
    private const ulong SMCCC_VERSION = 0x8000_0000;

    private const ulong NotSupported = unchecked((ulong)-1L);
    private const ulong InvalidParameters = unchecked((ulong)-2L);
    private const ulong Denied = unchecked((ulong)-3L);
    private const ulong AlreadyOn = unchecked((ulong)-4L);

    private static (ulong X0, PsciAction Action) Call(ulong id, ulong x1 = 0, ulong x2 = 0) => Psci.Call(id, x1, x2, 0);

    [Fact]
    public void VersionIs1Point0()
    {
        Assert.Equal((0x0001_0000ul, PsciAction.None), Call(PSCI_VERSION));
    }

    [Fact]
    public void CpuOnForTheBootCpuReportsAlreadyOn()
    {
        Assert.Equal(AlreadyOn, Call(CPU_ON_64, 0, 0x4008_0000).X0);
        Assert.Equal(AlreadyOn, Call(CPU_ON_32, 0).X0);
        Assert.Equal(AlreadyOn, Call(CPU_ON_64, 0x8000_0000).X0); // MPIDR bit 31 is not affinity
    }

    [Fact]
    public void CpuOnForAnyOtherCpuIsInvalid()
    {
        Assert.Equal(InvalidParameters, Call(CPU_ON_64, 1).X0);
        Assert.Equal(InvalidParameters, Call(CPU_ON_64, 0x1_0000_0000).X0); // Aff3 = 1
    }

    [Fact]
    public void CpuOffIsDenied()
    {
        Assert.Equal((Denied, PsciAction.None), Call(CPU_OFF));
    }

    [Fact]
    public void AffinityInfoReportsTheBootCpuOn()
    {
        Assert.Equal(0ul, Call(AFFINITY_INFO_64, 0, 0).X0);
        Assert.Equal(0ul, Call(AFFINITY_INFO_32, 0, 0).X0);
    }

    [Fact]
    public void AffinityInfoForOtherCpusIsInvalid()
    {
        Assert.Equal(InvalidParameters, Call(AFFINITY_INFO_64, 2, 0).X0);
        Assert.Equal(InvalidParameters, Call(AFFINITY_INFO_64, 0, 9).X0);
    }

    [Fact]
    public void AffinityInfoAtClusterLevelIgnoresTheCpuField()
    {
        Assert.Equal(0ul, Call(AFFINITY_INFO_64, 3, 1).X0);
    }

    [Fact]
    public void MigrateInfoTypeSaysNoTrustedOs()
    {
        Assert.Equal(2ul, Call(MIGRATE_INFO_TYPE).X0);
    }

    [Fact]
    public void SystemOffPowersOff()
    {
        Assert.Equal(PsciAction.PowerOff, Call(SYSTEM_OFF).Action);
    }

    [Fact]
    public void SystemResetResets()
    {
        Assert.Equal(PsciAction.Reset, Call(SYSTEM_RESET).Action);
    }

    [Theory]
    [InlineData(PSCI_VERSION)]
    [InlineData(CPU_OFF)]
    [InlineData(CPU_ON_32)]
    [InlineData(CPU_ON_64)]
    [InlineData(AFFINITY_INFO_32)]
    [InlineData(AFFINITY_INFO_64)]
    [InlineData(MIGRATE_INFO_TYPE)]
    [InlineData(SYSTEM_OFF)]
    [InlineData(SYSTEM_RESET)]
    [InlineData(PSCI_FEATURES)]
    public void FeaturesReportsImplementedFunctions(ulong function)
    {
        Assert.Equal(0ul, Call(PSCI_FEATURES, function).X0);
    }

    [Theory]
    [InlineData(CPU_SUSPEND_64)]
    [InlineData(SMCCC_VERSION)]
    [InlineData(0x8400_000E)] // SYSTEM_SUSPEND
    public void FeaturesReportsOtherFunctionsNotSupported(ulong function)
    {
        Assert.Equal(NotSupported, Call(PSCI_FEATURES, function).X0);
    }

    [Fact]
    public void UnknownFunctionsAreNotSupported()
    {
        Assert.Equal((NotSupported, PsciAction.None), Call(0xC400_0001));
        Assert.Equal(NotSupported, Call(0x1234).X0);
    }

    [Fact]
    public void OnlyW0SelectsTheFunction()
    {
        Assert.Equal(0x0001_0000ul, Call(0xFFFF_FFFF_0000_0000 | PSCI_VERSION).X0);
    }
}
