using Kernel.Logic;
using Kernel.Logic.Fs;

namespace Kernel.Tests.Fs.Ext2;

/// <summary>ext4 images with Debian's default features (extents, flex_bg, 64bit, metadata_csum, ...) read-only.</summary>
public sealed class Ext4ReadOnlyTests
{
    private static byte[] Pattern(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static Ext2Image MakeExt4(string extra = "")
    {
        var img = new Ext2Image();
        Directory.CreateDirectory(Path.Combine(img.Source, "d/e"));
        File.WriteAllBytes(Path.Combine(img.Source, "d/e/big"), Pattern(3_000_000, 5));
        File.WriteAllText(Path.Combine(img.Source, "small"), "ext4 says hi");
        File.CreateSymbolicLink(Path.Combine(img.Source, "link"), "d/e/big");
        File.CreateSymbolicLink(Path.Combine(img.Source, "longlink"), new string('q', 200));
        for (int i = 0; i < 300; i++)
            File.WriteAllText(Path.Combine(img.Source, "d", $"file{i:D4}-with-a-long-name-to-fill-blocks"), i.ToString());
        img.Make("-t ext4 -b 4096 " + extra, 32768);
        return img;
    }

    [Fact]
    public void DefaultExt4MountsReadOnlyAndReadsBack()
    {
        using var img = MakeExt4();
        img.MountOk(readOnly: true);
        Assert.Equal(Pattern(3_000_000, 5), img.ReadAll(img.Get("/d/e/big")));
        Assert.Equal(Pattern(3_000_000, 5), img.ReadAll(img.Get("/link")));
        Assert.Equal("ext4 says hi", System.Text.Encoding.UTF8.GetString(img.ReadAll(img.Get("/small"))));
        var buf = new byte[300];
        Assert.Equal(200, Vfs.ReadLink(img.Root, img.Root, Ext2Image.B("/longlink"), buf));
        Assert.Equal("123", System.Text.Encoding.UTF8.GetString(img.ReadAll(img.Get("/d/file0123-with-a-long-name-to-fill-blocks"))));
        int count = 0;
        DirEntry e = default;
        ulong cookie = 2;
        while (img.Get("/d").ReadDir(cookie, ref e) == 1)
        {
            count++;
            cookie = e.NextCookie;
        }
        Assert.Equal(301, count); // 300 files and "e"
        Assert.Equal(-Errno.EROFS, Vfs.Mkdir(img.Root, img.Root, Ext2Image.B("/x"), 0x1ED, 0, 0, out _));
        Assert.Equal(0, img.Ext.StatFs(out StatFsInfo st));
        Assert.Equal(4096UL, st.BlockSize);
        Assert.True(st.BlocksFree > 0 && st.BlocksFree < st.Blocks);
        Assert.Equal(0, img.Ext.Unmount());
        img.AssertClean(); // a read-only mount writes nothing
    }

    [Fact]
    public void Ext4ReadWriteMountIsRefusedWithAReason()
    {
        using var img = MakeExt4();
        Assert.Equal(-Errno.EROFS, img.Mount(false, out string? error));
        Assert.Contains("read-only", error);
    }

    [Fact]
    public void UnknownIncompatibleFeatureIsRefused()
    {
        using var img = MakeExt4("-O inline_data");
        Assert.Equal(-Errno.EOPNOTSUPP, img.Mount(true, out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void JournalNeedingRecoveryIsRefused()
    {
        using var img = MakeExt4();
        img.Disk.Bytes[1024 + 0x60] |= 0x4; // needs_recovery
        FixSuperblockChecksum(img.Disk.Bytes);
        Assert.Equal(-Errno.EOPNOTSUPP, img.Mount(true, out string? error));
        Assert.Contains("recovery", error);
    }

    private static void FixSuperblockChecksum(byte[] disk)
    {
        uint c = Kernel.Logic.Fs.Ext2.Crc32c.Update(0xFFFFFFFF, disk.AsSpan(1024, 0x3FC));
        BitConverter.GetBytes(c).CopyTo(disk, 1024 + 0x3FC);
    }

    [Fact]
    public void CorruptSuperblockChecksumIsRefused()
    {
        using var img = MakeExt4();
        img.Disk.Bytes[1024 + 0x30] ^= 1; // s_wtime: harmless field, wrong checksum
        Assert.Equal(-Errno.EBADMSG, img.Mount(true, out _));
    }

    [Fact]
    public void CorruptInodeChecksumFailsThatFileOnly()
    {
        using var img = MakeExt4();
        var (_, stat) = Ext2Image.Run("/usr/sbin/debugfs", $"-R \"imap /small\" {img.ImagePath}");
        // "Inode N is part of block group G\n\tlocated at block B, offset 0xOOOO"
        var m = System.Text.RegularExpressions.Regex.Match(stat, @"located at block (\d+), offset 0x([0-9a-f]+)");
        Assert.True(m.Success, stat);
        long at = long.Parse(m.Groups[1].Value) * 4096 + Convert.ToInt64(m.Groups[2].Value, 16);
        img.Disk.Bytes[at + 0x10] ^= 0x40; // mtime
        img.MountOk(readOnly: true);
        Assert.Equal(-Errno.EBADMSG, img.Resolve("/small", out _));
        Assert.Equal(Pattern(3_000_000, 5), img.ReadAll(img.Get("/d/e/big")));
    }
}
