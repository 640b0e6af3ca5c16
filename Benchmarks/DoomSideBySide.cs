using System.Globalization;
using System.Text.RegularExpressions;

namespace Benchmarks;

/// <summary>
/// DOOM's own benchmark, <c>doom -timedemo demo1</c> (chocolate-doom built by Userspace/doom on Freedoom:
/// Phase 1, from the set-up's root disk), on our managed kernel on qemu-system-aarch64 and on our emulator,
/// in turn, with the same options: <c>-M virt -cpu cortex-a57 -m 512M</c>, ramfb at 640x400 (the frame drawn
/// at 2x), the root disk (a fresh copy each run) on virtio-blk. The figure is the game's: demo1's gametics
/// over the realtics it took (the guest's clock, 35 to a second), as frames a second; every gametic is
/// drawn. Our emulator's side runs only when it accepts <c>-device ramfb</c> (asked with
/// <c>-M virt,dumpdtb=</c>); otherwise it says it is skipped.
/// </summary>
public static partial class DoomSideBySide
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan DemoTimeout = TimeSpan.FromMinutes(10);

    private sealed record Side(string Title, string[] Command);

    public static int Run(int runs)
    {
        if (GuestFiles.Find() is not { } files)
        {
            return 1;
        }

        var temp = Directory.CreateTempSubdirectory("doom-bench-").FullName;
        try
        {
            var image = Path.Combine(temp, "disk.img");
            string[] board = ["-M", "virt", "-cpu", "cortex-a57", "-m", "512M", "-nographic", "-no-reboot"];
            string[] guest = ["-kernel", files.OurKernel, "-append", "console=ttyAMA0 root=/dev/vda rw video=640x400", "-device", "ramfb",
                "-drive", $"file={image},format=raw,if=none,id=d0", "-device", "virtio-blk-device,drive=d0"];
            string[] emulator = ["dotnet", Path.Combine(AppContext.BaseDirectory, "Emulator.dll")];
            var sides = new List<Side> { new("QEMU", ["qemu-system-aarch64", .. board, "-nic", "none", .. guest]) };
            if (Accepts(emulator, temp, "ramfb") is { } refusal)
            {
                Console.WriteLine($"our emulator: skipped, it does not accept -device ramfb yet ({refusal})");
            }
            else
            {
                sides.Add(new("ours", [.. emulator, .. board, .. guest]));
            }

            Console.WriteLine($"our kernel: {files.OurKernel} (built {File.GetLastWriteTime(files.OurKernel):yyyy-MM-dd HH:mm}); root disk {files.RootDisk}");
            var samples = sides.ToDictionary(s => s, _ => new List<(double Fps, int Gametics, int Realtics)>());
            for (var run = 1; run <= runs; run++)
            {
                // Alternate so that slow drift of the machine's load affects both sides alike.
                foreach (var side in sides)
                {
                    HostTools.Run("cp", "--sparse=always", files.RootDisk, image);
                    var sample = Measure(side);
                    samples[side].Add(sample);
                    Console.WriteLine($"run {run}/{runs} {side.Title,-5} timed {sample.Gametics} gametics in {sample.Realtics} realtics: {sample.Fps,8:F1} fps");
                }
            }

            Console.WriteLine();
            Console.WriteLine($"doom -timedemo demo1 (Freedoom: Phase 1) on our kernel, -M virt -cpu cortex-a57 -m 512M, ramfb 640x400; median of {runs} runs (fps)");
            var qemu = Samples.Median(samples[sides[0]].Select(s => s.Fps));
            Console.WriteLine($"{"",-24}{"QEMU",10}{"ours",10}{"ours/QEMU",12}");
            if (sides.Count > 1)
            {
                var ours = Samples.Median(samples[sides[1]].Select(s => s.Fps));
                Console.WriteLine($"{"timedemo demo1 (fps)",-24}{qemu,10:F1}{ours,10:F1}{ours / qemu,12:F2}");
            }
            else
            {
                Console.WriteLine($"{"timedemo demo1 (fps)",-24}{qemu,10:F1}{"skipped",10}");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Null when the machine accepts <c>-device <paramref name="device"/></c> on virt; else what it said.</summary>
    private static string? Accepts(string[] machine, string temp, string device)
    {
        var dtb = Path.Combine(temp, "probe.dtb");
        var (code, text) = HostTools.Run(machine[0], [.. machine[1..], "-M", $"virt,dumpdtb={dtb}", "-device", device]);
        return code == 0 && File.Exists(dtb) ? null : text.Trim().Split('\n')[0];
    }

    /// <summary>One boot: the timedemo typed into the disk's shell; the game's report, checked.</summary>
    private static (double Fps, int Gametics, int Realtics) Measure(Side side)
    {
        using var guest = new GuestProcess(side.Command, side.Title);
        var motd = guest.WaitFor("Its recipe is disk-images/", 0, BootTimeout).Length;
        guest.WaitFor("virt:/# ", motd, BootTimeout);
        var output = guest.Shell("doom -timedemo demo1 >/tmp/doom.log 2>&1; echo \"@S $?\"; grep -a '^timed' /tmp/doom.log", DemoTimeout);
        var status = StatusLine().Match(output);
        var timed = TimedLine().Match(output);
        if (!status.Success || status.Groups[1].Value != "0" || !timed.Success)
        {
            throw new InvalidOperationException($"{side.Title}: doom -timedemo failed:\n{output}");
        }

        guest.SendLine("poweroff");
        guest.WaitForExit(TimeSpan.FromMinutes(1));
        return (double.Parse(timed.Groups[3].Value, CultureInfo.InvariantCulture), int.Parse(timed.Groups[1].Value, CultureInfo.InvariantCulture),
            int.Parse(timed.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"(?m)^@S (\d+)\s*$")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"(?m)^timed (\d+) gametics in (\d+) realtics \(([0-9.]+) fps\)\s*$")]
    private static partial Regex TimedLine();
}
