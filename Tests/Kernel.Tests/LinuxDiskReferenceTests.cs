using System.Security.Cryptography;
using System.Text;

namespace Kernel.Tests;

/// <summary>
/// The reference for the disk tests: Debian's arm64 Linux under qemu-system-aarch64, its root on the
/// project's disk image (disk-images/, built by the set-up into the cache) as /dev/vda on
/// virtio-blk, runs Userspace's fsstress from its shell and powers off. fsstress must pass, the host's
/// e2fsck -fn must find the image clean, and debugfs must read back what fsstress left: the file
/// sync.txt, whose content the test knows, and the model phase's final tree, which must equal the tree
/// the same program with the same seed leaves on the host (under qemu-aarch64-static). A second test
/// runs it on an ext2 disk with 1 KiB blocks mounted on /mnt. Our kernel is
/// held to the same program and checks later. The pristine image in the cache is never written: the
/// test works on a copy with the current fsstress put in by debugfs.
/// </summary>
[Collection("Qemu")]
public class LinuxDiskReferenceTests
{
    private const int Seed = 7;
    private const int SyncLines = 4096;
    private const string QemuUser = "/usr/bin/qemu-aarch64-static";
    private const string Debugfs = "/usr/sbin/debugfs";
    private const string E2fsck = "/usr/sbin/e2fsck";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The full sizes (10000 files, a 64 MiB file, 20000 operations): about 70 s on Linux under QEMU.</summary>
    private static readonly string[] Options = ["-q", "-s", Seed.ToString()];

    [Fact]
    public void Fsstress_PassesOnLinuxWithItsRootOnVirtioBlk_AndTheDiskChecksClean()
    {
        string fsstress = UserspaceGuest.Binary("fsstress");
        string dir = Path.Combine(Path.GetTempPath(), $"linux-disk-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string image = RootDiskCopy(dir, fsstress);
            string output = RunOnLinux(image, null, $"fsstress {string.Join(' ', Options)} /root/t; echo rc=$?");
            AssertPassed(output, 20000);
            AssertClean(image);

            // What fsstress left in /root/t: its model tree and sync.txt; the many files and the big one are gone.
            string listing = Tool(Debugfs, "-R", "ls -p /root/t", image);
            string[] names = listing.Split('\n').Select(l => l.Split('/')).Where(f => f.Length > 5).Select(f => f[5])
                .Where(n => n is not ("." or "..")).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "model", "sync.txt" }, names);

            byte[] sync = Dump(image, "/root/t/sync.txt", dir);
            Assert.Equal(SyncText(), Encoding.ASCII.GetString(sync));

            // The model tree on the disk is the tree the same run leaves on the host's file system.
            string hostRun = Path.Combine(dir, "host");
            HostResult reference = HostCommand.Run(QemuUser, new[] { fsstress }.Concat(Options).Concat([hostRun, "model"]), null, TimeSpan.FromMinutes(5));
            Assert.True(reference.ExitCode == 0, $"fsstress model under qemu-user on the host failed:\n{reference.Stdout}{reference.Stderr}");
            string fromDisk = Path.Combine(dir, "disk");
            Directory.CreateDirectory(fromDisk);
            Tool(Debugfs, "-R", $"rdump /root/t/model {fromDisk}", image);
            string[] expected = Snapshot(Path.Combine(hostRun, "model"), relative => Mode(Path.Combine(hostRun, "model", relative)));
            // rdump drops the sticky bit, so the modes come from the inodes (debugfs ls -p).
            Dictionary<string, string> modes = DiskModes(image, "/root/t/model");
            string[] actual = Snapshot(Path.Combine(fromDisk, "model"),
                relative => modes.TryGetValue(relative, out string? mode) ? mode : $"(not listed by debugfs ls -p: {relative})");
            Assert.True(expected.Length > 10, $"the host's model tree is nearly empty:\n{string.Join('\n', expected)}");
            Assert.Equal(expected, actual);
            Assert.Equal(expected.Select(l => l[..l.IndexOf(' ')]), modes.Keys.Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// ext2 with 1 KiB blocks (indirect blocks from 12 KiB, double-indirect from 268 KiB, which the
    /// model phase's far writes reach) as a second disk, mounted by Linux on /mnt: fsstress passes and
    /// e2fsck -fn finds both disks clean after umount and poweroff.
    /// </summary>
    [Fact]
    public void Fsstress_PassesOnLinuxOnExt2With1KiBBlocks()
    {
        string fsstress = UserspaceGuest.Binary("fsstress");
        string dir = Path.Combine(Path.GetTempPath(), $"linux-disk-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string image = RootDiskCopy(dir, fsstress);
            string data = Path.Combine(dir, "data.ext2");
            Tool("truncate", "-s", "200M", data);
            Tool("/usr/sbin/mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", data);
            string output = RunOnLinux(image, data,
                "mount -t ext2 /dev/vdb /mnt && fsstress -q -s 3 -n 10000 /mnt/t; echo rc=$?; umount /mnt && echo unmounted");
            AssertPassed(output, 10000);
            Assert.Contains("unmounted", output);
            AssertClean(data);
            AssertClean(image);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A copy of the set-up's root disk in dir with the current fsstress on it.</summary>
    private static string RootDiskCopy(string dir, string fsstress)
    {
        string pristine = Path.Combine(BusyboxGuestRoot.CacheFolder, "disk", "rootfs.ext2");
        Assert.True(File.Exists(pristine), $"the root disk image is missing at {pristine}; run: bash scripts/setup.sh");
        string image = Path.Combine(dir, "rootfs.ext2");
        Tool("cp", "--sparse=always", pristine, image);
        InstallFsstress(image, fsstress, dir);
        return image;
    }

    /// <summary>
    /// Boots Debian's Linux with its root on <paramref name="root"/> (/dev/vda) and, if given,
    /// <paramref name="second"/> as /dev/vdb, runs <paramref name="command"/> at its shell, then
    /// "sync; poweroff"; returns what the command printed. Linux must power off and log no ext4 error.
    /// </summary>
    private static string RunOnLinux(string root, string? second, string command)
    {
        string linux = UserspaceGuest.DebianLinuxImage();
        string initramfs = Path.Combine(BusyboxGuestRoot.CacheFolder, "guest", "initramfs.cpio.gz");
        Assert.True(File.Exists(initramfs), $"the Linux guest's initramfs is missing at {initramfs}; run: bash scripts/setup.sh");
        var options = new List<string> { "-initrd", initramfs };
        // QEMU's virt fills the virtio-mmio transports from the top: the device given last is vda.
        if (second != null)
            options.AddRange(["-drive", $"file={second},format=raw,if=none,id=d1", "-device", "virtio-blk-device,drive=d1"]);
        options.AddRange(["-drive", $"file={root},format=raw,if=none,id=d0", "-device", "virtio-blk-device,drive=d0"]);
        using var machine = QemuMachine.WithKernel(BootMachine.Qemu, linux, "console=ttyAMA0 root=/dev/vda rw", "512M", options.ToArray());
        machine.WaitForShellPrompt(@"^virt:/# ", TimeSpan.FromMinutes(2));
        string output = machine.RunShellCommand(command, TimeSpan.FromMinutes(8));
        machine.SendLine("sync; poweroff");
        bool off = machine.WaitForExit(TimeSpan.FromMinutes(2));
        string console = machine.Output;
        Assert.True(off, $"Linux did not power off after 'sync; poweroff':\n{Tail(console)}");
        Assert.DoesNotContain("EXT4-fs error", console);
        return output;
    }

    private static void AssertPassed(string output, int operations)
    {
        string[] lines = output.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Contains("fsstress: 4 passed, 0 failed") && lines.Contains("rc=0"), $"fsstress failed on Linux:\n{output}");
        foreach (string phase in new[] { "many", "big", "model", "sync" })
            Assert.Contains(lines, l => l.StartsWith($"ok {phase} (", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"ok model ({operations} ops, ", StringComparison.Ordinal));
    }

    private static void AssertClean(string image)
    {
        HostResult fsck = HostCommand.Run(E2fsck, ["-fn", image], null, ToolTimeout);
        Assert.True(fsck.ExitCode == 0, $"e2fsck -fn found {Path.GetFileName(image)} not clean after Linux's run (exit {fsck.ExitCode}):\n{fsck.Stdout}{fsck.Stderr}");
    }

    /// <summary>Replaces /usr/local/bin/fsstress on the image with the current build and checks it is there, byte for byte.</summary>
    private static void InstallFsstress(string image, string fsstress, string dir)
    {
        string commands = Path.Combine(dir, "install.debugfs");
        File.WriteAllText(commands,
            "rm /usr/local/bin/fsstress\n" +
            $"write \"{fsstress}\" /usr/local/bin/fsstress\n" +
            "sif /usr/local/bin/fsstress mode 0100755\n");
        Tool(Debugfs, "-w", "-f", commands, image);
        Assert.True(Dump(image, "/usr/local/bin/fsstress", dir).AsSpan().SequenceEqual(File.ReadAllBytes(fsstress)),
            "debugfs did not put the current fsstress on the image");
    }

    private static byte[] Dump(string image, string path, string dir)
    {
        string file = Path.Combine(dir, "dumped");
        File.Delete(file);
        string log = Tool(Debugfs, "-R", $"dump {path} {file}", image);
        Assert.True(File.Exists(file), $"debugfs could not dump {path}:\n{log}");
        byte[] bytes = File.ReadAllBytes(file);
        File.Delete(file);
        return bytes;
    }

    /// <summary>What fsstress's sync phase writes: "fsstress sync seed S line NNNNN\n" for lines 0 to 4095.</summary>
    private static string SyncText()
    {
        var text = new StringBuilder();
        for (int i = 0; i < SyncLines; i++)
            text.Append($"fsstress sync seed {Seed} line {i:D5}\n");
        return text.ToString();
    }

    /// <summary>
    /// One line per file under root, sorted: path, type, permission bits (from <paramref name="mode"/>,
    /// given the relative path) and size, with a SHA-256 of a file's content and a symlink's target.
    /// (Hard links are separate files in a debugfs rdump, so link counts are not compared; fsstress
    /// itself checked them.)
    /// </summary>
    private static string[] Snapshot(string root, Func<string, string> mode)
    {
        Assert.True(Directory.Exists(root), $"{root} does not exist");
        var lines = new List<string>();
        foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, path);
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
                lines.Add($"{relative} symlink -> {target}");
            else if (Directory.Exists(path))
                lines.Add($"{relative} directory {mode(relative)}");
            else
                lines.Add($"{relative} file {mode(relative)} {info.Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))}");
        }
        lines.Sort(StringComparer.Ordinal);
        return lines.ToArray();
    }

    private static string Mode(string path) => Convert.ToString((int)new FileInfo(path).UnixFileMode, 8);

    /// <summary>The permission bits (octal, as <see cref="Mode"/> gives them) of everything below directory path on the image, by relative path.</summary>
    private static Dictionary<string, string> DiskModes(string image, string path)
    {
        var modes = new Dictionary<string, string>(StringComparer.Ordinal);
        void List(string relative)
        {
            // ls -p: "/inode/mode/uid/gid/name/size/" per entry, the mode in octal with its type bits.
            foreach (string[] f in Tool(Debugfs, "-R", $"ls -p \"{path}/{relative}\"", image).Split('\n').Select(l => l.Split('/')).Where(f => f.Length > 5))
            {
                if (f[5] is "." or "..")
                    continue;
                int mode = Convert.ToInt32(f[2], 8);
                string child = relative.Length == 0 ? f[5] : $"{relative}/{f[5]}";
                modes[child] = Convert.ToString(mode & 0xfff, 8);
                if ((mode & 0xf000) == 0x4000)
                    List(child);
            }
        }
        List("");
        return modes;
    }

    private static string Tool(string file, params string[] args)
    {
        HostResult r = HostCommand.Run(file, args, null, ToolTimeout);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, $"{file} {string.Join(' ', args)} failed (exit {r.ExitCode}):\n{r.Stdout}{r.Stderr}");
        return r.Stdout;
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];
}
