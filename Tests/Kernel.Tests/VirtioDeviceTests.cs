using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Kernel.Tests;

/// <summary>
/// The kernel's virtio drivers on a machine with virtio-blk disks backed by image files the test
/// makes, and a virtio-rng: busybox reads and writes /dev/vdX with dd as a person would, and the
/// host checks the image files. Each test runs on both virtio-mmio transports: legacy (version 1,
/// QEMU's default) and modern (version 2, <c>-global virtio-mmio.force-legacy=false</c>).
/// Disks are told apart by their serial, which the kernel logs at probe: the name a disk gets
/// depends on the transport slot, which QEMU fills from the top (Linux names them the same way).
/// </summary>
public abstract class VirtioDeviceTests : IClassFixture<BusyboxGuestRoot>, IDisposable
{
    private const int DiskBytes = 4 << 20;

    private readonly BusyboxGuestRoot _root;
    private readonly BootMachine _machineKind;
    private readonly List<string> _files = new();
    private QemuMachine? _machine;

    protected VirtioDeviceTests(BusyboxGuestRoot root, BootMachine machine)
    {
        _root = root;
        _machineKind = machine;
    }

    public void Dispose()
    {
        _machine?.Dispose();
        foreach (string f in _files)
            File.Delete(f);
    }

    private string NewImage(byte[]? content = null)
    {
        string path = Path.Combine(Path.GetTempPath(), $"virtio-disk-{Environment.ProcessId}-{Guid.NewGuid():N}.img");
        File.WriteAllBytes(path, content ?? new byte[DiskBytes]);
        _files.Add(path);
        return path;
    }

    private record Disk(string Serial, string Image, bool ReadOnly = false);

    /// <summary>Boots with the disks (and a virtio-rng) and returns each serial's /dev name.</summary>
    private Dictionary<string, string> Boot(bool modern, params Disk[] disks)
    {
        var options = new List<string> { "-initrd", _root.Initramfs };
        if (modern)
            options.AddRange(new[] { "-global", "virtio-mmio.force-legacy=false" });
        for (int i = 0; i < disks.Length; i++)
        {
            options.AddRange(new[] { "-drive", $"file={disks[i].Image},format=raw,if=none,id=d{i}{(disks[i].ReadOnly ? ",readonly=on" : "")}" });
            options.AddRange(new[] { "-device", $"virtio-blk-device,drive=d{i},serial={disks[i].Serial}" });
        }
        options.AddRange(new[] { "-device", "virtio-rng-device" });
        _machine = new QemuMachine(_machineKind, "", "512M", options.ToArray());
        _machine.WaitFor(@"^system test shell ready$", TimeSpan.FromSeconds(60));
        var names = new Dictionary<string, string>();
        foreach (Match m in Regex.Matches(_machine.Output, @"^virtio-blk: (vd[a-z]+) serial ""([^""]*)""$", RegexOptions.Multiline))
            names[m.Groups[2].Value] = m.Groups[1].Value;
        Assert.Contains($"virtio-mmio v{(modern ? 2 : 1)}", _machine.Output);
        return names;
    }

    private string Run(string command) => _machine!.RunShellCommand(command);

    private static string Md5(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    private static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        uint x = (uint)seed * 2654435761u + 1;
        for (int i = 0; i < length; i++)
        {
            x = x * 1103515245 + 12345;
            data[i] = (byte)(x >> 16);
        }
        return data;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Data_written_with_dd_is_in_the_image_file_exactly(bool modern)
    {
        string image = NewImage();
        string dev = Boot(modern, new Disk("data", image))["data"];
        // Whole blocks through a pipe (300,000 bytes: 73 blocks and a partial one), then bytes at odd offsets.
        Run($"yes 0123456789abcdef | head -c 300000 | dd of=/dev/{dev} bs=4096 seek=3 conv=fsync 2>/dev/null; echo rc=$?");
        Run($"printf XYZ | dd of=/dev/{dev} bs=1 seek=1000001 conv=notrunc 2>/dev/null");
        Run($"printf 'across sectors' | dd of=/dev/{dev} bs=1 seek={DiskBytes - 514} conv=notrunc 2>/dev/null; sync");
        _machine!.Dispose();
        _machine = null;

        byte[] expected = new byte[DiskBytes];
        byte[] yes = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789abcdef\n", 300000 / 17 + 1)))[..300000];
        yes.CopyTo(expected, 3 * 4096);
        "XYZ"u8.ToArray().CopyTo(expected, 1000001);
        "across sectors"u8.ToArray().CopyTo(expected, DiskBytes - 514);
        byte[] actual = File.ReadAllBytes(image);
        Assert.Equal(expected.Length, actual.Length);
        int firstDifference = Enumerable.Range(0, expected.Length).FirstOrDefault(i => expected[i] != actual[i], -1);
        Assert.True(firstDifference < 0, $"the image differs first at byte {firstDifference}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Writers_and_readers_in_several_processes_at_once_each_get_their_own_data(bool modern)
    {
        byte[] content = Pattern(DiskBytes, 11);
        string image = NewImage(content);
        string dev = Boot(modern, new Disk("shared", image))["shared"];
        // Four writers of 256 KiB each to their own quarter of the first MiB and four readers of the
        // second MiB run together: each process sleeps on its own request while the others queue theirs.
        string output = Run(
            $"for i in 0 1 2 3; do (yes w$i | head -c 262144 | dd of=/dev/{dev} bs=65536 seek=$((i * 4)) 2>/dev/null) & done; " +
            $"for i in 4 5 6 7; do (dd if=/dev/{dev} bs=262144 skip=$i count=1 2>/dev/null | md5sum > /tmp/r$i) & done; wait; sync; cat /tmp/r4 /tmp/r5 /tmp/r6 /tmp/r7");
        string[] sums = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToArray();
        Assert.Equal(Enumerable.Range(4, 4).Select(i => Md5(content.AsSpan(i * 262144, 262144))), sums);
        _machine!.Dispose();
        _machine = null;
        byte[] actual = File.ReadAllBytes(image);
        for (int i = 0; i < 4; i++)
        {
            byte[] expected = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat($"w{i}\n", 262144 / 3 + 1)))[..262144];
            Assert.True(expected.AsSpan().SequenceEqual(actual.AsSpan(i * 262144, 262144)), $"writer {i}'s quarter differs");
        }
        Assert.True(content.AsSpan(1 << 20).SequenceEqual(actual.AsSpan(1 << 20)), "bytes past the first MiB changed");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Dd_reads_what_the_host_wrote_at_any_offset_and_size(bool modern)
    {
        byte[] content = Pattern(DiskBytes, 7);
        string dev = Boot(modern, new Disk("pattern", NewImage(content)))["pattern"];
        (long Skip, int Count, int BlockSize)[] reads =
        {
            (0, 1, 512),                 // the first sector
            (1, 3, 100_000),              // 300,000 bytes from byte 100,000: requests across the 64 KiB split
            (17, 2, 777),                 // 1,554 bytes from byte 13,209: unaligned both ends
            (DiskBytes / 4096 - 1, 1, 4096), // the last block
            (3, 5000, 1),                 // byte by byte
        };
        foreach (var (skip, count, bs) in reads)
        {
            long offset = skip * bs;
            int length = (int)Math.Min((long)count * bs, DiskBytes - offset);
            string ours = Run($"dd if=/dev/{dev} bs={bs} skip={skip} count={count} 2>/dev/null | md5sum").Split(' ')[0];
            Assert.True(Md5(content.AsSpan((int)offset, length)) == ours, $"dd bs={bs} skip={skip} count={count} read other bytes");
        }
        // The whole disk, and its size through lseek(SEEK_END) (tail) and BLKGETSIZE64 (blockdev).
        Assert.Equal(Md5(content), Run($"md5sum /dev/{dev}").Split(' ')[0]);
        Assert.Equal(Md5(content.AsSpan(DiskBytes - 10)), Run($"tail -c 10 /dev/{dev} | md5sum").Split(' ')[0]);
        Assert.Equal($"{DiskBytes}\n512\n", Run($"blockdev --getsize64 /dev/{dev}; blockdev --getss /dev/{dev}"));
        // Reading at the end gives nothing, as on Linux.
        Assert.Equal("0\n", Run($"dd if=/dev/{dev} bs=512 skip={DiskBytes / 512} 2>/dev/null | wc -c"));
    }

    [Fact]
    public void A_read_only_disk_refuses_writes_with_EPERM_and_stays_unchanged()
    {
        byte[] content = Pattern(DiskBytes, 3);
        string roImage = NewImage(content);
        Dictionary<string, string> names = Boot(true, new Disk("rw", NewImage()), new Disk("ro", roImage, ReadOnly: true));
        string ro = names["ro"];
        Assert.Contains($"virtio-blk: {ro} at", _machine!.Output);
        Assert.Matches($@"virtio-blk: {ro} at .*read-only", _machine.Output);
        string output = Run($"echo hello | dd of=/dev/{ro} 2>&1; echo rc=$?");
        Assert.Contains("Operation not permitted", output);
        Assert.Contains("rc=1", output);
        Assert.Equal(Md5(content.AsSpan(0, 512)), Run($"dd if=/dev/{ro} count=1 2>/dev/null | md5sum").Split(' ')[0]);
        Assert.Equal("1\n", Run($"blockdev --getro /dev/{ro}"));
        Assert.Equal(content, File.ReadAllBytes(roImage));
    }

    [Fact]
    public void Proc_partitions_and_dev_list_the_disks_as_Linux_does()
    {
        Dictionary<string, string> names = Boot(false, new Disk("one", NewImage()), new Disk("two", NewImage(new byte[DiskBytes * 2])));
        string one = names["one"], two = names["two"];
        string[] sorted = new[] { one, two }.Order().ToArray();
        Assert.Equal(new[] { "vda", "vdb" }, sorted);
        int Kib(string name) => name == one ? DiskBytes / 1024 : 2 * DiskBytes / 1024;
        Assert.Equal($"major minor  #blocks  name\n\n 254        0 {Kib("vda"),10} vda\n 254       16 {Kib("vdb"),10} vdb\n", Run("cat /proc/partitions"));
        Assert.Matches(@"^brw-------\s+1 (root|0)\s+(root|0)\s+254,\s+0 .* /dev/vda\nbrw-------\s+1 (root|0)\s+(root|0)\s+254,\s+16 .* /dev/vdb\n$", Run("ls -l /dev/vda /dev/vdb"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Dev_hwrng_gives_random_bytes_from_the_device(bool modern)
    {
        Boot(modern);
        Assert.Matches(@"^virtio-rng: at 0x[0-9a-f]+ irq \d+, virtio-mmio v\d, 32 bytes into the random pool$", _machine!.Output.Split('\n').First(l => l.StartsWith("virtio-rng:")));
        Assert.Matches(@"^crw-------\s+1 (root|0)\s+(root|0)\s+10,\s+183 ", Run("ls -l /dev/hwrng"));
        string a = Run("head -c 4000 /dev/hwrng | od -An -v -tx1 | tr -s ' \\n' '\\n' | grep -c .");
        Assert.Equal("4000\n", a);
        string first = Run("head -c 32 /dev/hwrng | od -An -tx1");
        string second = Run("head -c 32 /dev/hwrng | od -An -tx1");
        Assert.NotEqual(first, second);
    }
}

[Collection("Qemu")]
public class VirtioDeviceTestsOnQemu(BusyboxGuestRoot root) : VirtioDeviceTests(root, BootMachine.Qemu);

[Collection("Emulator")]
public class VirtioDeviceTestsOnEmulator(BusyboxGuestRoot root) : VirtioDeviceTests(root, BootMachine.Emulator);
