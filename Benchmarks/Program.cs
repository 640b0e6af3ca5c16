using BenchmarkDotNet.Running;
using Benchmarks;

// Default: the same Linux guest on qemu-system-aarch64 and on our machine, side by side, with ratios.
// "kernel [runs]": our managed kernel against Linux (fork+exec and a sh loop), on our machine and on QEMU.
// "storage [runs]": 64 MiB written to and read from a virtio-blk disk by Linux's dd, on QEMU and on ours.
// "files [runs]": a file workload on the root disk (unpack, find, read back, remove a tree of 3,000 files),
//   our kernel against Linux, both on our machine.
// "startup [runs]": start-up of Debian's dynamically linked programs (python3 -c pass and others) from the
//   Debian image, our kernel against Linux, both on our machine.
// "net [runs]": 64 MiB each way over TCP through -netdev user, and `ssh guest true`: our kernel and Linux
//   on our machine, Linux on QEMU.
// "doom [runs]": DOOM's -timedemo demo1 on our kernel, on QEMU and (when it has ramfb) on our emulator.
// "window [runs]": the host CPU the window (-display sdl, under Xvfb) costs, with a still picture and with DOOM.
// "micro": BenchmarkDotNet micro-benchmarks of the device models and of the CPU loop's host-side hot paths
//   (exception entry, MMIO dispatch, timer registers); "micro gic" or "micro host" runs one suite.
if (args.Length > 0 && args[0] == "micro")
{
    var suite = args.Length > 1 && args[1] is "gic" or "host" ? args[1] : null;
    var rest = args[(suite == null ? 1 : 2)..];
    if (suite is null or "gic")
    {
        BenchmarkRunner.Run<GicBenchmarks>(args: rest);
    }

    if (suite is null or "host")
    {
        BenchmarkRunner.Run<HostPathBenchmarks>(args: rest);
    }

    return 0;
}

if (args.Length > 0 && args[0] == "kernel")
{
    return KernelSideBySide.Run(args.Length > 1 && int.TryParse(args[1], out var k) && k > 0 ? k : 3);
}

if (args.Length > 0 && args[0] == "storage")
{
    return StorageSideBySide.Run(args.Length > 1 && int.TryParse(args[1], out var s) && s > 0 ? s : 3);
}

if (args.Length > 0 && args[0] == "files")
{
    return FilesSideBySide.Run(args.Length > 1 && int.TryParse(args[1], out var f) && f > 0 ? f : 3);
}

if (args.Length > 0 && args[0] == "startup")
{
    return StartupSideBySide.Run(args.Length > 1 && int.TryParse(args[1], out var u) && u > 0 ? u : 3);
}

if (args.Length > 0 && args[0] == "net")
{
    return NetworkSideBySide.Run(args.Length > 1 && int.TryParse(args[1], out var r) && r > 0 ? r : 3);
}

if (args.Length > 0 && args[0] == "doom")
{
    return DoomSideBySide.Run(args.Length > 1 && int.TryParse(args[1], out var d) && d > 0 ? d : 3);
}

if (args.Length > 0 && args[0] == "window")
{
    return WindowCost.Run(args.Length > 1 && int.TryParse(args[1], out var w) && w > 0 ? w : 3);
}

var runs = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 3;
return SideBySide.Run(runs);
