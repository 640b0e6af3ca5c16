using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Benchmarks;

/// <summary>
/// Our managed kernel against Debian's Linux with the same busybox initramfs, in the same run:
/// (A) our kernel on our emulator, (B) Linux on qemu-system-aarch64, (C) our kernel on QEMU (separates
/// the kernel's cost from the emulator's), (D) Linux on our emulator (the kernels compared on our
/// machine: thread and futex costs, A against D). The guest's /init runs the workloads, each between two
/// marker lines that carry the guest's own clock; the host also timestamps the marker lines as they
/// arrive (wall clock), so both measures are printed.
/// </summary>
public static partial class KernelSideBySide
{
    /// <summary>fork+exec+wait iterations.</summary>
    private const int Execs = 300;

    /// <summary>Iterations of the CPU-bound busybox sh loop (as in <see cref="SideBySide"/>).</summary>
    private const int LoopIterations = 200_000;

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The workloads in the order /init runs them: marker name and table label.</summary>
    private static readonly (string Name, string Label)[] Workloads =
    [
        ("sh-true", $"{Execs} x /bin/true from a sh loop"),
        ("c-true", $"{Execs} x fork+execve+waitpid (C)"),
        ("sh-loop", $"{LoopIterations / 1000}k-iteration sh loop"),
        ("threads", $"{Threads} x pthread_create+join"),
        ("futex-wake", $"{FutexWakes / 1000}k x FUTEX_WAKE, no waiter"),
        ("futex-pingpong", $"{PingPongs / 1000}k futex round trips, 2 threads"),
    ];

    /// <summary>threadloop's counts: thread create/join cycles, uncontended wakes, contended round trips.</summary>
    private const int Threads = 2000, FutexWakes = 100_000, PingPongs = 20_000;

    /// <summary>The thread workloads: marker name and threadloop's mode (its own clock around its loop is the guest's measure).</summary>
    private static readonly Dictionary<string, string> ThreadModes = new()
    {
        ["threads"] = "create",
        ["futex-wake"] = "wake",
        ["futex-pingpong"] = "pingpong",
    };

    // The benchmark guest's /init. Timestamps come from /proc/uptime (the kernel's monotonic clock in
    // hundredths of a second) read by the shell's `read` builtin, so taking one forks nothing. The fork
    // counts (the "processes" line of /proc/stat) prove that /bin/true was really started each time:
    // ash runs a command given by path with fork+execve, never as a builtin or in-process applet.
    private const string Init = """
        #!/bin/sh
        # The kernel benchmark's guest (written by Benchmarks/KernelSideBySide.cs).
        mount -t proc proc /proc
        forks() { F=0; while read k v; do if [ "$k" = processes ]; then F=$v; fi; done < /proc/stat; }
        begin() { forks; F0=$F; read T0 rest < /proc/uptime; echo "@@ BEGIN $1 $T0"; }
        end() { read T1 rest < /proc/uptime; echo "@@ END $1 $T1"; forks; echo "@@ FORKS $1 $((F - F0))"; }
        echo "@@ READY"
        /bin/true
        begin sh-true
        i=0; while [ $i -lt @EXECS@ ]; do /bin/true; i=$((i+1)); done
        end sh-true
        begin c-true
        /bin/forkexec @EXECS@ /bin/true || echo "@@ FAILED c-true"
        end c-true
        begin sh-loop
        i=0; while [ $i -lt @LOOP@ ]; do i=$((i+1)); done
        end sh-loop
        begin threads
        /bin/threadloop create @THREADS@ || echo "@@ FAILED threads"
        end threads
        begin futex-wake
        /bin/threadloop wake @WAKES@ || echo "@@ FAILED futex-wake"
        end futex-wake
        begin futex-pingpong
        /bin/threadloop pingpong @PINGPONGS@ || echo "@@ FAILED futex-pingpong"
        end futex-pingpong
        echo "@@ DONE"
        poweroff -f
        """;

    private sealed record Side(string Title, string[] Command);

    /// <summary>One boot's figures, in seconds: per workload the guest's and the host's measure.</summary>
    private sealed class Sample
    {
        public double Ready;
        public readonly Dictionary<string, (double Guest, double Wall)> Work = [];
    }

    public static int Run(int runs)
    {
        var repo = FindRepository();
        var guest = Path.Combine(Environment.GetEnvironmentVariable("VIRT_EMULATOR_CACHE") is { Length: > 0 } c
            ? c
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "virt-emulator"), "guest");
        var linux = Path.Combine(guest, "Image");
        var guestInitrd = Path.Combine(guest, "initramfs.cpio.gz");
        var ourKernel = repo is null ? "Kernel/bin/Image" : Path.Combine(repo, "Kernel", "bin", "Image");
        var forkexec = repo is null ? "Userspace/bin/forkexec" : Path.Combine(repo, "Userspace", "bin", "forkexec");
        var threadloop = repo is null ? "Userspace/bin/threadloop" : Path.Combine(repo, "Userspace", "bin", "threadloop");
        foreach (var (file, hint) in new[]
                 {
                     (linux, "bash scripts/setup.sh"), (guestInitrd, "bash scripts/setup.sh"),
                     (ourKernel, "nice dotnet build Kernel/Kernel.csproj"), (forkexec, "bash Userspace/build.sh"),
                     (threadloop, "bash Userspace/build.sh"),
                 })
        {
            if (!File.Exists(file))
            {
                Console.Error.WriteLine($"benchmark: {file} is missing; run: {hint}");
                return 1;
            }
        }

        var temp = Directory.CreateTempSubdirectory("kernel-bench-").FullName;
        try
        {
            var initrd = BuildInitramfs(temp, guestInitrd, forkexec, threadloop);
            string[] board = ["-M", "virt", "-cpu", "cortex-a57", "-m", "512M", "-nographic", "-no-reboot"];
            string[] guestArgs = ["-initrd", initrd, "-append", "console=ttyAMA0"];
            string[] emulator = ["dotnet", Path.Combine(AppContext.BaseDirectory, "Emulator.dll"), .. board];
            string[] qemu = ["qemu-system-aarch64", .. board, "-nic", "none"];
            Side[] sides =
            [
                new("ours on ours", [.. emulator, "-kernel", ourKernel, .. guestArgs]),
                new("Linux on QEMU", [.. qemu, "-kernel", linux, .. guestArgs]),
                new("ours on QEMU", [.. qemu, "-kernel", ourKernel, .. guestArgs]),
                new("Linux on ours", [.. emulator, "-kernel", linux, .. guestArgs]),
            ];

            Console.WriteLine($"our kernel: {ourKernel} (built {File.GetLastWriteTime(ourKernel):yyyy-MM-dd HH:mm})");
            Console.WriteLine($"Linux: {linux}; busybox from {guestInitrd}");
            var samples = sides.ToDictionary(s => s, _ => new List<Sample>());
            for (var run = 1; run <= runs; run++)
            {
                // Alternate so that slow drift of the machine's load affects every side alike.
                foreach (var side in sides)
                {
                    var sample = Measure(side);
                    samples[side].Add(sample);
                    Console.WriteLine($"run {run}/{runs} {side.Title,-14} ready {sample.Ready,6:F2} s; " + string.Join("; ",
                        Workloads.Select(w => $"{w.Name} guest {sample.Work[w.Name].Guest,7:F3} s wall {sample.Work[w.Name].Wall,7:F3} s")));
                }
            }

            Print(sides, samples, runs);
            return 0;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static void Print(Side[] sides, Dictionary<Side, List<Sample>> samples, int runs)
    {
        var (a, b, c, d) = (sides[0], sides[1], sides[2], sides[3]);
        double Med(Side side, Func<Sample, double> pick) => Samples.Median(samples[side].Select(pick));
        Console.WriteLine();
        Console.WriteLine($"Our kernel vs Linux 6.1, same busybox initramfs, -M virt -cpu cortex-a57 -m 512M, median of {runs} alternating runs (s)");
        Console.WriteLine($"{"",-48}{a.Title,14}{b.Title,14}{"ours/Linux",12}{c.Title,14}{"(ours on QEMU)/Linux",22}{d.Title,15}{"ours/Linux on ours",20}");
        void Row(string label, Func<Sample, double> pick)
        {
            var (x, y, z, w) = (Med(a, pick), Med(b, pick), Med(c, pick), Med(d, pick));
            Console.WriteLine($"{label,-48}{x,14:F3}{y,14:F3}{x / y,12:F2}{z,14:F3}{z / y,22:F2}{w,15:F3}{x / w,20:F2}");
        }

        Row("start to /init's first line (wall)", s => s.Ready);
        foreach (var (name, label) in Workloads)
        {
            Row($"{label} (guest clock)", s => s.Work[name].Guest);
            Row($"{label} (host wall)", s => s.Work[name].Wall);
        }

        Console.WriteLine();
        Console.WriteLine("Target (the issue): our kernel's fork+exec at most half of Linux-on-QEMU's time (ours/Linux <= 0.5).");
        foreach (var name in new[] { "sh-true", "c-true" })
        {
            var ratio = Med(a, s => s.Work[name].Guest) / Med(b, s => s.Work[name].Guest);
            var each = Med(a, s => s.Work[name].Guest) / Execs * 1000;
            var linuxEach = Med(b, s => s.Work[name].Guest) / Execs * 1000;
            Console.WriteLine($"  {name}: {each:F2} ms vs {linuxEach:F2} ms per fork+exec, ours/Linux {ratio:F2}: {(ratio <= 0.5 ? "met" : "not met")}");
        }
    }

    /// <summary>The repository: the first folder above the benchmark's binaries (or the current one) with Kernel/Kernel.csproj.</summary>
    private static string? FindRepository()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Kernel", "Kernel.csproj")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// newc cpio of: Debian's busybox (from the default guest's initramfs) with the applets /init uses as
    /// symlinks, Userspace's forkexec and threadloop, and the benchmark's /init. The same file boots both kernels.
    /// </summary>
    private static string BuildInitramfs(string temp, string guestInitrd, string forkexec, string threadloop)
    {
        var root = Path.Combine(temp, "root");
        foreach (var dir in new[] { "bin", "dev", "proc", "sys", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
        }

        Shell($"cd '{root}' && gzip -dc '{guestInitrd}' | cpio -id --quiet bin/busybox");
        if (!File.Exists(Path.Combine(root, "bin", "busybox")))
        {
            throw new InvalidOperationException($"bin/busybox is not in {guestInitrd}");
        }

        foreach (var applet in new[] { "sh", "true", "mount", "poweroff" })
        {
            File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
        }

        File.Copy(forkexec, Path.Combine(root, "bin", "forkexec"));
        File.Copy(threadloop, Path.Combine(root, "bin", "threadloop"));
        var init = Path.Combine(root, "init");
        File.WriteAllText(init, Init.Replace("\r", "").Replace("@EXECS@", Execs.ToString(CultureInfo.InvariantCulture))
            .Replace("@LOOP@", LoopIterations.ToString(CultureInfo.InvariantCulture))
            .Replace("@THREADS@", Threads.ToString(CultureInfo.InvariantCulture))
            .Replace("@WAKES@", FutexWakes.ToString(CultureInfo.InvariantCulture))
            .Replace("@PINGPONGS@", PingPongs.ToString(CultureInfo.InvariantCulture)) + "\n");
        Shell($"chmod 755 '{init}'");
        var cpio = Path.Combine(temp, "initramfs.cpio");
        Shell($"cd '{root}' && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet > '{cpio}'");
        return cpio;
    }

    private static void Shell(string command)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("set -o pipefail; " + command);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start bash");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{command}' failed ({process.ExitCode}): {error}");
        }
    }

    [GeneratedRegex(@"^@@ (BEGIN|END) (\S+) (\d+)\.(\d\d)$")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^@@ FORKS (\S+) (\d+)$")]
    private static partial Regex Forks();

    [GeneratedRegex(@"^forkexec: (\d+) x .*: (\d+) ns, ")]
    private static partial Regex ForkExecLine();

    [GeneratedRegex(@"^threadloop: \d+ (\w+) in ([\d.]+) s ")]
    private static partial Regex ThreadLoopLine();

    /// <summary>Boots one side and reads its console line by line, each line stamped when it arrived.</summary>
    private static Sample Measure(Side side)
    {
        var start = new ProcessStartInfo(side.Command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in side.Command[1..])
        {
            start.ArgumentList.Add(arg);
        }

        var lines = new List<(double At, string Text)>();
        var log = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {side.Command[0]}");
        var stderr = process.StandardError.ReadToEndAsync();
        var reader = Task.Run(() =>
        {
            var buffer = new char[4096];
            var line = new StringBuilder();
            int count;
            while ((count = process.StandardOutput.Read(buffer, 0, buffer.Length)) > 0)
            {
                var at = clock.Elapsed.TotalSeconds;
                lock (log)
                {
                    log.Append(buffer, 0, count);
                    for (var i = 0; i < count; i++)
                    {
                        if (buffer[i] == '\n')
                        {
                            lines.Add((at, line.ToString().TrimEnd('\r')));
                            line.Clear();
                        }
                        else
                        {
                            line.Append(buffer[i]);
                        }
                    }
                }
            }
        });
        try
        {
            if (!process.WaitForExit(RunTimeout))
            {
                throw new TimeoutException($"{side.Title}: the guest did not power off within {RunTimeout.TotalMinutes} min; last output: {Tail(log)}");
            }

            reader.Wait(5000);
            lock (log)
            {
                return Parse(side, lines, log);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static string Tail(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString(Math.Max(0, log.Length - 800), Math.Min(800, log.Length));
        }
    }

    private static Sample Parse(Side side, List<(double At, string Text)> lines, StringBuilder log)
    {
        var sample = new Sample();
        var begins = new Dictionary<string, (double At, double Uptime)>();
        var ends = new Dictionary<string, (double At, double Uptime)>();
        var forks = new Dictionary<string, long>();
        long? forkexecNs = null;
        var threadSeconds = new Dictionary<string, double>();
        var done = false;
        var ready = false;
        foreach (var (at, text) in lines)
        {
            if (text == "@@ READY")
            {
                sample.Ready = at;
                ready = true;
            }
            else if (text == "@@ DONE")
            {
                done = true;
            }
            else if (text.StartsWith("@@ FAILED", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{side.Title}: {text}; output: {log}");
            }
            else if (Marker().Match(text) is { Success: true } m)
            {
                var uptime = long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) + long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) / 100.0;
                (m.Groups[1].Value == "BEGIN" ? begins : ends)[m.Groups[2].Value] = (at, uptime);
            }
            else if (Forks().Match(text) is { Success: true } f)
            {
                forks[f.Groups[1].Value] = long.Parse(f.Groups[2].Value, CultureInfo.InvariantCulture);
            }
            else if (ForkExecLine().Match(text) is { Success: true } e)
            {
                forkexecNs = long.Parse(e.Groups[2].Value, CultureInfo.InvariantCulture);
            }
            else if (ThreadLoopLine().Match(text) is { Success: true } t)
            {
                threadSeconds[t.Groups[1].Value] = double.Parse(t.Groups[2].Value, CultureInfo.InvariantCulture);
            }
        }

        if (!ready || !done)
        {
            throw new InvalidOperationException($"{side.Title}: the guest did not finish its workloads; output: {Tail(log)}");
        }

        foreach (var (name, _) in Workloads)
        {
            if (!begins.TryGetValue(name, out var b) || !ends.TryGetValue(name, out var e))
            {
                throw new InvalidOperationException($"{side.Title}: no markers for {name}; output: {Tail(log)}");
            }

            var guest = e.Uptime - b.Uptime;
            if (name == "c-true")
            {
                // The program's own CLOCK_MONOTONIC around its loop (ns), finer than /proc/uptime.
                guest = forkexecNs is { } ns ? ns / 1e9 : throw new InvalidOperationException($"{side.Title}: forkexec printed no time");
            }
            else if (ThreadModes.TryGetValue(name, out var mode))
            {
                guest = threadSeconds.TryGetValue(mode, out var seconds) ? seconds : throw new InvalidOperationException($"{side.Title}: threadloop {mode} printed no time");
            }

            sample.Work[name] = (guest, e.At - b.At);
        }

        // Each /bin/true must have been a process of its own (forkexec itself is one more).
        if (forks.GetValueOrDefault("sh-true") < Execs || forks.GetValueOrDefault("c-true") < Execs + 1)
        {
            throw new InvalidOperationException(
                $"{side.Title}: too few forks (sh-true {forks.GetValueOrDefault("sh-true")}, c-true {forks.GetValueOrDefault("c-true")}); /bin/true was not started each time");
        }

        return sample;
    }
}
