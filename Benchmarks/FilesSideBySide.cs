using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Benchmarks;

/// <summary>
/// A file workload on the root disk: our managed kernel against Debian's Linux, both on our emulator,
/// both booted from a fresh copy of the set-up's root disk (disk-images/, ext2) on virtio-blk with
/// root=/dev/vda rw, into the disk's busybox shell. The host writes a tar archive of a tree of
/// <see cref="Files"/> small files in nested directories (deterministic: the same bytes every run) to
/// the copy with debugfs; the guest then, each phase timed by its own clock (busybox ash's
/// $EPOCHREALTIME, read before and after, forks nothing): (1) unpacks it with busybox tar and syncs,
/// (2) walks the tree with find and counts the names, (3) reads every file back (md5sum of each, in
/// sorted order, hashed again), (4) removes the tree and syncs. Every phase's result is checked against
/// the host's: tar's status, the count of names, the hash of every file's name and contents, the tree
/// gone and the file system's free blocks and inodes back to what they were; after poweroff, host
/// e2fsck finds the disk clean. A kernel that skips work or loses data fails the run, not looks fast.
/// </summary>
public static partial class FilesSideBySide
{
    private const int TopDirs = 20;
    private const int SubDirs = 10;
    private const int FilesPerDir = 15;
    private const int Files = TopDirs * SubDirs * FilesPerDir;

    /// <summary>Names find prints: /bench, the directories and the files.</summary>
    private const int Names = 1 + TopDirs + TopDirs * SubDirs + Files;

    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(10);

    private static readonly (string Name, string Label)[] Phases =
    [
        ("unpack", "tar -xf + sync"),
        ("walk", "find | wc -l"),
        ("read", "md5sum of every file"),
        ("remove", "rm -rf + sync"),
    ];

    private sealed record Side(string Title, string[] Command);

    public static int Run(int runs)
    {
        if (GuestFiles.Find() is not { } files)
        {
            return 1;
        }

        var (linux, initrd, rootfs, ourKernel) = (files.Linux, files.Initrd, files.RootDisk, files.OurKernel);

        var temp = Directory.CreateTempSubdirectory("files-bench-").FullName;
        try
        {
            var tar = Path.Combine(temp, "bench.tar");
            var (bytes, expected) = WriteTree(tar);
            string[] disk = ["-append", "console=ttyAMA0 root=/dev/vda rw", "-drive", $"file={Path.Combine(temp, "disk.img")},format=raw,if=none,id=d0",
                "-device", "virtio-blk-device,drive=d0", "-device", "virtio-rng-device"];
            string[] emulator = ["dotnet", Path.Combine(AppContext.BaseDirectory, "Emulator.dll"), "-M", "virt", "-m", "512M", "-nographic"];
            Side[] sides =
            [
                new("ours", [.. emulator, "-kernel", ourKernel, .. disk]),
                new("Linux", [.. emulator, "-kernel", linux, "-initrd", initrd, .. disk]),
            ];

            Console.WriteLine($"our kernel: {ourKernel} (built {File.GetLastWriteTime(ourKernel):yyyy-MM-dd HH:mm})");
            Console.WriteLine($"Linux: {linux}; root disk {rootfs}");
            Console.WriteLine($"tree: {Files} files in {TopDirs + TopDirs * SubDirs} directories, {bytes / 1024.0 / 1024.0:F2} MiB of data, " +
                $"tar {new FileInfo(tar).Length / 1024.0 / 1024.0:F2} MiB");
            var samples = sides.ToDictionary(s => s, _ => new List<Dictionary<string, double>>());
            for (var run = 1; run <= runs; run++)
            {
                // Alternate so that slow drift of the machine's load affects both sides alike.
                foreach (var side in sides)
                {
                    var image = Path.Combine(temp, "disk.img");
                    File.Copy(rootfs, image, overwrite: true);
                    Tool("debugfs", "-w", "-R", $"write {tar} bench.tar", image);
                    var sample = Measure(side, expected);
                    Fsck(side, image);
                    samples[side].Add(sample);
                    Console.WriteLine($"run {run}/{runs} {side.Title,-6}" +
                        string.Join(";", Phases.Select(p => $" {p.Name} {sample[p.Name],6:F3} s")) + $"; total {sample.Values.Sum(),6:F3} s");
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

    private static void Print(Side[] sides, Dictionary<Side, List<Dictionary<string, double>>> samples, int runs)
    {
        var (ours, linux) = (sides[0], sides[1]);
        Console.WriteLine();
        Console.WriteLine($"Our kernel vs Linux 6.1, both on our emulator, -M virt -m 512M, root on virtio-blk (ext2, fresh copy each run); " +
            $"{Files} files; median of {runs} alternating runs (s)");
        Console.WriteLine($"{"",-30}{"ours",10}{"Linux",10}{"ours/Linux",12}");
        void Row(string label, Func<Dictionary<string, double>, double> pick)
        {
            var (o, l) = (Samples.Median(samples[ours].Select(pick)), Samples.Median(samples[linux].Select(pick)));
            Console.WriteLine($"{label,-30}{o,10:F3}{l,10:F3}{o / l,12:F2}");
        }

        foreach (var (name, label) in Phases)
        {
            Row($"{name}: {label}", s => s[name]);
        }

        Row("total", s => s.Values.Sum());
        var ratio = Samples.Median(samples[ours].Select(s => s.Values.Sum())) / Samples.Median(samples[linux].Select(s => s.Values.Sum()));
        Console.WriteLine();
        Console.WriteLine($"Target (the issue): ours faster than Linux on the same machine (ours/Linux < 1): {(ratio < 1 ? "met" : "not met")} ({ratio:F2}).");
    }

    /// <summary>
    /// The tree's archive: bench/dNN/sNN/fNNN, every file's size and text drawn from a fixed seed (most of
    /// them 0.1-3 KiB, every 40th 8-40 KiB). Returns the data's size and what md5sum of every file, in
    /// sorted order, hashed once more gives on the guest.
    /// </summary>
    private static (long Bytes, string Md5) WriteTree(string path)
    {
        var random = new Random(20261206);
        var mtime = DateTimeOffset.FromUnixTimeSeconds(1764979200);
        var listing = new StringBuilder();
        long bytes = 0;
        using var stream = File.Create(path);
        using (var writer = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: true))
        {
            void Directory(string name) => writer.WriteEntry(new UstarTarEntry(TarEntryType.Directory, name)
            {
                Mode = (UnixFileMode)Convert.ToInt32("755", 8),
                ModificationTime = mtime,
            });

            Directory("bench/");
            for (var d = 0; d < TopDirs; d++)
            {
                Directory($"bench/d{d:D2}/");
                for (var s = 0; s < SubDirs; s++)
                {
                    Directory($"bench/d{d:D2}/s{s:D2}/");
                    for (var f = 0; f < FilesPerDir; f++)
                    {
                        var name = $"bench/d{d:D2}/s{s:D2}/f{f:D3}";
                        var size = random.Next(40) == 0 ? random.Next(8 << 10, 40 << 10) : random.Next(100, 3 << 10);
                        var data = new byte[size];
                        for (var i = 0; i < size; i++)
                        {
                            data[i] = (byte)(i % 64 == 63 ? '\n' : 'a' + random.Next(26));
                        }

                        bytes += size;
                        listing.Append(CultureInfo.InvariantCulture, $"{Convert.ToHexStringLower(MD5.HashData(data))}  /{name}\n");
                        writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name)
                        {
                            Mode = (UnixFileMode)Convert.ToInt32("644", 8),
                            ModificationTime = mtime,
                            DataStream = new MemoryStream(data),
                        });
                    }
                }
            }
        }

        // Names are fixed-width: their ordinal order is the order of the guest's sort.
        return (bytes, Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(listing.ToString()))));
    }

    /// <summary>One boot: the four phases typed into the disk's shell, each checked; the guest's seconds per phase.</summary>
    private static Dictionary<string, double> Measure(Side side, string md5)
    {
        using var guest = new GuestProcess(side.Command, side.Title);
        var motd = guest.WaitFor("Its recipe is disk-images/", 0, BootTimeout).Length;
        guest.WaitFor("virt:/# ", motd, BootTimeout);
        string Shell(string line) => guest.Shell(line, CommandTimeout);

        Shell("dmesg -n 1 2>/dev/null");
        var before = Free(Shell(Stat), side);
        var times = new Dictionary<string, double>();
        var (unpack, status) = ShellClock.Timed(Shell(ShellClock.Time("tar -xf /bench.tar -C /; s=$?; sync", "$s")), side.Title);
        Check(side, "unpack", status == "0", $"tar's status {status}");
        times["unpack"] = unpack;
        var (walk, names) = ShellClock.Timed(Shell(ShellClock.Time("n=$(find /bench -xdev | wc -l)", "$n")), side.Title);
        Check(side, "walk", names == Names.ToString(CultureInfo.InvariantCulture), $"{names} names, not {Names}");
        times["walk"] = walk;
        var (read, hash) = ShellClock.Timed(Shell(ShellClock.Time("m=$(find /bench -xdev -type f | sort | xargs md5sum | md5sum)", "$m")), side.Title);
        Check(side, "read", hash.StartsWith(md5, StringComparison.Ordinal), $"hash {hash}, not {md5}");
        times["read"] = read;
        var (remove, left) = ShellClock.Timed(Shell(ShellClock.Time("rm -rf /bench; sync", "$(ls -d /bench 2>/dev/null | wc -l)")), side.Title);
        Check(side, "remove", left == "0", "/bench is still there");
        times["remove"] = remove;
        var after = Free(Shell(Stat), side);
        Check(side, "remove", after == before, $"free blocks and inodes {after}, before the unpack {before}");

        // A clean shutdown (the disk's inittab syncs and unmounts) so that e2fsck may check the image.
        guest.SendLine("poweroff");
        if (!guest.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            throw new TimeoutException($"{side.Title}: the guest did not power off; last output: {guest.Tail()}");
        }

        return times;
    }

    /// <summary>The root's free 1 KiB blocks and free inodes (busybox df: the 4th column).</summary>
    private const string Stat = "echo \"@F $(df -k / | tail -n 1 | tr -s ' ' | cut -d ' ' -f 4) $(df -i / | tail -n 1 | tr -s ' ' | cut -d ' ' -f 4)\"";

    private static string Free(string output, Side side) =>
        FreeLine().Match(output) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"{side.Title}: no df figures:\n{output}");

    private static void Check(Side side, string phase, bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"{side.Title}: {phase}: {what}");
        }
    }

    /// <summary>Host e2fsck -fn of the image the guest used: a kernel that left the file system damaged fails the run.</summary>
    private static void Fsck(Side side, string image)
    {
        var (code, text) = HostTools.Run("e2fsck", "-fn", image);
        if (code != 0)
        {
            throw new InvalidOperationException($"{side.Title}: e2fsck -fn finds the disk unclean after the run ({code}):\n{text}");
        }
    }

    private static void Tool(string tool, params string[] args)
    {
        var (code, text) = HostTools.Run(tool, args);
        if (code != 0 || text.Contains("error", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({code}): {text}");
        }
    }

    [GeneratedRegex(@"(?m)^@F (\d+ \d+)\s*$")]
    private static partial Regex FreeLine();
}
