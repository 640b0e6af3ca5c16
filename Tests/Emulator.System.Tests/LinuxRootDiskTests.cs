using System.Runtime.Versioning;
using System.Text.RegularExpressions;

namespace Emulator.System.Tests;

/// <summary>
/// Debian's Linux with its root on a virtio-blk disk (a copy of the root disk image that disk-images/
/// builds; <c>root=/dev/vda rw</c>, busybox init from the disk), on our machine and on QEMU: the same
/// shell workload, then `poweroff` through init (which syncs and unmounts). Each image then checks clean
/// and both hold the same files.
/// </summary>
[Collection(LinuxGuestCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed partial class LinuxRootDiskTests(LinuxRootDiskTests.Runs runs) : IClassFixture<LinuxRootDiskTests.Runs>
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Files of every kind: 300 small files, a 1.3 MB one, a symbolic and a hard link, a rename across
    /// directories, removals, a sparse file, a truncation, modes; then a sync and a summary.
    /// </summary>
    private const string Workload =
        "mkdir -p /work/tree/sub && cd /work && for i in $(seq 1 300); do echo \"file $i\" > tree/f$i; done && " +
        "seq 1 200000 > tree/sub/numbers && ln -s ../f1 tree/sub/link && ln tree/f2 tree/hard && " +
        "mv tree/f3 tree/sub/moved && rm tree/f4 tree/f5 && dd if=/dev/zero of=tree/sparse bs=1 count=1 seek=3000000 2>/dev/null && " +
        "cp tree/sub/numbers tree/cut && truncate -s 1000 tree/cut && chmod 600 tree/f6 && chmod 751 tree/sub && " +
        "cd / && sync && echo $(ls /work/tree | wc -l) $(md5sum < /work/tree/sub/numbers)";

    private const string ExpectedSummary = "301 0e10426a1d5bddffcef02f1345787128 -";

    private readonly Runs _runs = runs;

    /// <summary>Each machine's run, made once for the class (the QEMU one only when a test asks for it).</summary>
    public sealed class Runs : IDisposable
    {
        private readonly TempFolder _folder = new();
        private readonly Lazy<RootDiskRun> _ours;
        private readonly Lazy<RootDiskRun> _qemu;

        public Runs()
        {
            _ours = new(() => RootDiskRun.Boot(_folder, "ours", arguments =>
                GuestConsole.Start(["-kernel", TestEnvironment.DefaultKernel, "-initrd", TestEnvironment.DefaultInitramfs, .. arguments])));
            _qemu = new(() => RootDiskRun.Boot(_folder, "qemu", arguments =>
                GuestConsole.StartQemu(["-kernel", TestEnvironment.DefaultKernel, "-initrd", TestEnvironment.DefaultInitramfs, .. arguments])));
        }

        public RootDiskRun Ours => _ours.Value;

        public RootDiskRun Qemu => _qemu.Value;

        public string Folder => _folder.Path;

        public void Dispose() => _folder.Dispose();
    }

    /// <summary>What one machine left: the workload's summary line, the exit code after poweroff, and the image.</summary>
    public sealed record RootDiskRun(string Summary, int ExitCode, string Image, string Console)
    {
        public static RootDiskRun Boot(TempFolder folder, string name, Func<string[], GuestConsole> start)
        {
            var image = folder.File($"root-{name}.img");
            File.Copy(TestEnvironment.RootDiskImage, image);
            using var console = start([
                "-append", "console=ttyAMA0 root=/dev/vda rw",
                "-drive", $"file={image},format=raw,if=none,id=root", "-device", "virtio-blk-device,drive=root",
                "-device", "virtio-rng-device"]);
            console.FailOn = LinuxGuestCollection.KernelFailure;
            // The disk's /etc/profile sets the prompt "hostname:cwd# "; the tests' console helper knows "/ # ".
            console.WaitFor(DiskPrompt(), LinuxGuestCollection.BootTimeout);
            console.Mark();
            console.Type("PS1='/ # '");
            console.WaitFor(GuestConsole.ShellPrompt, CommandTimeout);
            var root = console.Run("grep ' / ' /proc/mounts", CommandTimeout);
            Assert.Matches("^/dev/(root|vda) / ext[24] rw[, ]", root);
            var summary = console.Run(Workload, CommandTimeout);
            console.Type("poweroff");
            var exitCode = console.WaitForExit(TimeSpan.FromSeconds(60));
            return new RootDiskRun(summary, exitCode, image, console.Output);
        }
    }

    [Fact]
    public void OursRunsTheWorkloadOnTheRootDiskAndPowersOffClean()
    {
        var ours = _runs.Ours;

        Assert.Equal(ExpectedSummary, ours.Summary);
        Assert.Equal(0, ours.ExitCode);
        Assert.Contains("reboot: Power down", ours.Console);
        HostDisk.AssertClean(ours.Image);
        Assert.Equal("file 300\n", HostDisk.Debugfs(ours.Image, "cat /work/tree/f300"));
    }

    [Fact]
    public void QemuAndOursLeaveTheSameFiles()
    {
        var ours = _runs.Ours;
        var qemu = _runs.Qemu;

        Assert.Equal(qemu.Summary, ours.Summary);
        Assert.Equal(0, qemu.ExitCode);
        HostDisk.AssertClean(qemu.Image);
        HostDisk.AssertClean(ours.Image);
        var expected = Manifest(qemu.Image, "qemu");
        var actual = Manifest(ours.Image, "ours");
        Assert.True(expected.Count > 300, $"QEMU's image should hold the workload's files, has {expected.Count} entries");
        Assert.Equal(expected, actual);
    }

    /// <summary>
    /// /work as debugfs copies it out (rdump keeps modes and symbolic links): one line per entry with its
    /// path, kind, mode, size and content hash or link target. Times and inode numbers are left out.
    /// </summary>
    private List<string> Manifest(string image, string name)
    {
        var target = Directory.CreateDirectory(Path.Combine(_runs.Folder, "rdump-" + name)).FullName;
        HostDisk.Debugfs(image, $"rdump /work {target}");
        var root = Path.Combine(target, "work");
        return Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(path =>
            {
                var info = new FileInfo(path);
                var relative = Path.GetRelativePath(root, path);
                var mode = Convert.ToString((int)File.GetUnixFileMode(path), 8);
                if (info.LinkTarget is { } link)
                {
                    return $"{relative} link {link}";
                }

                return Directory.Exists(path)
                    ? $"{relative} dir {mode}"
                    : $"{relative} file {mode} {info.Length} {HostDisk.Sha256(path)}";
            })
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    [GeneratedRegex(@"(?m)^virt:/# ")]
    private static partial Regex DiskPrompt();
}
