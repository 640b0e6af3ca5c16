using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Benchmarks;

/// <summary>
/// What the window (-display sdl) costs the host: our managed kernel with ramfb at 1024x768 (root disk, a virtio
/// keyboard) on our emulator, once with <c>-display none</c> and once with <c>-display sdl</c> on a virtual X server
/// (Xvfb, 1280x1024x24; Mesa's llvmpipe draws the OpenGL), in turn. Each run boots to the shell, measures the
/// emulator process's CPU time (user + system, /proc/PID/stat) over a stretch with a still picture (the shell's
/// prompt), then over a stretch of DOOM's demo loop (<c>doom</c>, drawing 35 frames a second), and powers off. The
/// window's cost is the difference between the two displays; Xvfb's own CPU time (which a desktop's X server would
/// spend instead) is reported beside it, and the same for the window drawn by SDL's software renderer (the fallback
/// without OpenGL). The window's counts (captures, changed pictures, draws) come from its
/// VIRT_EMULATOR_TRACE line at exit.
/// </summary>
public static partial class WindowCost
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan Stretch = TimeSpan.FromSeconds(20);
    private const double ClockTicks = 100; // USER_HZ on Linux

    private sealed record Sample(double Still, double Doom, double XStill, double XDoom, string Counts);

    public static int Run(int runs)
    {
        if (GuestFiles.Find() is not { } files)
        {
            return 1;
        }

        var temp = Directory.CreateTempSubdirectory("window-bench-").FullName;
        using var xvfb = StartXvfb(out var display);
        try
        {
            var image = Path.Combine(temp, "disk.img");
            Console.WriteLine($"our kernel: {files.OurKernel} (built {File.GetLastWriteTime(files.OurKernel):yyyy-MM-dd HH:mm}); Xvfb on {display}");
            // "sdl, software": the same window with SDL's software renderer, the fallback without OpenGL.
            var samples = new Dictionary<string, List<Sample>> { ["none"] = [], ["sdl"] = [], ["sdl, software"] = [] };
            for (var run = 1; run <= runs; run++)
            {
                foreach (var mode in samples.Keys)
                {
                    HostTools.Run("cp", "--sparse=always", files.RootDisk, image);
                    var sample = Measure(files.OurKernel, image, mode, display, xvfb.Id);
                    samples[mode].Add(sample);
                    Console.WriteLine($"run {run}/{runs} -display {mode,-13}: still {sample.Still,6:F1}% (Xvfb {sample.XStill,5:F1}%), DOOM {sample.Doom,6:F1}% (Xvfb {sample.XDoom,5:F1}%) of a core{sample.Counts}");
                }
            }

            Console.WriteLine();
            Console.WriteLine($"CPU of the emulator process (and of Xvfb), % of one core, our kernel with ramfb 1024x768; median of {runs} runs, {Stretch.TotalSeconds:F0} s each");
            Console.WriteLine("window: -display sdl (OpenGL, llvmpipe) minus -display none; software: -display sdl with SDL's software renderer");
            Console.WriteLine($"{"",-20}{"-display none",15}{"-display sdl",14}{"window",10}{"Xvfb",8}{"software",10}{"window",10}{"Xvfb",8}");
            foreach (var (title, pick, pickX) in new (string, Func<Sample, double>, Func<Sample, double>)[]
                     {
                         ("still picture", s => s.Still, s => s.XStill), ("DOOM's demo loop", s => s.Doom, s => s.XDoom),
                     })
            {
                var none = Samples.Median(samples["none"].Select(pick));
                var sdl = Samples.Median(samples["sdl"].Select(pick));
                var software = Samples.Median(samples["sdl, software"].Select(pick));
                Console.WriteLine($"{title,-20}{none,15:F1}{sdl,14:F1}{sdl - none,10:+0.0;-0.0}{Samples.Median(samples["sdl"].Select(pickX)),8:F1}" +
                    $"{software,10:F1}{software - none,10:+0.0;-0.0}{Samples.Median(samples["sdl, software"].Select(pickX)),8:F1}");
            }

            return 0;
        }
        finally
        {
            xvfb.Kill();
            xvfb.WaitForExit();
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Xvfb on a display number it picks (-displayfd), once it accepts clients.</summary>
    private static Process StartXvfb(out string display)
    {
        var start = new ProcessStartInfo("Xvfb") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start Xvfb (Debian's xvfb; scripts/setup.sh installs it)");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(20)) || line.Result is not { Length: > 0 } number)
        {
            process.Kill();
            throw new InvalidOperationException("Xvfb did not start within 20 s");
        }

        display = $":{number.Trim()}";
        return process;
    }

    private static Sample Measure(string kernel, string disk, string mode, string display, int xvfb)
    {
        string[] command =
        [
            "dotnet", Path.Combine(AppContext.BaseDirectory, "Emulator.dll"), "-M", "virt", "-cpu", "cortex-a57", "-m", "512M", "-no-reboot",
            "-kernel", kernel, "-append", "console=ttyAMA0 root=/dev/vda rw video=1024x768",
            "-drive", $"file={disk},format=raw,if=none,id=d0", "-device", "virtio-blk-device,drive=d0",
            "-device", "ramfb", "-device", "virtio-keyboard-device", "-display", mode == "none" ? "none" : "sdl",
        ];
        var environment = new Dictionary<string, string?> { ["DISPLAY"] = display, ["VIRT_EMULATOR_TRACE"] = "1" };
        if (mode == "sdl, software")
        {
            environment["SDL_OPENGL_LIBRARY"] = "/nonexistent/libGL.so.1"; // no OpenGL: SDL's software renderer
        }

        using var guest = new GuestProcess(command, $"-display {mode}", environment);
        var motd = guest.WaitFor("Its recipe is disk-images/", 0, BootTimeout).Length;
        guest.WaitFor("virt:/# ", motd, BootTimeout);
        Thread.Sleep(TimeSpan.FromSeconds(3)); // the boot's last drawing done

        var (still, xStill) = CpuShare(guest.ProcessId, xvfb);
        guest.Shell("(doom >/dev/null 2>&1 </dev/null &)", BootTimeout);
        Thread.Sleep(TimeSpan.FromSeconds(5)); // DOOM loads its WAD and starts the demo loop
        var (doom, xDoom) = CpuShare(guest.ProcessId, xvfb);

        guest.SendLine("killall doom; poweroff");
        guest.WaitForExit(TimeSpan.FromMinutes(1));
        var counts = WindowCounts().Match(guest.Errors);
        return new Sample(still, doom, xStill, xDoom, counts.Success ? $"; window: {counts.Groups[1].Value}" : "");
    }

    /// <summary>The CPU time two processes took over one stretch, each as a percentage of one core.</summary>
    private static (double First, double Second) CpuShare(int first, int second)
    {
        var clock = Stopwatch.StartNew();
        var (a0, b0) = (CpuSeconds(first), CpuSeconds(second));
        Thread.Sleep(Stretch);
        var (a1, b1) = (CpuSeconds(first), CpuSeconds(second));
        var wall = clock.Elapsed.TotalSeconds;
        return ((a1 - a0) / wall * 100, (b1 - b0) / wall * 100);
    }

    /// <summary>utime + stime of a process (fields 14 and 15 of /proc/PID/stat, after the command name).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicks;
    }

    [GeneratedRegex(@"emulator: window: (\d+ captures, [^\r\n]+)")]
    private static partial Regex WindowCounts();
}
