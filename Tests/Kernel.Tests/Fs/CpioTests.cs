using System.Text;
using Kernel.Logic;
using Kernel.Logic.Fs;

namespace Kernel.Tests.Fs;

/// <summary>Archives made by the real cpio(1) from a temporary tree.</summary>
public sealed class CpioTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpio").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    internal static byte[] MakeArchive(string dir, string format = "newc", params string[] names)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("sh")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(names.Length == 0
            ? $"find . | LC_ALL=C sort | cpio -o -H {format} --quiet"
            : $"printf '%s\\n' {string.Join(' ', names.Select(n => "'" + n + "'"))} | cpio -o -H {format} --quiet");
        using var p = System.Diagnostics.Process.Start(psi)!;
        using var ms = new MemoryStream();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, stderr.Result);
        return ms.ToArray();
    }

    internal static void MakeTree(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        Directory.CreateDirectory(Path.Combine(dir, "etc", "init.d"));
        File.WriteAllText(Path.Combine(dir, "etc", "hostname"), "kernel\n");
        File.WriteAllBytes(Path.Combine(dir, "bin", "busybox"), Enumerable.Range(0, 100_003).Select(i => (byte)(i * 7)).ToArray());
        File.CreateSymbolicLink(Path.Combine(dir, "bin", "sh"), "busybox");
        File.CreateSymbolicLink(Path.Combine(dir, "etc", "abs"), "/etc/hostname");
        File.WriteAllBytes(Path.Combine(dir, "empty"), Array.Empty<byte>());
        File.WriteAllText(Path.Combine(dir, "etc", "init.d", "rcS"), "#!/bin/sh\necho hi\n");
        GzipTests.Run("chmod", "755", Path.Combine(dir, "etc", "init.d", "rcS"));
        GzipTests.Run("ln", Path.Combine(dir, "bin", "busybox"), Path.Combine(dir, "bin", "ls"));
        GzipTests.Run("mkfifo", Path.Combine(dir, "fifo"));
        File.SetLastWriteTimeUtc(Path.Combine(dir, "etc", "hostname"), new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
    }

    private static List<(string Name, CpioEntry0 E)> ReadAll(byte[] archive, out CpioReaderState state)
    {
        var list = new List<(string, CpioEntry0)>();
        var r = new CpioReader(archive);
        int rc;
        while ((rc = r.Next(out CpioEntry e)) == 1)
            list.Add((Encoding.UTF8.GetString(e.Name), new CpioEntry0(e)));
        Assert.Equal(0, rc);
        state = new CpioReaderState(r.Offset, r.Archives, r.EndedWithTrailer, r.HasTrailingData);
        return list;
    }

    private record CpioReaderState(int Offset, int Archives, bool EndedWithTrailer, bool HasTrailingData);

    private record CpioEntry0(uint Ino, uint Mode, uint Uid, uint Gid, uint Nlink, uint Mtime, uint FileSize, uint RdevMajor, uint RdevMinor, byte[] Data, bool Crc, uint Check, uint Sum)
    {
        public CpioEntry0(CpioEntry e) : this(e.Ino, e.Mode, e.Uid, e.Gid, e.Nlink, e.Mtime, e.FileSize, e.RdevMajor, e.RdevMinor, e.Data.ToArray(), e.HasChecksum, e.Check, e.DataChecksum()) { }
    }

    [Theory]
    [InlineData("newc")]
    [InlineData("crc")]
    public void ReadsWhatCpioWrote(string format)
    {
        MakeTree(_dir);
        byte[] archive = MakeArchive(_dir, format);
        var entries = ReadAll(archive, out var state);
        Assert.Equal(1, state.Archives);
        Assert.True(state.EndedWithTrailer);
        Assert.False(state.HasTrailingData);
        Assert.Equal(archive.Length, state.Offset); // cpio pads to 512 bytes with zeros
        var names = entries.Select(e => e.Name).Order(StringComparer.Ordinal).ToList(); // cpio moves hard-link groups to the end
        Assert.Equal(new[] { ".", "bin", "bin/busybox", "bin/ls", "bin/sh", "empty", "etc", "etc/abs", "etc/hostname", "etc/init.d", "etc/init.d/rcS", "fifo" }, names);
        var byName = entries.ToDictionary(e => e.Name, e => e.E);
        foreach (var (name, e) in entries)
        {
            string path = Path.Combine(_dir, name);
            Assert.Equal(0, LStat(path, out var st));
            Assert.Equal(st.Mode, e.Mode);
            Assert.Equal(st.Ino, e.Ino);
            Assert.Equal(st.Uid, e.Uid);
            Assert.Equal(st.Gid, e.Gid);
            Assert.Equal(st.Nlink, e.Nlink);
            Assert.Equal(st.Mtime, e.Mtime);
            Assert.Equal(format == "crc", e.Crc);
            if (format == "crc" && e.Data.Length > 0 && (e.Mode & 0xF000) == 0x8000) // regular files only: cpio writes 0 for symlinks
                Assert.Equal(e.Check, e.Sum);
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "etc/hostname")), byName["etc/hostname"].Data);
        Assert.Equal("busybox"u8.ToArray(), byName["bin/sh"].Data);
        Assert.Equal("/etc/hostname"u8.ToArray(), byName["etc/abs"].Data);
        Assert.Equal(0xA000u, byName["bin/sh"].Mode & 0xF000);
        Assert.Equal(0x1000u, byName["fifo"].Mode & 0xF000);
        Assert.Equal(0x4000u, byName["etc/init.d"].Mode & 0xF000);
        Assert.Equal(0x81EDu, byName["etc/init.d/rcS"].Mode);
        // Hard links: one inode, data only in the last entry of the group (cpio's newc convention).
        Assert.Equal(byName["bin/busybox"].Ino, byName["bin/ls"].Ino);
        Assert.Equal(2u, byName["bin/ls"].Nlink);
        Assert.Equal(100_003, byName["bin/busybox"].Data.Length + byName["bin/ls"].Data.Length);
        Assert.Empty(byName["empty"].Data);
    }

    private record struct HostStat(uint Mode, uint Ino, uint Uid, uint Gid, uint Nlink, uint Mtime);

    // stat(1) gives the host's view for comparison (cpio stores 32-bit fields).
    private static int LStat(string path, out HostStat st)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat") { RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("%f %i %u %g %h %Y");
        psi.ArgumentList.Add(path);
        using var p = System.Diagnostics.Process.Start(psi)!;
        string[] f = p.StandardOutput.ReadToEnd().Trim().Split(' ');
        p.WaitForExit();
        st = new HostStat(Convert.ToUInt32(f[0], 16), (uint)ulong.Parse(f[1]), uint.Parse(f[2]), uint.Parse(f[3]), uint.Parse(f[4]), (uint)long.Parse(f[5]));
        return p.ExitCode;
    }

    [Fact]
    public void ConcatenatedArchivesWithZeroPaddingAreOneStream()
    {
        File.WriteAllText(Path.Combine(_dir, "a"), "first");
        byte[] one = MakeArchive(_dir, "newc", "a");
        File.Delete(Path.Combine(_dir, "a"));
        File.WriteAllText(Path.Combine(_dir, "b"), "second!");
        byte[] two = MakeArchive(_dir, "newc", "b");
        byte[] joined = one.Concat(new byte[64]).Concat(two).Concat(new byte[3]).ToArray();
        var entries = ReadAll(joined, out var state);
        Assert.Equal(new[] { "a", "b" }, entries.Select(e => e.Name));
        Assert.Equal("first"u8.ToArray(), entries[0].E.Data);
        Assert.Equal("second!"u8.ToArray(), entries[1].E.Data);
        Assert.Equal(2, state.Archives);
        Assert.Equal(joined.Length, state.Offset);
    }

    [Fact]
    public void StopsAtNonCpioDataAfterATrailer()
    {
        File.WriteAllText(Path.Combine(_dir, "a"), "x");
        byte[] archive = MakeArchive(_dir, "newc", "a").Concat(new byte[] { 0x1F, 0x8B, 8, 0 }).ToArray();
        var entries = ReadAll(archive, out var state);
        Assert.Single(entries);
        Assert.True(state.HasTrailingData);
        Assert.Equal(archive.Length - 4, state.Offset);
    }

    [Fact]
    public void MalformedArchivesGiveEinval()
    {
        File.WriteAllText(Path.Combine(_dir, "file"), "contents of the file");
        byte[] good = MakeArchive(_dir, "newc", "file");
        int trailer = good.AsSpan().IndexOf("TRAILER!!!"u8) - 110;

        static int Drain(byte[] data)
        {
            var r = new CpioReader(data);
            int rc;
            while ((rc = r.Next(out _)) == 1) { }
            return rc;
        }

        Assert.Equal(0, Drain(good));
        // Every cut inside the first entry or the trailer's header is malformed.
        for (int len = 1; len < trailer + 110 + 11; len++)
            if (len != trailer)
                Assert.Equal(-Errno.EINVAL, Drain(good.AsSpan(0, len).ToArray()));
        byte[] bad = (byte[])good.Clone();
        bad[3] = (byte)'8';
        Assert.Equal(-Errno.EINVAL, Drain(bad));
        bad = (byte[])good.Clone();
        bad[6 + 8 * 6] = (byte)'g'; // filesize
        Assert.Equal(-Errno.EINVAL, Drain(bad));
        bad = (byte[])good.Clone();
        Encoding.ASCII.GetBytes("7FFFFFFF").CopyTo(bad, 6 + 8 * 6); // filesize past the end
        Assert.Equal(-Errno.EINVAL, Drain(bad));
        bad = (byte[])good.Clone();
        Encoding.ASCII.GetBytes("00000000").CopyTo(bad, 6 + 8 * 11); // namesize 0
        Assert.Equal(-Errno.EINVAL, Drain(bad));
        bad = (byte[])good.Clone();
        bad[110 + 4] = (byte)'X'; // name no longer NUL-terminated
        Assert.Equal(-Errno.EINVAL, Drain(bad));
        // A second archive must start on a 4-byte boundary.
        byte[] misaligned = good.Concat(new byte[1]).Concat(good).ToArray();
        Assert.Equal(-Errno.EINVAL, Drain(misaligned));
        Assert.Equal(-Errno.EINVAL, Drain("not an archive"u8.ToArray()));
        var rng = new Random(3);
        for (int i = 0; i < 2000; i++)
        {
            bad = (byte[])good.Clone();
            bad[rng.Next(bad.Length)] = (byte)rng.Next(256);
            int rc = Drain(bad);
            Assert.True(rc == 0 || rc == -Errno.EINVAL);
        }
    }
}
