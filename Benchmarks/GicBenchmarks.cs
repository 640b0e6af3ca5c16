using BenchmarkDotNet.Attributes;
using Emulator.Devices;

namespace Benchmarks;

/// <summary>The cost of one interrupt's round trip through the GIC model (raise, acknowledge, EOI, lower).</summary>
[MemoryDiagnoser]
public class GicBenchmarks
{
    private readonly GicV2 _gic = new(_ => { });

    [GlobalSetup]
    public void SetUp()
    {
        _gic.Distributor.Write(0x000, 4, 1); // GICD_CTLR
        _gic.Distributor.Write(0x100, 4, 1u << 30); // enable INTID 30
        _gic.CpuInterface.Write(0x000, 4, 1); // GICC_CTLR
        _gic.CpuInterface.Write(0x004, 4, 0xF0); // GICC_PMR
    }

    [Benchmark]
    public ulong TimerInterruptRoundTrip()
    {
        _gic.SetLevel(30, true);
        var iar = _gic.CpuInterface.Read(0x00C, 4);
        _gic.SetLevel(30, false);
        _gic.CpuInterface.Write(0x010, 4, iar);
        return iar;
    }
}
