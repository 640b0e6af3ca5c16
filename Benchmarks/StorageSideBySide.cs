using System.Globalization;
using System.Text.RegularExpressions;

namespace Benchmarks;

/// <summary>
/// The virtio-blk path under Debian's Linux, on QEMU and on our machine in the same run, with the same
/// options: the default guest boots with a raw 80 MiB image of zeros as its only disk, and busybox `dd`
/// writes 64 MiB to /dev/vda and reads them back, 1 MiB at a time with O_DIRECT (oflag/iflag=direct), so
/// that every byte goes through the driver and the device, not the guest's page cache. Both machines keep
/// the image in the host's page cache (QEMU's default cache=writeback; ours writes with pwrite and fsyncs
/// only on FLUSH). Each dd is timed by the guest's clock (busybox ash's $EPOCHREALTIME, in microseconds,
/// read before and after it: forks nothing); each boot first does one write and one read unmeasured,
/// then <see cref="Passes"/> measured ones. A third row times the write's source alone (/dev/zero to
/// /dev/null, no disk), the part of the write that is only the CPU's emulation.
/// </summary>
public static partial class StorageSideBySide
{
    private const int Passes = 3;
    private const int Mebibytes = 64;
    private const long ImageBytes = 80L << 20;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private const string Write = "dd if=/dev/zero of=/dev/vda bs=1M count=64 oflag=direct";
    private const string Read = "dd if=/dev/vda of=/dev/null bs=1M count=64 iflag=direct";

    /// <summary>The write's source alone, no disk: the guest's own work of making 64 MiB of zeros (CPU emulation only).</summary>
    private const string Zeros = "dd if=/dev/zero of=/dev/null bs=1M count=64";

    public static int Run(int runs)
    {
        var guest = Path.Combine(Environment.GetEnvironmentVariable("VIRT_EMULATOR_CACHE") is { Length: > 0 } c
            ? c
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "virt-emulator"), "guest");
        var kernel = Path.Combine(guest, "Image");
        var initrd = Path.Combine(guest, "initramfs.cpio.gz");
        if (!File.Exists(kernel) || !File.Exists(initrd))
        {
            Console.Error.WriteLine($"benchmark: the default guest is missing in {guest}; run: bash scripts/setup.sh");
            return 1;
        }

        var temp = Directory.CreateTempSubdirectory("storage-bench-").FullName;
        try
        {
            var image = Path.Combine(temp, "disk.img");
            using (var file = File.Create(image))
            {
                // Real zeros, not a sparse file: neither side pays for the host file system's allocation.
                var zeros = new byte[1 << 20];
                for (var i = 0; i < ImageBytes / zeros.Length; i++)
                {
                    file.Write(zeros);
                }
            }

            string[] board = ["-M", "virt", "-cpu", "cortex-a57", "-m", "512M", "-nographic"];
            string[] disk = ["-kernel", kernel, "-initrd", initrd, "-append", "console=ttyAMA0",
                "-drive", $"file={image},format=raw,if=none,id=d0", "-device", "virtio-blk-device,drive=d0"];
            var sides = new (string Name, string[] Command)[]
            {
                ("QEMU", ["qemu-system-aarch64", .. board, "-nic", "none", .. disk]),
                ("ours", ["dotnet", Path.Combine(AppContext.BaseDirectory, "Emulator.dll"), .. board, .. disk]),
            };
            var samples = sides.ToDictionary(s => s.Name, _ => (Write: new List<double>(), Read: new List<double>(), Zeros: new List<double>()));
            for (var run = 1; run <= runs; run++)
            {
                // Alternate so that slow drift of the machine's load affects both sides alike.
                foreach (var (name, command) in sides)
                {
                    var (writes, reads, zeros) = Measure(name, command);
                    samples[name].Write.AddRange(writes);
                    samples[name].Read.AddRange(reads);
                    samples[name].Zeros.AddRange(zeros);
                    Console.WriteLine($"run {run}/{runs} {name,-5} write {string.Join(" ", writes.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))} s; " +
                        $"read {string.Join(" ", reads.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))} s; " +
                        $"zeros {string.Join(" ", zeros.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))} s");
                }
            }

            var qw = Samples.Median(samples["QEMU"].Write);
            var ow = Samples.Median(samples["ours"].Write);
            var qr = Samples.Median(samples["QEMU"].Read);
            var or = Samples.Median(samples["ours"].Read);
            var qz = Samples.Median(samples["QEMU"].Zeros);
            var oz = Samples.Median(samples["ours"].Zeros);
            Console.WriteLine($"Linux 6.1 + busybox dd, virtio-blk (legacy virtio-mmio), {Mebibytes} MiB in 1 MiB O_DIRECT requests, median of {runs} boots x {Passes} passes");
            Console.WriteLine($"{"",-34}{"QEMU",10}{"ours",10}{"ours/QEMU",12}");
            Console.WriteLine($"{"sequential write (s)",-34}{qw,10:F3}{ow,10:F3}{ow / qw,12:F2}");
            Console.WriteLine($"{"sequential read (s)",-34}{qr,10:F3}{or,10:F3}{or / qr,12:F2}");
            Console.WriteLine($"{"/dev/zero to /dev/null, no disk (s)",-34}{qz,10:F3}{oz,10:F3}{oz / qz,12:F2}");
            Console.WriteLine($"{"write (MiB/s)",-34}{Mebibytes / qw,10:F0}{Mebibytes / ow,10:F0}");
            Console.WriteLine($"{"read (MiB/s)",-34}{Mebibytes / qr,10:F0}{Mebibytes / or,10:F0}");
            return 0;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>One boot: a warm-up write and read, then the measured passes; dd's own seconds.</summary>
    private static (List<double> Writes, List<double> Reads, List<double> Zeros) Measure(string name, string[] command)
    {
        using var guest = new GuestProcess(command, name);
        guest.WaitFor("/ # ", 0, TimeSpan.FromSeconds(120));
        string Shell(string line) => guest.Shell(line, CommandTimeout);

        Shell("dmesg -n 1");
        Dd(Shell(Timed(Write)), name);
        Dd(Shell(Timed(Read)), name);
        var writes = new List<double>();
        var reads = new List<double>();
        var zeros = new List<double>();
        for (var i = 0; i < Passes; i++)
        {
            writes.Add(Dd(Shell(Timed(Write)), name));
            reads.Add(Dd(Shell(Timed(Read)), name));
            zeros.Add(Dd(Shell(Timed(Zeros)), name));
        }

        guest.SendLine("poweroff -f");
        guest.WaitForExit(TimeSpan.FromSeconds(30));
        return (writes, reads, zeros);
    }

    /// <summary>The command that runs <paramref name="dd"/> between two readings of the guest's clock.</summary>
    private static string Timed(string dd) => $"t0=$EPOCHREALTIME; {dd} 2>/tmp/dd.log; t1=$EPOCHREALTIME; echo \"@T $t0 $t1 $(tr '\\n' ' ' < /tmp/dd.log)\"";

    /// <summary>The seconds between the two clock readings, after checking that dd copied all 64 blocks of 1 MiB.</summary>
    private static double Dd(string output, string name)
    {
        var match = TimedLine().Match(output);
        if (!match.Success || !match.Groups[3].Value.Contains($"{Mebibytes}+0 records out", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{name}: dd did not copy {Mebibytes} MiB:\n{output}");
        }

        return double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) - double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"(?m)^@T ([0-9.]+) ([0-9.]+) (.*)$")]
    private static partial Regex TimedLine();
}
