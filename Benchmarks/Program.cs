using BenchmarkDotNet.Running;
using Benchmarks;

// Default: the same Linux guest on qemu-system-aarch64 and on our machine, side by side, with ratios.
// "micro": BenchmarkDotNet micro-benchmarks of the device models.
if (args.Length > 0 && args[0] == "micro")
{
    BenchmarkRunner.Run<GicBenchmarks>(args: args[1..]);
    return 0;
}

var runs = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 3;
return SideBySide.Run(runs);
