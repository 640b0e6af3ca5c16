using System.Text;
using Kernel.Logic;
using Kernel.Logic.Fs;
using static Kernel.Tests.Fs.TestFs;

namespace Kernel.Tests.Fs;

/// <summary>A /proc-like file system made of Inode subclasses, mounted into a tmpfs.</summary>
public sealed class SubclassTests : IDisposable
{
    private readonly TestFs _t = new();

    public void Dispose() => _t.Dispose();

    private sealed class TextFile : Inode
    {
        private readonly byte[] _text;
        public TextFile(string text) => _text = Encoding.ASCII.GetBytes(text);

        public override long Read(ulong offset, Span<byte> dst)
        {
            if (offset >= (ulong)_text.Length)
                return 0;
            int n = Math.Min(dst.Length, _text.Length - (int)offset);
            _text.AsSpan((int)offset, n).CopyTo(dst);
            return n;
        }
    }

    private sealed class MagicLink : Inode
    {
        public Inode? Target;
        public override Inode? JumpTarget() => Target;
        public override int ReadLink(Span<byte> dst) => Encoding.ASCII.GetBytes("/bin/sh", dst);
    }

    private sealed class StaticDir : Inode
    {
        public readonly List<(string Name, Inode Node)> Entries = new();
        public Inode? ParentDir;
        public override Inode? Parent => ParentDir ?? this;
        public override bool IsEmptyDirectory => Entries.Count == 0;

        public override int Lookup(ReadOnlySpan<byte> name, out Inode? node)
        {
            string s = Encoding.ASCII.GetString(name);
            node = Entries.FirstOrDefault(e => e.Name == s).Node;
            return node == null ? -Errno.ENOENT : 0;
        }

        public override int ReadDir(ulong cookie, ref DirEntry entry)
        {
            int i = (int)Math.Max(cookie, 2) - 2;
            if (i >= Entries.Count)
                return 0;
            entry.Ino = Entries[i].Node.Ino;
            entry.Type = InodeMode.DirentType(Entries[i].Node.Mode);
            entry.NextCookie = (ulong)i + 3;
            entry.SetName(Encoding.ASCII.GetBytes(Entries[i].Name));
            return 1;
        }
    }

    [Fact]
    public void ProcLikeFileSystemMountsAndResolves()
    {
        var proc = new FileSystem(DeviceNumber.Make(0, 3));
        var root = new StaticDir();
        proc.InitInode(root, InodeMode.S_IFDIR | 0x16D, 0, 0);
        root.Nlink = 2;
        proc.SetRoot(root);
        var self = new StaticDir { ParentDir = root };
        proc.InitInode(self, InodeMode.S_IFDIR | 0x16D, 0, 0);
        self.Nlink = 2;
        var status = new TextFile("Name:\tsh\n");
        proc.InitInode(status, InodeMode.S_IFREG | 0x124, 0, 0);
        status.Nlink = 1;
        var exe = new MagicLink();
        proc.InitInode(exe, InodeMode.S_IFLNK | 0x1FF, 0, 0);
        exe.Nlink = 1;
        self.Entries.Add(("status", status));
        self.Entries.Add(("exe", exe));
        root.Entries.Add(("self", self));

        _t.Mkdir("proc");
        _t.Mkdir("bin");
        Inode sh = _t.WriteFile("bin/sh", "#!");
        exe.Target = sh;
        Assert.Equal(0, Vfs.Mount(_t.Get("proc"), proc.Root));
        Assert.Equal("Name:\tsh\n", _t.Read("/proc/self/status"));
        Assert.Same(sh, _t.Get("/proc/self/exe"));           // the magic link jumps to the inode
        Assert.Same(exe, _t.Get("/proc/self/exe", Vfs.NoFollow));
        Assert.Equal("/bin/sh", Encoding.ASCII.GetString(ReadLink("/proc/self/exe")));
        Assert.Same(_t.Root, _t.Get("/proc/self/../.."));
        Assert.Equal(-Errno.EPERM, _t.Mkdir("/proc/new"));
        Assert.Equal(-Errno.EPERM, _t.Unlink("/proc/self/status"));
        Assert.Equal(-Errno.ENOTDIR, _t.Mkdir("/proc/self/status/x"));
        Assert.Equal(-Errno.EINVAL, Vfs.Truncate(status, 0));
        Assert.Equal(-Errno.EXDEV, _t.Link("/proc/self/status", "/status"));
        var buf = new byte[4096];
        ulong cookie = 0;
        int n = StatLayout.FillDirents(_t.Get("/proc/self"), ref cookie, buf);
        Assert.Equal(24 + 24 + 32 + 24, n); // ".", "..", "status" (19 + 6 + 1 -> 32), "exe"
        Assert.Equal(root.Ino, BitConverter.ToUInt64(buf, 24)); // ".." is the parent
        var path = new byte[64];
        int len = Vfs.PathOf(_t.Root, _t.Get("/proc/self"), path);
        Assert.Equal("/proc/self\0", Encoding.ASCII.GetString(path, 0, len));
        Assert.Equal(DeviceNumber.Make(0, 3), _t.Get("/proc/self/status").Dev);
    }

    private byte[] ReadLink(string p)
    {
        var buf = new byte[100];
        int n = Vfs.ReadLink(_t.Root, _t.Root, B(p), buf);
        Assert.True(n >= 0, n.ToString());
        return buf[..n];
    }
}
