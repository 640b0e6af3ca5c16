using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Benchmarks;

/// <summary>
/// Boots the default guest (Debian's arm64 Linux + busybox initramfs) on QEMU and on our machine in the
/// same run and times (a) start to the shell prompt, (b) a CPU-bound busybox sh loop and (c) a mixed workload:
/// compute (awk, sort, sha256sum, gzip and gunzip over a few MiB), file I/O (the files live in the initramfs's
/// page cache) and 200 fork+exec of /bin/true. The mixed workload's output (checksums) must be the same on both
/// machines in every run, or the benchmark fails: a fast machine that computes wrong results is no result.
/// </summary>
public static class SideBySide
{
    private const string Loop = "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo LOOP\"\"DONE";

    // 20,000 lines made by awk, sorted twice by number (busybox's awk and sort -n compute in floating point), 3.6 MiB
    // of them hashed, compressed and decompressed; 4 MiB of zeros hashed (a check of the store path); 200 fork+exec of
    // /bin/true, counted by /proc/stat's process counter. About 11 s on QEMU.
    private const string Mixed = "cd /tmp && seq 1 20000 | awk '{ print ($1 * 7919) % 100003, $1 }' > a && sort -n a > b"
        + " && sort -k2 -n b > c && for i in 1 2 3 4 5 6 7 8; do cat b c; done > d && sha256sum a b c d"
        + " && gzip -c d > d.gz && gunzip -c d.gz | sha256sum && ls -l d.gz | awk '{ print $5 }'"
        + " && head -c 4194304 /dev/zero | md5sum && p0=$(awk '/processes/ { print $2 }' /proc/stat); i=0;"
        + " while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done; p1=$(awk '/processes/ { print $2 }' /proc/stat);"
        + " echo forks $((p1 - p0)); rm -f a b c d d.gz; cd /; echo MIXED\"\"DONE";

    public static int Run(int runs)
    {
        var guest = Path.Combine(Environment.GetEnvironmentVariable("VIRT_EMULATOR_CACHE") is { Length: > 0 } c
            ? c
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "virt-emulator"), "guest");
        var image = Path.Combine(guest, "Image");
        var initrd = Path.Combine(guest, "initramfs.cpio.gz");
        if (!File.Exists(image) || !File.Exists(initrd))
        {
            Console.Error.WriteLine($"benchmark: the default guest is missing in {guest}; run: bash scripts/setup.sh");
            return 1;
        }

        string[] qemu = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-m", "512M", "-nographic", "-nic", "none",
            "-kernel", image, "-initrd", initrd, "-append", "console=ttyAMA0"];
        string[] ours = ["dotnet", Path.Combine(AppContext.BaseDirectory, "Emulator.dll"), "-M", "virt", "-cpu", "cortex-a57", "-m", "512M",
            "-nographic", "-kernel", image, "-initrd", initrd, "-append", "console=ttyAMA0"];

        var results = new Dictionary<string, List<Sample>> { ["qemu"] = [], ["ours"] = [] };
        string? expected = null;
        for (var i = 0; i < runs; i++)
        {
            // Alternate so that slow drift of the machine's load affects both sides alike.
            foreach (var (name, command) in new[] { ("qemu", qemu), ("ours", ours) })
            {
                var sample = Measure(command);
                expected ??= sample.MixedOutput;
                if (expected.Split('\n').Length != MixedResultLines)
                {
                    Console.Error.WriteLine($"benchmark: the mixed workload did not finish on {name}:\n{sample.MixedOutput}");
                    return 1;
                }

                if (sample.MixedOutput != expected)
                {
                    Console.Error.WriteLine($"benchmark: the mixed workload printed something else on {name}:\n{sample.MixedOutput}\n" +
                        $"expected:\n{expected}");
                    return 1;
                }

                results[name].Add(sample);
                Console.WriteLine($"run {i + 1} {name,-5} boot {sample.Boot,6:F2}  sh loop {sample.Loop,6:F2}  mixed {sample.Mixed,6:F2}");
            }
        }

        var q = Median(results["qemu"]);
        var o = Median(results["ours"]);
        var paired = Median(results["ours"].Zip(results["qemu"],
            (ours, qemu) => new Sample(ours.Boot / qemu.Boot, ours.Loop / qemu.Loop, ours.Mixed / qemu.Mixed, "")).ToList());
        Console.WriteLine($"Linux 6.1 + busybox, -cpu cortex-a57 -m 512M, median of {runs} runs");
        Console.WriteLine($"{"",-28}{"QEMU",10}{"ours",10}{"ours/QEMU",12}{"paired",10}");
        Console.WriteLine($"{"boot to shell prompt (s)",-28}{q.Boot,10:F2}{o.Boot,10:F2}{o.Boot / q.Boot,12:F2}{paired.Boot,10:F2}");
        Console.WriteLine($"{"200k-iteration sh loop (s)",-28}{q.Loop,10:F2}{o.Loop,10:F2}{o.Loop / q.Loop,12:F2}{paired.Loop,10:F2}");
        Console.WriteLine($"{"mixed workload (s)",-28}{q.Mixed,10:F2}{o.Mixed,10:F2}{o.Mixed / q.Mixed,12:F2}{paired.Mixed,10:F2}");
        Console.WriteLine($"(the mixed workload printed the same {MixedResultLines} results on both in every run; \"paired\" is the " +
            "median of each run's own ratio, QEMU and ours measured one right after the other, which a slow spell of the host " +
            "skews less)");
        return 0;
    }

    // Five SHA-256 sums, the compressed size, the MD5 of the zeros and the fork count.
    private const int MixedResultLines = 8;

    private readonly record struct Sample(double Boot, double Loop, double Mixed, string MixedOutput);

    private static (double Boot, double Loop, double Mixed) Median(List<Sample> samples)
    {
        static double Middle(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted[sorted.Count / 2];
        }

        return (Middle(samples.Select(s => s.Boot)), Middle(samples.Select(s => s.Loop)), Middle(samples.Select(s => s.Mixed)));
    }

    /// <summary>The mixed workload's results in its output: checksums, the compressed size and the fork count (the
    /// console's echo of the command line, however the shell's line editor wrapped it, matches none of them).</summary>
    private static string MixedResult(string output) =>
        string.Join('\n', output.Replace("\r", "", StringComparison.Ordinal).Split('\n')
            .Where(line => Regex.IsMatch(line, @"^([0-9a-f]{32}|[0-9a-f]{64})  \S+$|^forks \d+$|^\d+$")));

    private static Sample Measure(string[] command)
    {
        var clock = Stopwatch.StartNew();
        using var guest = new GuestProcess(command, command[0]);
        guest.WaitFor("/ # ", 0, TimeSpan.FromSeconds(120));
        var boot = clock.Elapsed.TotalSeconds;
        Thread.Sleep(500);
        var mark = guest.Length;
        var loopClock = Stopwatch.StartNew();
        guest.SendLine(Loop);
        guest.WaitFor("LOOPDONE", mark, TimeSpan.FromSeconds(300));
        var loop = loopClock.Elapsed.TotalSeconds;
        Thread.Sleep(200);
        mark = guest.Length;
        var mixedClock = Stopwatch.StartNew();
        guest.SendLine(Mixed);
        var output = guest.WaitFor("MIXEDDONE", mark, TimeSpan.FromSeconds(300));
        var mixed = mixedClock.Elapsed.TotalSeconds;
        guest.SendLine("poweroff -f");
        guest.WaitForExit(TimeSpan.FromSeconds(30));
        return new Sample(boot, loop, mixed, MixedResult(output));
    }
}
