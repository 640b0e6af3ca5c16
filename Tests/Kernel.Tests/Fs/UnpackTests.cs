using System.Text;
using Kernel.Logic;
using Kernel.Logic.Fs;
using static Kernel.Tests.Fs.TestFs;

namespace Kernel.Tests.Fs;

/// <summary>Initramfs unpacking, checked against the tree cpio(1) archived.</summary>
public sealed class UnpackTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("initramfs").FullName;
    private readonly TestFs _t = new();

    public void Dispose()
    {
        _t.Dispose();
        Directory.Delete(_dir, true);
    }

    private static string[] HostStat(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat") { RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("%f %u %g %h %s %Y %t %T %i");
        psi.ArgumentList.Add(path);
        using var p = System.Diagnostics.Process.Start(psi)!;
        string[] f = p.StandardOutput.ReadToEnd().Trim().Split(' ');
        p.WaitForExit();
        return f;
    }

    // Every file under the host tree exists in the tmpfs with the same type, mode, owner, links, size, mtime and contents.
    private void AssertSameTree(string hostDir, string prefix = "")
    {
        var hostInodes = new Dictionary<string, Inode>();
        foreach (string host in Directory.EnumerateFileSystemEntries(hostDir, "*", SearchOption.AllDirectories).Prepend(hostDir))
        {
            string rel = Path.GetRelativePath(hostDir, host);
            string path = prefix + "/" + (rel == "." ? "" : rel);
            Inode node = _t.Get(path, Vfs.NoFollow);
            string[] st = HostStat(host);
            uint mode = Convert.ToUInt32(st[0], 16);
            Assert.True(mode == node.Mode, $"{path}: mode {node.Mode:x} != {mode:x}");
            Assert.Equal(uint.Parse(st[1]), node.Uid);
            Assert.Equal(uint.Parse(st[2]), node.Gid);
            Assert.True(uint.Parse(st[3]) == node.Nlink, $"{path}: nlink {node.Nlink} != {st[3]}");
            Assert.Equal(long.Parse(st[5]), node.Mtime.Sec);
            if (node.IsRegular)
            {
                Assert.Equal(ulong.Parse(st[4]), node.Size);
                Assert.Equal(File.ReadAllBytes(host), Encoding.Latin1.GetBytes(ReadLatin1(node)));
                // Hard links: the same host inode is the same tmpfs inode.
                if (hostInodes.TryGetValue(st[8], out Inode? other))
                    Assert.Same(other, node);
                hostInodes[st[8]] = node;
            }
            else if (node.IsSymlink)
            {
                var buf = new byte[4096];
                int n = node.ReadLink(buf);
                Assert.Equal(new FileInfo(host).LinkTarget, Encoding.UTF8.GetString(buf, 0, n));
            }
            else if (!node.IsDirectory)
                Assert.Equal(DeviceNumber.Make(Convert.ToUInt32(st[6], 16), Convert.ToUInt32(st[7], 16)), node.Rdev);
        }
    }

    private static string ReadLatin1(Inode node)
    {
        var buf = new byte[node.Size];
        Assert.Equal((long)node.Size, node.Read(0, buf));
        return Encoding.Latin1.GetString(buf);
    }

    [Fact]
    public void UnpacksWhatCpioArchived()
    {
        CpioTests.MakeTree(_dir);
        GzipTests.Run("mknod", Path.Combine(_dir, "console"), "c", "5", "1");
        GzipTests.Run("mknod", Path.Combine(_dir, "sda1"), "b", "8", "1");
        GzipTests.Run("chown", "1234:567", Path.Combine(_dir, "etc", "hostname"));
        GzipTests.Run("chown", "-h", "42:43", Path.Combine(_dir, "bin", "sh"));
        GzipTests.Run("chmod", "4755", Path.Combine(_dir, "bin", "busybox"));
        GzipTests.Run("chmod", "1777", Path.Combine(_dir, "etc"));
        GzipTests.Run("touch", "-d", "2001-02-03 04:05:06Z", Path.Combine(_dir, "etc"), Path.Combine(_dir, "bin"));
        GzipTests.Run("touch", "-h", "-d", "2002-02-03 04:05:06Z", Path.Combine(_dir, "bin", "sh"));
        byte[] archive = CpioTests.MakeArchive(_dir);
        Assert.Equal(0, Tmpfs.Unpack(_t.Fs, archive));
        AssertSameTree(_dir);
        Assert.Equal("/etc/hostname", Encoding.UTF8.GetString(ReadLink("etc/abs")));
        Assert.Equal("kernel\n", _t.Read("/etc/abs"));
        Assert.Same(_t.Get("bin/busybox"), _t.Get("bin/sh"));
        Assert.True(_t.Get("fifo").Type == InodeMode.S_IFIFO);
    }

    private byte[] ReadLink(string path)
    {
        var buf = new byte[256];
        int n = Vfs.ReadLink(_t.Root, _t.Root, B(path), buf);
        Assert.True(n >= 0);
        return buf[..n];
    }

    [Fact]
    public void GzipImageAndMixedImagesUnpack()
    {
        CpioTests.MakeTree(_dir);
        byte[] archive = CpioTests.MakeArchive(_dir);
        byte[] gz = GzipBytes(archive);
        Assert.Equal(archive.Length, Tmpfs.ScratchSize(gz));
        var scratch = new byte[Tmpfs.ScratchSize(gz)];
        Assert.Equal(0, Tmpfs.UnpackImage(_t.Fs, gz, scratch));
        AssertSameTree(_dir);
        // Too small a scratch buffer fails cleanly.
        using var other = new TestFs();
        Assert.Equal(-Errno.EINVAL, Tmpfs.UnpackImage(other.Fs, gz, new byte[100]));

        // An uncompressed archive, padding, then a compressed one (like early microcode + initramfs).
        string second = Directory.CreateTempSubdirectory("second").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(second, "kernel"));
            File.WriteAllText(Path.Combine(second, "kernel", "ucode.bin"), "microcode");
            byte[] first = CpioTests.MakeArchive(second);
            byte[] image = first.Concat(new byte[512]).Concat(gz).ToArray();
            Assert.Equal(archive.Length, Tmpfs.ScratchSize(image));
            using var both = new TestFs();
            Assert.Equal(0, Tmpfs.UnpackImage(both.Fs, image, new byte[archive.Length]));
            Assert.Equal("microcode", both.Read("kernel/ucode.bin"));
            Assert.Equal("kernel\n", both.Read("etc/hostname"));
            Assert.Equal(0, Tmpfs.ScratchSize(first));
            // Zero padding after the member still unpacks (the size must then come from elsewhere).
            using var padded = new TestFs();
            Assert.Equal(0, Tmpfs.UnpackImage(padded.Fs, image.Concat(new byte[8]).ToArray(), new byte[archive.Length]));
            Assert.Equal("kernel\n", padded.Read("etc/hostname"));
            Assert.Equal(-Errno.EINVAL, Tmpfs.ScratchSize("garbage"u8));
            byte[] junk = first.Concat("garbage!"u8.ToArray()).ToArray();
            Assert.Equal(-Errno.EINVAL, Tmpfs.UnpackImage(both.Fs, junk, Array.Empty<byte>()));
            Assert.Equal(-Errno.EINVAL, Tmpfs.Unpack(both.Fs, junk));
        }
        finally
        {
            Directory.Delete(second, true);
        }
    }

    [Fact]
    public void CompressedArchiveBeforeSmallerOnesUnpacksAsLinux()
    {
        // Linux unpacks concatenated archives in any order; the larger, compressed one first used
        // to size the scratch buffer from the image's last four bytes ("cannot unpack: error 22").
        CpioTests.MakeTree(_dir);
        byte[] archive = CpioTests.MakeArchive(_dir);
        byte[] gz = GzipBytes(archive);
        string second = Directory.CreateTempSubdirectory("second").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(second, "extra"));
            File.WriteAllText(Path.Combine(second, "extra", "note"), "small");
            byte[] small = CpioTests.MakeArchive(second);
            Assert.True(small.Length < archive.Length);
            byte[] smallGz = GzipBytes(small);
            foreach (byte[] image in new[]
            {
                gz.Concat(small).ToArray(),                          // gzip, then plain cpio
                gz.Concat(new byte[4]).Concat(smallGz).ToArray(),    // gzip, padding, smaller gzip
                small.Concat(gz).Concat(smallGz).ToArray(),          // plain, large gzip, small gzip
                smallGz.Concat(gz).ToArray(),                        // smaller gzip first
            })
            {
                Assert.Equal(archive.Length, Tmpfs.ScratchSize(image));
                using var fs = new TestFs();
                Assert.Equal(0, Tmpfs.UnpackImage(fs.Fs, image, new byte[Tmpfs.ScratchSize(image)]));
                Assert.Equal("kernel\n", fs.Read("etc/hostname"));
                Assert.Equal("small", fs.Read("extra/note"));
            }
            // A truncated or corrupt member is still refused.
            Assert.Equal(-Errno.EINVAL, Tmpfs.ScratchSize(gz.Take(gz.Length - 3).Concat(small).ToArray()));
            Assert.Equal(-Errno.EINVAL, Tmpfs.ScratchSize(gz.Concat("garbage!"u8.ToArray()).ToArray()));
        }
        finally
        {
            Directory.Delete(second, true);
        }
    }

    private static byte[] GzipBytes(byte[] data)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, data);
            GzipTests.Run("gzip", "-f", "-9", path);
            return File.ReadAllBytes(path + ".gz");
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".gz");
        }
    }

    [Fact]
    public void MissingParentsAreCreatedAndLaterEntriesWin()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "a", "b", "c"));
        File.WriteAllText(Path.Combine(_dir, "a", "b", "c", "deep"), "deep file");
        File.WriteAllText(Path.Combine(_dir, "x"), "version 1");
        // Only the file and x are archived: a, a/b and a/b/c must be made.
        byte[] one = CpioTests.MakeArchive(_dir, "newc", "a/b/c/deep", "x");
        File.Delete(Path.Combine(_dir, "x"));
        Directory.CreateDirectory(Path.Combine(_dir, "x"));
        File.WriteAllText(Path.Combine(_dir, "a", "b", "c", "deep"), "v2");
        byte[] two = CpioTests.MakeArchive(_dir, "newc", "x", "a/b/c/deep");
        Assert.Equal(0, Tmpfs.Unpack(_t.Fs, one));
        Assert.Equal("deep file", _t.Read("a/b/c/deep"));
        Assert.Equal(0x41EDu, _t.Get("a/b").Mode);
        Assert.Equal("version 1", _t.Read("x"));
        Assert.Equal(0, Tmpfs.Unpack(_t.Fs, two)); // a directory replaces the file, the file is rewritten
        Assert.True(_t.Get("x").IsDirectory);
        Assert.Equal("v2", _t.Read("a/b/c/deep"));
        Assert.Equal(2ul, _t.Get("a/b/c/deep").Size);
    }

    [Fact]
    public void HardLinksAreResolvedPerArchive()
    {
        File.WriteAllText(Path.Combine(_dir, "one"), "linked data");
        GzipTests.Run("ln", Path.Combine(_dir, "one"), Path.Combine(_dir, "two"));
        GzipTests.Run("ln", Path.Combine(_dir, "one"), Path.Combine(_dir, "three"));
        byte[] archive = CpioTests.MakeArchive(_dir, "newc", "one", "two", "three");
        Assert.Equal(0, Tmpfs.Unpack(_t.Fs, archive));
        Inode one = _t.Get("one");
        Assert.Same(one, _t.Get("two"));
        Assert.Same(one, _t.Get("three"));
        Assert.Equal(3u, one.Nlink);
        Assert.Equal("linked data", ReadAll(one));
        Assert.Equal(0, one.RefCount); // the unpacker's hard-link table let go
        // The same archive again into another directory level: ino numbers restart per archive.
        using var fresh = new TestFs();
        Assert.Equal(0, Tmpfs.Unpack(fresh.Fs, archive.Concat(archive).ToArray()));
        Assert.Equal(3u, fresh.Get("one").Nlink);
        Assert.Equal("linked data", fresh.Read("three"));
    }

    [Fact]
    public void MalformedArchivesAreRejected()
    {
        File.WriteAllText(Path.Combine(_dir, "f"), "data");
        byte[] archive = CpioTests.MakeArchive(_dir, "newc", "f");
        Assert.Equal(-Errno.EINVAL, Tmpfs.Unpack(_t.Fs, archive.AsSpan(0, 120).ToArray()));
        Assert.Equal(-Errno.EINVAL, Tmpfs.Unpack(_t.Fs, "0707"u8.ToArray()));
        var rng = new Random(2);
        for (int i = 0; i < 500; i++)
        {
            byte[] bad = (byte[])archive.Clone();
            for (int k = 0; k < 3; k++)
                bad[rng.Next(bad.Length)] = (byte)rng.Next(256);
            using var fs = new TestFs(64);
            int rc = Tmpfs.Unpack(fs.Fs, bad);
            Assert.True(rc == 0 || rc == -Errno.EINVAL || rc == -Errno.ENOSPC, $"rc {rc}");
        }
    }

    [Fact]
    public void OutOfMemoryStopsWithEnospc()
    {
        File.WriteAllBytes(Path.Combine(_dir, "big"), new byte[200 * 1024]);
        byte[] archive = CpioTests.MakeArchive(_dir, "newc", "big");
        using var small = new TestFs(pages: 16);
        Assert.Equal(-Errno.ENOSPC, Tmpfs.Unpack(small.Fs, archive));
    }
}
