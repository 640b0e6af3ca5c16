using System.Diagnostics;

namespace Benchmarks;

/// <summary>
/// Boots the default guest (Debian's arm64 Linux + busybox initramfs) on QEMU and on our machine in the
/// same run and times (a) start to the shell prompt and (b) a CPU-bound busybox sh loop.
/// </summary>
public static class SideBySide
{
    private const string Loop = "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo LOOP\"\"DONE";

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

        var results = new Dictionary<string, List<(double Boot, double Loop)>> { ["qemu"] = [], ["ours"] = [] };
        for (var i = 0; i < runs; i++)
        {
            // Alternate so that slow drift of the machine's load affects both sides alike.
            results["qemu"].Add(Measure(qemu));
            results["ours"].Add(Measure(ours));
        }

        var q = Median(results["qemu"]);
        var o = Median(results["ours"]);
        Console.WriteLine($"Linux 6.1 + busybox, -cpu cortex-a57 -m 512M, median of {runs} runs");
        Console.WriteLine($"{"",-28}{"QEMU",10}{"ours",10}{"ours/QEMU",12}");
        Console.WriteLine($"{"boot to shell prompt (s)",-28}{q.Boot,10:F2}{o.Boot,10:F2}{o.Boot / q.Boot,12:F2}");
        Console.WriteLine($"{"200k-iteration sh loop (s)",-28}{q.Loop,10:F2}{o.Loop,10:F2}{o.Loop / q.Loop,12:F2}");
        return 0;
    }

    private static (double Boot, double Loop) Median(List<(double Boot, double Loop)> samples)
    {
        var boots = samples.Select(s => s.Boot).Order().ToList();
        var loops = samples.Select(s => s.Loop).Order().ToList();
        return (boots[boots.Count / 2], loops[loops.Count / 2]);
    }

    private static (double Boot, double Loop) Measure(string[] command)
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
        guest.SendLine("poweroff -f");
        guest.WaitForExit(TimeSpan.FromSeconds(30));
        return (boot, loop);
    }
}
