using System.Globalization;

namespace Benchmarks;

/// <summary>
/// Start-up of Debian's dynamically linked programs: our managed kernel against Debian's Linux, both on our
/// emulator, both booted from a fresh copy of the set-up's Debian image (disk-images/build-debian.sh:
/// bookworm's glibc, bash, coreutils and python3.11) on virtio-blk with root=/dev/vda rw, into root's
/// bash. Each workload runs once unmeasured (the programs' files then sit in each kernel's page cache),
/// then a loop of runs timed by the guest's clock; every run must succeed (the loop counts them).
/// </summary>
public static class StartupSideBySide
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Name, command (it must succeed), and how many runs a measured loop makes.</summary>
    private static readonly (string Name, string Command, int Runs)[] Workloads =
    [
        ("python3 -c pass", "python3 -c pass", 20),
        ("python3 -c 'import json, hashlib, sqlite3, threading'", "python3 -c 'import json, hashlib, sqlite3, threading'", 10),
        ("/usr/bin/true (glibc, dynamic)", "/usr/bin/true", 100),
        ("bash -c 'echo x | grep -q x'", "bash -c 'echo x | grep -q x'", 50),
    ];

    private sealed record Side(string Title, string[] Command);

    public static int Run(int runs)
    {
        if (GuestFiles.Find() is not { } files)
        {
            return 1;
        }

        var debian = Path.Combine(files.Cache, "disk", "debian.ext2");
        if (!File.Exists(debian))
        {
            Console.Error.WriteLine($"benchmark: {debian} is missing; run: bash scripts/setup.sh");
            return 1;
        }

        var temp = Directory.CreateTempSubdirectory("startup-bench-").FullName;
        try
        {
            var image = Path.Combine(temp, "debian.ext2");
            string[] disk = ["-append", "console=ttyAMA0 root=/dev/vda rw", "-drive", $"file={image},format=raw,if=none,id=d0",
                "-device", "virtio-blk-device,drive=d0", "-device", "virtio-rng-device"];
            string[] emulator = ["dotnet", Path.Combine(AppContext.BaseDirectory, "Emulator.dll"), "-M", "virt", "-m", "1G", "-nographic"];
            Side[] sides =
            [
                new("ours", [.. emulator, "-kernel", files.OurKernel, .. disk]),
                new("Linux", [.. emulator, "-kernel", files.Linux, "-initrd", files.Initrd, .. disk]),
            ];

            Console.WriteLine($"our kernel: {files.OurKernel} (built {File.GetLastWriteTime(files.OurKernel):yyyy-MM-dd HH:mm})");
            Console.WriteLine($"Linux: {files.Linux}; root disk {debian}");
            var samples = sides.ToDictionary(s => s, _ => Workloads.ToDictionary(w => w.Name, _ => new List<double>()));
            for (var run = 1; run <= runs; run++)
            {
                // Alternate so that slow drift of the machine's load affects both sides alike.
                foreach (var side in sides)
                {
                    HostTools.Run("cp", "--sparse=always", debian, image);
                    var perRun = Measure(side);
                    foreach (var (name, ms) in perRun)
                    {
                        samples[side][name].Add(ms);
                    }

                    Console.WriteLine($"run {run}/{runs} {side.Title,-6}" + string.Join(";", perRun.Select(p => $" {p.Key} {p.Value:F1} ms")));
                }
            }

            Console.WriteLine();
            Console.WriteLine($"Our kernel vs Linux 6.1, both on our emulator, -M virt -m 1G, Debian bookworm's programs from its image on virtio-blk; " +
                $"milliseconds per run, median of {runs} alternating boots");
            Console.WriteLine($"{"",-58}{"ours",10}{"Linux",10}{"ours/Linux",12}");
            foreach (var (name, _, _) in Workloads)
            {
                var o = Samples.Median(samples[sides[0]][name]);
                var l = Samples.Median(samples[sides[1]][name]);
                Console.WriteLine($"{name,-58}{o,10:F1}{l,10:F1}{o / l,12:F2}");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>One boot: each workload once unmeasured, then its loop; milliseconds per run.</summary>
    private static Dictionary<string, double> Measure(Side side)
    {
        using var guest = new GuestProcess(side.Command, side.Title);
        guest.WaitFor("Its recipe is disk-images/", 0, BootTimeout);
        string Shell(string line) => guest.Shell(line, CommandTimeout);

        // Readline's bracketed-paste mode frames every command's output with escape sequences: off, for plain lines.
        Shell("bind 'set enable-bracketed-paste off'; dmesg -n 1 2>/dev/null");
        var perRun = new Dictionary<string, double>();
        foreach (var (name, command, runs) in Workloads)
        {
            var warm = Shell($"{command}; echo \"@W $?\"");
            if (!warm.Contains("@W 0", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{side.Title}: {command} failed:\n{warm}");
            }

            var loop = $"i=0; while [ $i -lt {runs} ]; do {command} || break; i=$((i+1)); done";
            var (seconds, done) = ShellClock.Timed(Shell(ShellClock.Time(loop, "$i")), side.Title);
            if (done != runs.ToString(CultureInfo.InvariantCulture))
            {
                throw new InvalidOperationException($"{side.Title}: {command} failed after {done} of {runs} runs");
            }

            perRun[name] = seconds * 1000 / runs;
        }

        guest.SendLine("poweroff");
        if (!guest.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            throw new TimeoutException($"{side.Title}: the guest did not power off; last output: {guest.Tail()}");
        }

        return perRun;
    }
}
