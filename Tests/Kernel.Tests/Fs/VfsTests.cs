using Kernel.Logic;
using Kernel.Logic.Fs;
using static Kernel.Tests.Fs.TestFs;

namespace Kernel.Tests.Fs;

public sealed class VfsTests : IDisposable
{
    private readonly TestFs _t = new();

    public void Dispose() => _t.Dispose();

    private int Err(string path, int flags = 0) => _t.Resolve(path, out _, flags);

    [Fact]
    public void RootIsADirectoryWithInodeOneAndTwoLinks()
    {
        Inode root = _t.Root;
        Assert.True(root.IsDirectory);
        Assert.Equal(1ul, root.Ino);
        Assert.Equal(2u, root.Nlink);
        Assert.Equal(0x41EDu, root.Mode);
        Assert.Same(root, _t.Get("/"));
        Assert.Same(root, _t.Get("/.."));
        Assert.Same(root, _t.Get("///./../."));
        Assert.Equal(new[] { ".", ".." }, _t.List("/"));
    }

    [Fact]
    public void ResolvesDotsSlashesAndTrailingSlashes()
    {
        Assert.Equal(0, _t.Mkdir("a"));
        Assert.Equal(0, _t.Mkdir("a/b"));
        Inode f = _t.WriteFile("a/b/f", "x");
        Assert.Same(f, _t.Get("a//b///f"));
        Assert.Same(f, _t.Get("/a/./b/../b/f"));
        Assert.Same(f, _t.Get("a/b/../../a/b/f"));
        Assert.Same(_t.Get("a"), _t.Get("a/b/.."));
        Assert.Same(_t.Get("a/b"), _t.Get("a/b/"));
        Assert.Same(_t.Get("a/b"), _t.Get("a/b//."));
        Assert.Equal(-Errno.ENOTDIR, Err("a/b/f/"));
        Assert.Equal(-Errno.ENOTDIR, Err("a/b/f/."));
        Assert.Equal(-Errno.ENOTDIR, Err("a/b/f/.."));
        Assert.Equal(-Errno.ENOTDIR, Err("a/b/f/x"));
        Assert.Equal(-Errno.ENOENT, Err("a/b/nope"));
        Assert.Equal(-Errno.ENOENT, Err("a/nope/f"));
        Assert.Equal(-Errno.ENOENT, Err(""));
        Assert.Equal(-Errno.ENOTDIR, Err("a/b/f", Vfs.Directory));
        // Relative to a start directory.
        Assert.Equal(0, Vfs.Resolve(_t.Root, _t.Get("a/b"), B("f"), 0, out Inode? rel));
        Assert.Same(f, rel);
        Assert.Equal(0, Vfs.Resolve(_t.Root, _t.Get("a/b"), B("../../a"), 0, out rel));
        Assert.Same(_t.Get("a"), rel);
    }

    [Fact]
    public void NameAndPathLengthLimits()
    {
        string name255 = new('n', 255), name256 = new('n', 256);
        Assert.Equal(0, _t.Mkdir(name255));
        Assert.Equal(0, Err(name255));
        Assert.Equal(-Errno.ENAMETOOLONG, Err(name256));
        Assert.Equal(-Errno.ENAMETOOLONG, _t.Mkdir(name256));
        Assert.Equal(-Errno.ENAMETOOLONG, _t.Mkdir("/" + name256 + "/x"));
        string deep = string.Concat(Enumerable.Repeat("./", 2047)) + "."; // 4095 bytes: allowed
        Assert.Equal(4095, deep.Length);
        Assert.Equal(0, Err(deep));
        Assert.Equal(-Errno.ENAMETOOLONG, Err(deep + "/"));
        Assert.Equal(-Errno.ENAMETOOLONG, _t.Mkdir(deep + "/"));
    }

    [Fact]
    public void FollowsRelativeAbsoluteAndNestedSymlinks()
    {
        _t.Mkdir("usr");
        _t.Mkdir("usr/bin");
        Inode busybox = _t.WriteFile("usr/bin/busybox", "bb");
        Assert.Equal(0, _t.Symlink("busybox", "usr/bin/sh"));
        Assert.Equal(0, _t.Symlink("usr/bin", "bin"));
        Assert.Equal(0, _t.Symlink("/bin/sh", "shell"));
        Assert.Equal(0, _t.Symlink("../usr/./bin/", "usr/up"));
        Assert.Same(busybox, _t.Get("bin/sh"));
        Assert.Same(busybox, _t.Get("shell"));
        Assert.Same(busybox, _t.Get("usr/up/sh"));
        Assert.Same(_t.Get("usr/bin"), _t.Get("usr/up"));
        Assert.Same(_t.Get("usr/bin"), _t.Get("bin/"));
        Assert.Same(_t.Get("usr"), _t.Get("bin/.."));       // ".." after a symlink: the target's parent
        Inode link = _t.Get("shell", Vfs.NoFollow);
        Assert.True(link.IsSymlink);
        Assert.Equal(7ul, link.Size);
        Assert.Same(_t.Get("usr/bin"), _t.Get("bin/", Vfs.NoFollow)); // a trailing slash follows anyway
        Assert.Same(_t.Get("usr/bin"), _t.Get("bin", Vfs.Directory));
        Assert.Equal(-Errno.ENOTDIR, Err("shell", Vfs.Directory));
        Assert.Equal(-Errno.ENOTDIR, Err("shell/"));
        Assert.Equal(0, _t.Symlink("missing", "dangling"));
        Assert.Equal(-Errno.ENOENT, Err("dangling"));
        Assert.Equal(0, Err("dangling", Vfs.NoFollow));
        Assert.Equal(-Errno.ENOENT, Err("dangling/"));
        var buf = new byte[100];
        Assert.Equal(7, Vfs.ReadLink(_t.Root, _t.Root, B("shell"), buf));
        Assert.Equal("/bin/sh"u8.ToArray(), buf[..7]);
        Assert.Equal(3, Vfs.ReadLink(_t.Root, _t.Root, B("shell"), buf.AsSpan(0, 3))); // cut, like readlink(2)
        Assert.Equal(-Errno.EINVAL, Vfs.ReadLink(_t.Root, _t.Root, B("usr"), buf));
        Assert.Equal(-Errno.ENOENT, _t.Symlink("", "empty"));
    }

    [Fact]
    public void FortySymlinksResolveAndFortyOneLoop()
    {
        _t.WriteFile("target", "t");
        Assert.Equal(0, _t.Symlink("target", "l0"));
        for (int i = 1; i <= 40; i++)
            Assert.Equal(0, _t.Symlink("l" + (i - 1), "l" + i));
        Assert.Same(_t.Get("target"), _t.Get("l39")); // 40 links followed
        Assert.Equal(-Errno.ELOOP, Err("l40"));
        Assert.Equal(0, _t.Symlink("self", "self"));
        Assert.Equal(-Errno.ELOOP, Err("self"));
        Assert.Equal(-Errno.ELOOP, Err("self/x"));
        Assert.Equal(0, Err("self", Vfs.NoFollow));
        Assert.Equal(0, _t.Symlink("b", "a"));
        Assert.Equal(0, _t.Symlink("a", "b"));
        Assert.Equal(-Errno.ELOOP, Err("a/"));
    }

    [Fact]
    public void MountsAreCrossedBothWays()
    {
        using var other = new TestFs(64, minor: 18);
        _t.Mkdir("mnt");
        _t.Mkdir("mnt/hidden");
        other.Mkdir("inside");
        other.WriteFile("inside/f", "other fs");
        Inode mp = _t.Get("mnt");
        Assert.Equal(0, Vfs.Mount(mp, other.Root));
        Assert.Equal(-Errno.EBUSY, Vfs.Mount(mp, other.Root));
        Assert.Same(other.Root, _t.Get("mnt"));
        Assert.Same(other.Root, _t.Get("/mnt/"));
        Assert.Equal("other fs", _t.Read("/mnt/inside/f"));
        Assert.Equal(-Errno.ENOENT, Err("mnt/hidden"));
        Assert.Same(_t.Root, _t.Get("mnt/.."));
        Assert.Same(_t.Root, _t.Get("mnt/inside/../.."));
        Assert.Equal(other.Fs.Dev, _t.Get("mnt/inside/f").Dev);
        Assert.Equal(-Errno.EBUSY, _t.Rmdir("mnt"));
        Assert.Equal(-Errno.EBUSY, _t.Rename("mnt", "mnt2"));
        Assert.Equal(-Errno.EXDEV, _t.Rename("mnt/inside/f", "f"));
        Assert.Equal(-Errno.EXDEV, _t.Link("mnt/inside/f", "f"));
        // Creation goes into the mounted file system.
        Assert.Equal(0, _t.Mkdir("mnt/new"));
        Assert.Equal(0, other.Resolve("new", out _));
        // getcwd across the mount.
        var buf = new byte[64];
        int n = Vfs.PathOf(_t.Root, _t.Get("mnt/inside"), buf);
        Assert.Equal("/mnt/inside\0", System.Text.Encoding.ASCII.GetString(buf, 0, n));
        Assert.Equal(0, Vfs.Unmount(other.Root));
        Assert.Equal(-Errno.EINVAL, Vfs.Unmount(other.Root));
        Assert.Equal(0, Err("mnt/hidden"));
        Assert.Equal(0, _t.Rmdir("mnt/hidden"));
        Assert.Equal(0, _t.Rmdir("mnt"));
    }

    [Fact]
    public void ProcessRootStopsDotDotAndAbsolutePaths()
    {
        _t.Mkdir("jail");
        _t.Mkdir("jail/etc");
        Inode jail = _t.Get("jail");
        Assert.Equal(0, Vfs.Resolve(jail, jail, B("../../.."), 0, out Inode? n));
        Assert.Same(jail, n);
        Assert.Equal(0, Vfs.Resolve(jail, _t.Root, B("/etc"), 0, out n));
        Assert.Same(_t.Get("jail/etc"), n);
        Assert.Equal(-Errno.EBUSY, Vfs.Rmdir(jail, jail, B("/")));
        var buf = new byte[64];
        int len = Vfs.PathOf(jail, _t.Get("jail/etc"), buf);
        Assert.Equal("/etc\0", System.Text.Encoding.ASCII.GetString(buf, 0, len));
        len = Vfs.PathOf(jail, jail, buf);
        Assert.Equal("/\0", System.Text.Encoding.ASCII.GetString(buf, 0, len));
        Assert.Equal(-Errno.ERANGE, Vfs.PathOf(_t.Root, _t.Get("jail/etc"), buf.AsSpan(0, 9)));
        Assert.Equal(10, Vfs.PathOf(_t.Root, _t.Get("jail/etc"), buf.AsSpan(0, 10)));
    }

    [Fact]
    public void CreateHonoursExclusiveTrailingSlashAndDanglingSymlinks()
    {
        Inode root = _t.Root;
        Assert.Equal(0, Vfs.Create(root, root, B("f"), 0x1FF, 0, 5, 6, out Inode? f, out bool created));
        Assert.True(created);
        Assert.Equal(0x81FFu, f!.Mode);
        Assert.Equal((5u, 6u, 1u), (f.Uid, f.Gid, f.Nlink));
        Assert.Equal(0, Vfs.Create(root, root, B("f"), 0x1FF, 0, 0, 0, out Inode? again, out created));
        Assert.False(created);
        Assert.Same(f, again);
        Assert.Equal(-Errno.EEXIST, Vfs.Create(root, root, B("f"), 0, Vfs.Exclusive, 0, 0, out _, out _));
        Assert.Equal(-Errno.ENOTDIR, Vfs.Create(root, root, B("f/"), 0, 0, 0, 0, out _, out _));
        Assert.Equal(-Errno.EISDIR, Vfs.Create(root, root, B("new/"), 0, 0, 0, 0, out _, out _));
        _t.Mkdir("d");
        Assert.Equal(-Errno.EISDIR, Vfs.Create(root, root, B("d"), 0, 0, 0, 0, out _, out _));
        Assert.Equal(-Errno.EEXIST, Vfs.Create(root, root, B("d"), 0, Vfs.Exclusive, 0, 0, out _, out _));
        Assert.Equal(-Errno.EISDIR, Vfs.Create(root, root, B("."), 0, 0, 0, 0, out _, out _));
        Assert.Equal(-Errno.ENOENT, Vfs.Create(root, root, B("nodir/x"), 0, 0, 0, 0, out _, out _));
        // A dangling symlink: O_CREAT makes its target; O_EXCL refuses; O_NOFOLLOW gives ELOOP.
        _t.Symlink("d/made-by-link", "dangling");
        Assert.Equal(-Errno.EEXIST, Vfs.Create(root, root, B("dangling"), 0, Vfs.Exclusive, 0, 0, out _, out _));
        Assert.Equal(-Errno.ELOOP, Vfs.Create(root, root, B("dangling"), 0, Vfs.NoFollow, 0, 0, out _, out _));
        Assert.Equal(0, Vfs.Create(root, root, B("dangling"), 0x1A4, 0, 0, 0, out Inode? made, out created));
        Assert.True(created);
        Assert.Same(made, _t.Get("d/made-by-link"));
        _t.Symlink("d", "dlink");
        Assert.Equal(-Errno.EISDIR, Vfs.Create(root, root, B("dlink/"), 0, 0, 0, 0, out _, out _));
        // Set-group-ID directories hand their group down.
        Assert.Equal(0, Vfs.Mkdir(root, root, B("g"), 0x5ED, 0, 42, out Inode? g));
        Assert.Equal(0x41EDu, g!.Mode); // mkdir ignores S_ISGID in its mode argument
        Vfs.SetMode(g, 0x5ED);
        Assert.Equal(0, Vfs.Create(root, root, B("g/f"), 0x1A4, 0, 7, 8, out Inode? gf, out _));
        Assert.Equal(42u, gf!.Gid);
        Assert.Equal(0, Vfs.Mkdir(root, root, B("g/sub"), 0x1ED, 7, 8, out Inode? sub));
        Assert.Equal((42u, 0x45EDu), (sub!.Gid, sub.Mode));
    }

    [Fact]
    public void MkdirMknodAndDirectoryLinkCounts()
    {
        Inode root = _t.Root;
        Assert.Equal(0, _t.Mkdir("a"));
        Assert.Equal(3u, root.Nlink);
        Assert.Equal(0, _t.Mkdir("a/b/"));
        Assert.Equal(0, _t.Mkdir("a/c"));
        Assert.Equal(4u, _t.Get("a").Nlink);
        Assert.Equal(2u, _t.Get("a/b").Nlink);
        _t.WriteFile("a/file", "");
        Assert.Equal(4u, _t.Get("a").Nlink);
        Assert.Equal(-Errno.EEXIST, _t.Mkdir("a"));
        Assert.Equal(-Errno.EEXIST, _t.Mkdir("a/file"));
        Assert.Equal(-Errno.EEXIST, _t.Mkdir("."));
        Assert.Equal(-Errno.EEXIST, _t.Mkdir("a/.."));
        Assert.Equal(-Errno.EEXIST, _t.Mkdir("/"));
        Assert.Equal(-Errno.ENOENT, _t.Mkdir("x/y"));
        Assert.Equal(-Errno.ENOTDIR, _t.Mkdir("a/file/y"));
        _t.Symlink("nowhere", "dl");
        Assert.Equal(-Errno.EEXIST, _t.Mkdir("dl"));
        ulong rdev = DeviceNumber.Make(4, 64);
        Assert.Equal(0, Vfs.Mknod(root, root, B("tty"), InodeMode.S_IFCHR | 0x1B6, rdev, 0, 0, out Inode? tty));
        Assert.Equal((InodeMode.S_IFCHR | 0x1B6, rdev), (tty!.Mode, tty.Rdev));
        Assert.Equal(0, Vfs.Mknod(root, root, B("sda"), InodeMode.S_IFBLK | 0x1B0, DeviceNumber.Make(8, 0), 0, 0, out Inode? sda));
        Assert.Equal(InodeMode.DT_BLK, InodeMode.DirentType(sda!.Mode));
        Assert.Equal(0, Vfs.Mknod(root, root, B("fifo"), InodeMode.S_IFIFO | 0x1A4, rdev, 0, 0, out Inode? fifo));
        Assert.Equal(0ul, fifo!.Rdev);
        Assert.Equal(0, Vfs.Mknod(root, root, B("plain"), 0x1A4, 0, 0, 0, out Inode? plain));
        Assert.True(plain!.IsRegular);
        Assert.Equal(0, Vfs.Mknod(root, root, B("sock"), InodeMode.S_IFSOCK | 0x1FF, 0, 0, 0, out _));
        Assert.Equal(-Errno.EPERM, Vfs.Mknod(root, root, B("dir"), InodeMode.S_IFDIR | 0x1FF, 0, 0, 0, out _));
        Assert.Equal(-Errno.EINVAL, Vfs.Mknod(root, root, B("bad"), 0xE000 | 0x1FF, 0, 0, 0, out _));
        Assert.Equal(-Errno.EEXIST, Vfs.Mknod(root, root, B("tty"), InodeMode.S_IFCHR, 0, 0, 0, out _));
        Assert.Equal(-Errno.ENOENT, Vfs.Mknod(root, root, B("new/"), InodeMode.S_IFIFO, 0, 0, 0, out _));
        Assert.Equal(-Errno.EINVAL, tty.Read(0, new byte[4]));
    }

    [Fact]
    public void UnlinkAndRmdirErrors()
    {
        _t.Mkdir("d");
        _t.Mkdir("d/sub");
        _t.WriteFile("d/f", "x");
        _t.Symlink("d", "link");
        Assert.Equal(-Errno.EISDIR, _t.Unlink("d"));
        Assert.Equal(-Errno.EISDIR, _t.Unlink("d/"));
        Assert.Equal(-Errno.EISDIR, _t.Unlink("."));
        Assert.Equal(-Errno.ENOTDIR, _t.Unlink("d/f/"));
        Assert.Equal(-Errno.ENOENT, _t.Unlink("d/none"));
        Assert.Equal(-Errno.ENOTEMPTY, _t.Rmdir("d"));
        Assert.Equal(-Errno.ENOTDIR, _t.Rmdir("d/f"));
        Assert.Equal(-Errno.ENOTDIR, _t.Rmdir("link"));
        Assert.Equal(-Errno.ENOTDIR, _t.Rmdir("link/"));
        Assert.Equal(-Errno.EINVAL, _t.Rmdir("d/sub/."));
        Assert.Equal(-Errno.ENOTEMPTY, _t.Rmdir("d/sub/.."));
        Assert.Equal(-Errno.EBUSY, _t.Rmdir("/"));
        Assert.Equal(0, _t.Unlink("link"));
        Assert.Equal(0, _t.Get("d").IsDirectory ? 0 : 1);
        Assert.Equal(0, _t.Unlink("d/f"));
        Assert.Equal(0, _t.Rmdir("d/sub/"));
        Assert.Equal(2u, _t.Get("d").Nlink);
        Assert.Equal(0, _t.Rmdir("d"));
        Assert.Equal(2u, _t.Root.Nlink);
        Assert.Equal(new[] { ".", ".." }, _t.List("/"));
        Assert.Equal(1ul, _t.Fs.LiveInodes); // only the root left
    }

    [Fact]
    public void RenameFollowsLinuxRules()
    {
        _t.Mkdir("a");
        _t.Mkdir("a/sub");
        _t.Mkdir("b");
        _t.Mkdir("full");
        _t.WriteFile("full/x", "x");
        Inode f = _t.WriteFile("f", "file f");
        _t.WriteFile("g", "file g");
        Assert.Equal(0, _t.Rename("f", "f"));
        Assert.Equal(0, _t.Link("f", "hard"));
        Assert.Equal(0, _t.Rename("f", "hard")); // same inode: nothing happens
        Assert.Same(f, _t.Get("f"));
        Assert.Same(f, _t.Get("hard"));
        Assert.Equal(2u, f.Nlink);
        Assert.Equal(-Errno.EISDIR, _t.Rename("f", "a"));
        Assert.Equal(-Errno.ENOTDIR, _t.Rename("a", "f"));
        Assert.Equal(-Errno.ENOTEMPTY, _t.Rename("b", "full"));
        Assert.Equal(-Errno.EINVAL, _t.Rename("a", "a/sub/inner"));
        Assert.Equal(-Errno.EINVAL, _t.Rename("a", "a/new"));
        Assert.Equal(-Errno.ENOTEMPTY, _t.Rename("a/sub", "a/.."[..1])); // "a" is an ancestor of a/sub and not empty
        Assert.Equal(-Errno.ENOTDIR, _t.Rename("f/", "z"));
        Assert.Equal(-Errno.ENOTDIR, _t.Rename("f", "z/"));
        Assert.Equal(-Errno.ENOENT, _t.Rename("none", "z"));
        Assert.Equal(-Errno.ENOENT, _t.Rename("f", "none/z"));
        Assert.Equal(-Errno.EBUSY, _t.Rename("a/.", "z"));
        Assert.Equal(-Errno.EBUSY, _t.Rename("f", "a/.."));
        Assert.Equal(-Errno.EEXIST, _t.Rename("f", "g", Vfs.RenameNoReplace));
        Assert.Equal(-Errno.EINVAL, _t.Rename("f", "g", Vfs.RenameWhiteout));
        // Replace a file: the old g is gone once nothing holds it.
        ulong live = _t.Fs.LiveInodes;
        Assert.Equal(0, _t.Rename("hard", "g"));
        Assert.Equal(live - 1, _t.Fs.LiveInodes);
        Assert.Same(f, _t.Get("g"));
        Assert.Equal(2u, f.Nlink);
        Assert.Equal(-Errno.ENOENT, _t.Resolve("hard", out _));
        // Move a directory into another one, then over an empty directory.
        Assert.Equal(0, _t.Rename("a/sub", "b/sub"));
        Assert.Equal(2u, _t.Get("a").Nlink);
        Assert.Equal(3u, _t.Get("b").Nlink);
        Assert.Same(_t.Get("b"), _t.Get("b/sub/.."));
        _t.Mkdir("a/empty");
        Assert.Equal(0, _t.Rename("b/sub", "a/empty/"));
        Assert.Equal(3u, _t.Get("a").Nlink);
        Assert.Equal(2u, _t.Get("b").Nlink);
        Assert.Same(_t.Get("a"), _t.Get("a/empty/.."));
        Assert.Equal(new[] { ".", "..", "empty" }, _t.List("a"));
        // Exchange a file and a directory.
        Assert.Equal(-Errno.ENOENT, _t.Rename("g", "nothing", Vfs.RenameExchange));
        Assert.Equal(-Errno.EINVAL, _t.Rename("g", "a", Vfs.RenameExchange | Vfs.RenameNoReplace));
        Inode dirA = _t.Get("a");
        Assert.Equal(0, _t.Rename("g", "b/x", 0));
        Assert.Equal(0, _t.Rename("b/x", "a", Vfs.RenameExchange));
        Assert.Same(dirA, _t.Get("b/x"));
        Assert.Same(f, _t.Get("a"));
        Assert.Same(_t.Get("b"), _t.Get("b/x/.."));
        Assert.Equal(3u, _t.Get("b").Nlink);
        Assert.Equal(_t.Fs.LiveInodes, (ulong)CountInodes(_t.Root));
    }

    private static int CountInodes(Inode dir)
    {
        var seen = new HashSet<Inode> { dir };
        var stack = new Stack<Inode>();
        stack.Push(dir);
        while (stack.Count > 0)
        {
            Inode d = stack.Pop();
            DirEntry e = default;
            ulong c = 2;
            while (d.ReadDir(c, ref e) == 1)
            {
                Assert.Equal(0, d.Lookup(B(Name(ref e)), out Inode? child));
                if (seen.Add(child!) && child!.IsDirectory)
                    stack.Push(child);
                c = e.NextCookie;
            }
        }
        return seen.Count;
    }

    [Fact]
    public void HardLinksShareTheInode()
    {
        Inode f = _t.WriteFile("f", "shared");
        _t.Mkdir("d");
        Assert.Equal(0, _t.Link("f", "d/g"));
        Assert.Equal(2u, f.Nlink);
        Assert.Same(f, _t.Get("d/g"));
        Assert.Equal(-Errno.EPERM, _t.Link("d", "d2"));
        Assert.Equal(-Errno.EEXIST, _t.Link("f", "d/g"));
        Assert.Equal(-Errno.EEXIST, _t.Link("f", "."));
        Assert.Equal(-Errno.ENOENT, _t.Link("f", "new/"));
        Assert.Equal(-Errno.ENOENT, _t.Link("none", "x"));
        _t.Symlink("f", "sl");
        Assert.Equal(0, _t.Link("sl", "sl2"));
        Assert.True(_t.Get("sl2", Vfs.NoFollow).IsSymlink);
        Assert.Equal(0, _t.Link("sl", "f2", follow: true));
        Assert.Same(f, _t.Get("f2"));
        Assert.Equal(0, _t.Unlink("f"));
        Assert.Equal(0, _t.Unlink("f2"));
        Assert.Equal("shared", _t.Read("d/g"));
        Assert.Equal(1u, f.Nlink);
    }

    [Fact]
    public void AttributesChmodChownUtimens()
    {
        Inode f = _t.WriteFile("f", "x");
        _t.Fs.CurrentTime = new Timespec(2000, 1);
        Assert.Equal(0, Vfs.SetMode(f, 0xFFFF));
        Assert.Equal(0x8FFFu, f.Mode);
        Assert.Equal(new Timespec(2000, 1), f.Ctime);
        Assert.Equal(0, Vfs.SetOwner(f, 10, uint.MaxValue));
        Assert.Equal((10u, 0u), (f.Uid, f.Gid));
        Assert.Equal(0x83FFu, f.Mode); // set-user-ID and (group-executable) set-group-ID cleared
        Vfs.SetMode(f, 0xDA4);
        Vfs.SetOwner(f, uint.MaxValue, 20);
        Assert.Equal((10u, 20u, 0x85A4u), (f.Uid, f.Gid, f.Mode)); // S_ISGID kept without group execute
        _t.Mkdir("d");
        Inode d = _t.Get("d");
        Vfs.SetMode(d, 0xDFF);
        Vfs.SetOwner(d, 1, 1);
        Assert.Equal(0x4DFFu, d.Mode); // directories keep their bits
        _t.Fs.CurrentTime = new Timespec(3000, 2);
        Assert.Equal(0, Vfs.SetTimes(f, new Timespec(5, 6), new Timespec(0, Timespec.UtimeOmit)));
        Assert.Equal(new Timespec(5, 6), f.Atime);
        Assert.Equal(new Timespec(1_700_000_000, 5), f.Mtime);
        Assert.Equal(new Timespec(3000, 2), f.Ctime);
        _t.Fs.CurrentTime = new Timespec(4000, 3);
        Assert.Equal(0, Vfs.SetTimes(f, new Timespec(0, Timespec.UtimeOmit), new Timespec(0, Timespec.UtimeNow)));
        Assert.Equal((new Timespec(5, 6), new Timespec(4000, 3)), (f.Atime, f.Mtime));
        _t.Fs.CurrentTime = new Timespec(5000, 0);
        Assert.Equal(0, Vfs.SetTimes(f, new Timespec(0, Timespec.UtimeOmit), new Timespec(0, Timespec.UtimeOmit)));
        Assert.Equal(new Timespec(4000, 3), f.Ctime); // nothing changes
        Assert.Equal(-Errno.EINVAL, Vfs.SetTimes(f, new Timespec(0, 1_000_000_000), new Timespec(0, 0)));
        Assert.Equal(-Errno.EINVAL, Vfs.SetTimes(f, new Timespec(0, -1), new Timespec(0, 0)));
        // Creating a name updates the directory's mtime and ctime; writing updates the file's.
        _t.Fs.CurrentTime = new Timespec(6000, 0);
        _t.WriteFile("d/new", "abc");
        Assert.Equal(new Timespec(6000, 0), d.Mtime);
        Assert.Equal(new Timespec(6000, 0), _t.Get("d/new").Mtime);
        Assert.Equal(-Errno.EISDIR, Vfs.Truncate(d, 0));
        Assert.Equal(-Errno.EINVAL, Vfs.Truncate(f, -1));
        _t.Symlink("f", "sl");
        Assert.Equal(-Errno.EINVAL, Vfs.Truncate(_t.Get("sl", Vfs.NoFollow), 0));
    }

    [Fact]
    public unsafe void ClockFunctionPointerDrivesTimestamps()
    {
        _t.Fs.Clock = &FixedClock;
        Inode f = _t.WriteFile("f", "x");
        Assert.Equal(new Timespec(123, 456), f.Mtime);
        _t.Fs.Clock = null;
    }

    private static Timespec FixedClock() => new(123, 456);
}
