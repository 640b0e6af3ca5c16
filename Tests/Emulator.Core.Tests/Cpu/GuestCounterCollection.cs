namespace Emulator.Core.Tests.Cpu;

/// <summary>
/// Tests whose guests read the counter (CNTPCT/CNTVCT) natively run alone, after every parallel test.
/// Unicorn 2.1.4 initialises each new engine with QEMU's init_get_clock, which briefly clears the
/// process-wide use_rt_clock flag: a guest reading the counter at that moment, on any other engine,
/// gets CLOCK_REALTIME / 16 instead of CLOCK_MONOTONIC / 16 (seen: a jump from 3.6e11 to 1.1e17).
/// A machine never creates an engine while it runs, so only tests that build engines in parallel see it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GuestCounterCollection
{
    public const string Name = "guest counter";
}
