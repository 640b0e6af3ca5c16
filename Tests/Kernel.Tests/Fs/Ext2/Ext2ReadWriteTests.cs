using Kernel.Logic;
using Kernel.Logic.Fs;

namespace Kernel.Tests.Fs.Ext2;

/// <summary>ext2 images made by mke2fs, mounted read-write through the VFS, checked by e2fsck and debugfs.</summary>
public sealed class Ext2ReadWriteTests
{
    private static byte[] Pattern(int length, int seed)
    {
        var b = new byte[length];
        var r = new Random(seed);
        r.NextBytes(b);
        return b;
    }

    // A source tree for mke2fs -d: small and multi-block files, a subdirectory, links.
    private static void Populate(string src)
    {
        Directory.CreateDirectory(Path.Combine(src, "dir/sub"));
        File.WriteAllText(Path.Combine(src, "hello.txt"), "hello, ext2\n");
        File.WriteAllBytes(Path.Combine(src, "dir/big.bin"), Pattern(300_000, 1));
        File.WriteAllBytes(Path.Combine(src, "dir/sub/empty"), Array.Empty<byte>());
        File.CreateSymbolicLink(Path.Combine(src, "short-link"), "hello.txt");
        File.CreateSymbolicLink(Path.Combine(src, "long-link"), new string('x', 100));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(2048)]
    [InlineData(4096)]
    public void MkfsImageReadsBackThroughTheVfs(int blockSize)
    {
        using var img = new Ext2Image();
        Populate(img.Source);
        img.Make($"-t ext2 -b {blockSize}", 4096);
        img.MountOk(readOnly: true);
        Assert.Equal("hello, ext2\n", System.Text.Encoding.UTF8.GetString(img.ReadAll(img.Get("/hello.txt"))));
        Assert.Equal(Pattern(300_000, 1), img.ReadAll(img.Get("/dir/big.bin")));
        Assert.Equal(0UL, img.Get("/dir/sub/empty").Size);
        Assert.Equal("hello, ext2\n", System.Text.Encoding.UTF8.GetString(img.ReadAll(img.Get("/short-link"))));
        var buf = new byte[200];
        Assert.Equal(100, Vfs.ReadLink(img.Root, img.Root, Ext2Image.B("/long-link"), buf));
        Assert.Equal(new string('x', 100), System.Text.Encoding.ASCII.GetString(buf, 0, 100));
        Assert.True(img.Get("/dir").IsDirectory);
        Assert.Equal(3u, img.Get("/dir").Nlink);
        Assert.Equal(img.Get("/dir"), img.Get("/dir/sub/.."));
        // getdents lists every name once.
        var names = new List<string>();
        DirEntry e = default;
        ulong cookie = 0;
        while (Vfs.ReadDir(img.Get("/"), cookie, ref e) == 1)
        {
            unsafe { names.Add(System.Text.Encoding.UTF8.GetString(e.Name, e.NameLength)); }
            cookie = e.NextCookie;
        }
        Assert.Contains("hello.txt", names);
        Assert.Contains("lost+found", names);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal(0, img.Ext.Buffers.Pinned);
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(4096)]
    public void CreateWriteRenameRemoveLeaveACleanImage(int blockSize)
    {
        using var img = new Ext2Image();
        Populate(img.Source);
        img.Make($"-t ext2 -b {blockSize}", 8192);
        img.MountOk();
        Inode root = img.Root;
        Assert.Equal(0, Vfs.Mkdir(root, root, Ext2Image.B("/new"), 0x1ED, 0, 0, out _));
        Assert.Equal(0, Vfs.Mkdir(root, root, Ext2Image.B("/new/deeper"), 0x1ED, 0, 0, out _));
        img.Write("/new/a.txt", Ext2Image.B("alpha"));
        img.Write("/new/deeper/big", Pattern(200_000, 2));
        Assert.Equal(0, Vfs.Link(root, root, Ext2Image.B("/new/a.txt"), false, root, Ext2Image.B("/a-link")));
        Assert.Equal(0, Vfs.Symlink(root, root, Ext2Image.B("new/a.txt"), Ext2Image.B("/sym"), 0, 0, out _));
        Assert.Equal(0, Vfs.Symlink(root, root, Ext2Image.B(new string('y', 300)), Ext2Image.B("/slowsym"), 0, 0, out _));
        Assert.Equal(0, Vfs.Rename(root, root, Ext2Image.B("/new/deeper"), root, Ext2Image.B("/dir/moved"), 0));
        Assert.Equal(0, Vfs.Unlink(root, root, Ext2Image.B("/dir/big.bin")));
        Assert.Equal(-Errno.ENOTEMPTY, Vfs.Rmdir(root, root, Ext2Image.B("/dir/moved")));
        Assert.Equal(0, Vfs.Unlink(root, root, Ext2Image.B("/dir/sub/empty")));
        Assert.Equal(0, Vfs.Rmdir(root, root, Ext2Image.B("/dir/sub")));
        Inode t = img.Write("/trunc", Pattern(50_000, 3));
        Assert.Equal(0, t.Truncate(10_001));
        Assert.Equal(0, t.Truncate(30_000));
        img.Unmount();
        img.AssertClean();
        Assert.Equal(Ext2Image.B("alpha"), img.DebugfsCat("/a-link"));
        Assert.Equal(Pattern(200_000, 2), img.DebugfsCat("/dir/moved/big"));
        byte[] expect = Pattern(50_000, 3)[..10_001].Concat(new byte[30_000 - 10_001]).ToArray();
        Assert.Equal(expect, img.DebugfsCat("/trunc"));
        Assert.Contains("..", img.Debugfs("ls -l /dir/moved"));
    }
}
