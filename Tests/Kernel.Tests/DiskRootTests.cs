using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Kernel.Tests;

/// <summary>
/// The kernel booted the way `dotnet run --project Emulator` boots it: no initramfs, its root the
/// set-up's disk image (disk-images/) on virtio-blk with root=/dev/vda rw, busybox init from the disk.
/// A person types into the console; the host checks the image afterwards with e2fsprogs (e2fsck -fn
/// must find it clean, debugfs shows what the guest wrote).
/// </summary>
public abstract class DiskRootTests : IDisposable
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);
    private readonly BootMachine _machineKind;
    private readonly string _folder;
    private QemuMachine? _machine;

    protected DiskRootTests(BootMachine machine)
    {
        _machineKind = machine;
        _folder = Path.Combine(Path.GetTempPath(), $"disk-root-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
    }

    public void Dispose()
    {
        _machine?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    public static string PristineDisk => Path.Combine(BusyboxGuestRoot.CacheFolder, "disk", "rootfs.ext2");

    /// <summary>A private copy of the set-up's root disk (sparse, like the emulator's working copy).</summary>
    private string CopyOfRootDisk()
    {
        if (!File.Exists(PristineDisk))
            throw new InvalidOperationException($"the root disk image is missing at {PristineDisk}: run bash scripts/setup.sh");
        string image = Path.Combine(_folder, "root.ext2");
        Tool("cp", "--sparse=always", PristineDisk, image);
        return image;
    }

    /// <summary>An image made by mke2fs -d from <paramref name="files"/> (name → content).</summary>
    private string MakeImage(string name, string type, Dictionary<string, byte[]> files, int sizeMiB = 16)
    {
        string source = Path.Combine(_folder, name + ".d");
        foreach (var (path, content) in files)
        {
            string full = Path.Combine(source, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
        }
        Directory.CreateDirectory(source);
        string image = Path.Combine(_folder, name + ".img");
        Tool("mke2fs", "-q", "-F", "-t", type, "-d", source, image, $"{sizeMiB}M");
        return image;
    }

    /// <summary>Boots with the root disk last (so it is vda) after any other disks, and waits for the shell.</summary>
    private QemuMachine Boot(string rootImage, params string[] otherImages)
    {
        var options = new List<string>();
        for (int i = 0; i < otherImages.Length; i++)
        {
            options.AddRange(["-drive", $"file={otherImages[i]},format=raw,if=none,id=x{i}"]);
            options.AddRange(["-device", $"virtio-blk-device,drive=x{i},serial=extra{i}"]);
        }
        options.AddRange(["-device", "virtio-rng-device"]);
        options.AddRange(["-drive", $"file={rootImage},format=raw,if=none,id=root"]);
        options.AddRange(["-device", "virtio-blk-device,drive=root,serial=root"]);
        _machine = new QemuMachine(_machineKind, "console=ttyAMA0 root=/dev/vda rw", "512M", options.ToArray());
        _machine.WaitFor(@"^VFS: mounted root \(ext2 filesystem\) read-write on device 254:0$", BootTimeout);
        // The login shell's last words before its prompt (the prompt itself ends no line).
        _machine.WaitFor(@"^Its recipe is disk-images/", BootTimeout);
        return _machine;
    }

    private string Run(string command, int timeoutSeconds = 60) => _machine!.RunShellCommand(command, TimeSpan.FromSeconds(timeoutSeconds));

    /// <summary>Types poweroff and waits for the machine to end (busybox init remounts the root read-only first).</summary>
    private void PowerOff()
    {
        _machine!.SendLine("poweroff");
        Assert.True(_machine.WaitForExit(TimeSpan.FromSeconds(60)), $"the machine did not power off\n{_machine.Output}");
        Assert.Equal(0, _machine.ExitCode);
    }

    private static string Tool(string name, params string[] arguments) => RunTool(name, arguments, withErrors: false);

    private static string ToolWithErrors(string name, params string[] arguments) => RunTool(name, arguments, withErrors: true);

    private static string RunTool(string name, string[] arguments, bool withErrors)
    {
        var start = new ProcessStartInfo(name) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments)
            start.ArgumentList.Add(a);
        using Process p = Process.Start(start) ?? throw new InvalidOperationException($"cannot run {name}");
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> errors = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill();
            throw new TimeoutException($"{name} did not finish");
        }
        Assert.True(p.ExitCode == 0, $"{name} {string.Join(' ', arguments)} failed ({p.ExitCode}):\n{output.Result}{errors.Result}");
        return withErrors ? output.Result + errors.Result : output.Result;
    }

    private static void AssertClean(string image)
    {
        // e2fsck -fn: checks everything, changes nothing; exit 0 only when the file system is clean.
        Tool("e2fsck", "-fn", image);
    }

    private static string DebugfsCat(string image, string path) => Tool("debugfs", "-R", $"cat {path}", image);

    /// <summary>A file's bytes as they are on the image (debugfs dump: no text decoding on the way).</summary>
    private byte[] DebugfsDump(string image, string path)
    {
        string copy = Path.Combine(_folder, "dumped");
        File.Delete(copy);
        Tool("debugfs", "-R", $"dump {path} {copy}", image);
        Assert.True(File.Exists(copy), $"debugfs could not dump {path}");
        return File.ReadAllBytes(copy);
    }

    private static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static string Md5(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));

    [Fact]
    public void BootsFromTheDisk_AndWhatTheShellWritesIsOnTheImageAfterPoweroff()
    {
        string image = CopyOfRootDisk();
        Boot(image);

        Assert.Contains("/dev/root / ext2 rw", Run("cat /proc/mounts"));
        Assert.Equal("virt", Run("uname -n").Trim());
        string script = string.Join("; ",
            "mkdir -p /home/user/docs /srv",
            "echo hello disk > /home/user/docs/note.txt",
            "dd if=/dev/urandom of=/srv/blob bs=4096 count=300 2>/dev/null",
            "md5sum /srv/blob > /srv/blob.md5",
            "ln -s /home/user/docs/note.txt /srv/link",
            "ln /home/user/docs/note.txt /srv/hard",
            "mv /home/user/docs /srv/moved",
            "chmod 600 /srv/moved/note.txt",
            "rm /srv/hard",
            "sync");
        Run(script);
        Assert.Equal("hello disk", Run("cat /srv/link 2>&1; cat /srv/moved/note.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim());
        string guestMd5 = Run("cat /srv/blob.md5").Split(' ')[0];
        string df = Run("df / | tail -n 1");
        Assert.Matches(@"^/dev/root\s+\d+\s+\d+\s+\d+\s+\d+% /", df.Trim());
        PowerOff();

        AssertClean(image);
        Assert.Equal("hello disk\n", DebugfsCat(image, "/srv/moved/note.txt"));
        Assert.Contains("Fast link dest: \"/home/user/docs/note.txt\"", Tool("debugfs", "-R", "stat /srv/link", image));
        string stat = Tool("debugfs", "-R", "stat /srv/moved/note.txt", image);
        Assert.Contains("Mode:  0600", stat);
        Assert.Contains("Links: 1", stat);
        byte[] blob = DebugfsDump(image, "/srv/blob");
        Assert.Equal(300 * 4096, blob.Length);
        Assert.Equal(guestMd5, Md5(blob));
    }

    [Fact]
    public void MountsExt2ReadWrite_AndExt4ReadOnly_FromOtherDisks_AndUmountRefusesWhileAFileIsOpen()
    {
        byte[] big = Pattern(3 << 20, 7);
        string ext2 = MakeImage("data2", "ext2", new() { ["a/b/file.txt"] = Encoding.ASCII.GetBytes("ext2 content\n"), ["big"] = big });
        string ext4 = MakeImage("data4", "ext4", new() { ["x/y/file.txt"] = Encoding.ASCII.GetBytes("ext4 content\n"), ["big"] = big }, 32);
        Boot(CopyOfRootDisk(), ext4, ext2);

        // QEMU fills transports from the top and the kernel probes from the bottom: the root (named
        // last) is vda, the disk named just before it vdb, the first one vdc.
        Run("mkdir -p /mnt/two /mnt/four");
        Assert.Equal("", Run("mount -t ext2 /dev/vdb /mnt/two 2>&1"));
        Assert.Equal("ext2 content", Run("cat /mnt/two/a/b/file.txt").Trim());
        Assert.Equal(Md5(big), Run("md5sum /mnt/two/big").Split(' ')[0]);
        Run("echo new > /mnt/two/a/new.txt; rm /mnt/two/big; mv /mnt/two/a/b /mnt/two/c");

        // ext4 is read-only here: asked for read-write, busybox's mount falls back to read-only as on a write-protected disk.
        Run("mount -t ext4 /dev/vdc /mnt/four 2>&1");
        Assert.Contains("/dev/vdc /mnt/four ext4 ro", Run("cat /proc/mounts"));
        Assert.Equal("ext4 content", Run("cat /mnt/four/x/y/file.txt").Trim());
        Assert.Equal(Md5(big), Run("md5sum /mnt/four/big").Split(' ')[0]);
        Assert.Contains("Read-only file system", Run("touch /mnt/four/nope 2>&1"));

        Assert.Contains("busy", Run("exec 3</mnt/two/a/new.txt; umount /mnt/two 2>&1; exec 3<&-").ToLowerInvariant());
        Assert.Equal("", Run("umount /mnt/two 2>&1; umount /mnt/four 2>&1"));
        Assert.DoesNotContain("/mnt/", Run("cat /proc/mounts"));
        PowerOff();

        AssertClean(ext2);
        AssertClean(ext4);
        Assert.Equal("new\n", DebugfsCat(ext2, "/a/new.txt"));
        Assert.Equal("ext2 content\n", DebugfsCat(ext2, "/c/file.txt"));
        Assert.Contains("File not found", ToolWithErrors("debugfs", "-R", "stat /big", ext2));
    }

    [Fact]
    public void WhatSyncReturnedFor_SurvivesAPowerCut_AndTheWriteBackTimerSavesTheRest()
    {
        string image = CopyOfRootDisk();
        Boot(image);
        Run("dd if=/dev/urandom of=/root/synced bs=4096 count=64 2>/dev/null; md5sum /root/synced > /root/synced.md5; sync");
        string synced = Run("cat /root/synced.md5").Split(' ')[0];
        // Not synced by anyone: the kernel's write-back (every 5 s) must have written it 7 s later.
        Run("echo later > /root/unsynced");
        Thread.Sleep(TimeSpan.FromSeconds(7));
        _machine!.Kill();

        Assert.Equal(synced, Md5(DebugfsDump(image, "/root/synced")));
        Assert.Equal("later\n", DebugfsCat(image, "/root/unsynced"));
    }

    [Fact]
    public void Fsstress_PassesOnTheRootDisk_AndTheDiskChecksClean()
    {
        // The same program and seed pass on Debian's Linux (LinuxDiskReferenceTests).
        string image = CopyOfRootDisk();
        Boot(image);
        string output = Run("fsstress -q -s 7 /root/t 2>&1", 600);
        Assert.True(output.Contains("fsstress: 4 passed, 0 failed"), output);
        PowerOff();
        AssertClean(image);
    }

    [Fact]
    public void Fsstress_OnA1KiBBlockDisk_ThenUmount_GivesBackAllMemory()
    {
        string data = Path.Combine(_folder, "data1k.img");
        Tool("mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", data, "128M");
        Boot(CopyOfRootDisk(), data);

        // A first small run warms up what the kernel keeps for good (tables that grow once).
        Run("mkdir -p /mnt/d; mount -t ext2 /dev/vdb /mnt/d && fsstress -q -s 1 -n 500 -f 100 -b 1 /mnt/d/warm >/dev/null; umount /mnt/d; sync");
        (long slabBefore, long freeBefore) = KernelMemory();
        Assert.Equal("", Run("mount -t ext2 /dev/vdb /mnt/d 2>&1"));
        string output = Run("fsstress -q -s 3 -n 10000 -f 3000 -b 16 /mnt/d/t 2>&1", 600);
        Assert.True(output.Contains("fsstress: 4 passed, 0 failed"), output);
        Assert.Equal("", Run("umount /mnt/d 2>&1"));
        (long slabAfter, long freeAfter) = KernelMemory();
        // The mount's caches, inodes and pages are the mount's: umount gives every one of them back.
        Assert.True(slabAfter <= slabBefore + 8, $"the kernel heap held {slabBefore} KiB before the mount and {slabAfter} KiB after umount");
        Assert.True(freeAfter >= freeBefore - 64, $"MemFree {freeBefore} KiB before the mount, {freeAfter} KiB after umount");
        PowerOff();
        AssertClean(data);
    }

    /// <summary>/proc/meminfo's Slab (the kernel heap in use) and MemFree, in KiB.</summary>
    private (long Slab, long Free) KernelMemory()
    {
        string text = Run("grep -E '^(Slab|MemFree):' /proc/meminfo");
        long Value(string key) => long.Parse(text.Split('\n').First(l => l.StartsWith(key, StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return (Value("Slab:"), Value("MemFree:"));
    }

    [Fact]
    public void CorruptDisks_AreRefusedOrGiveErrors_AndTheKernelCarriesOn()
    {
        // Images with bytes flipped in the superblock, the group descriptors, the inode table and
        // the directories (deterministic seeds): each is attached as vdb, mounted, walked, read and
        // written; the shell must keep answering.
        var files = new Dictionary<string, byte[]>();
        for (int i = 0; i < 40; i++)
            files[$"d{i % 5}/f{i}"] = Pattern(100 + i * 997, i);
        string clean = MakeImage("clean", "ext2", files, 4);
        byte[] pristine = File.ReadAllBytes(clean);
        var images = new List<string>();
        var random = new Random(1234);
        for (int n = 0; n < 6; n++)
        {
            byte[] bytes = (byte[])pristine.Clone();
            // 1 KiB blocks: superblock at 1024, descriptors at 2048, bitmaps and inode tables after.
            int[] regions = [1024, 2048, 2048 + 1024 * 4, 2048 + 1024 * 8, 2048 + 1024 * 40];
            for (int k = 0; k < 12; k++)
            {
                int at = regions[random.Next(regions.Length)] + random.Next(1024);
                bytes[at] ^= (byte)(1 << random.Next(8));
            }
            string path = Path.Combine(_folder, $"corrupt{n}.img");
            File.WriteAllBytes(path, bytes);
            images.Add(path);
        }
        images.Reverse(); // disks are named from the root up: the image named last before the root is vdb
        string root = CopyOfRootDisk();
        Boot(root, images.ToArray());

        Run("mkdir -p /mnt/c");
        for (int n = 0; n < images.Count; n++)
        {
            string disk = "/dev/vd" + (char)('b' + n);
            Run($"mount -t ext2 {disk} /mnt/c 2>&1 && {{ find /mnt/c > /dev/null 2>&1; cat $(find /mnt/c -type f 2>/dev/null) > /dev/null 2>&1; " +
                "echo x > /mnt/c/new 2>/dev/null; rm -rf /mnt/c/d1 2>/dev/null; ls -lR /mnt/c > /dev/null 2>&1; umount /mnt/c; }", 120);
            Assert.Equal("alive", Run("echo alive").Trim());
        }
        Assert.DoesNotContain("panic", _machine!.Output, StringComparison.OrdinalIgnoreCase);
        PowerOff();
        // The corrupt disks stay corrupt; the root disk must not have suffered.
        AssertClean(root);
    }
}

[Collection("Qemu")]
public class DiskRootTestsOnQemu() : DiskRootTests(BootMachine.Qemu);

[Collection("Emulator")]
public class DiskRootTestsOnEmulator() : DiskRootTests(BootMachine.Emulator);
