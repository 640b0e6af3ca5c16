using System.Runtime.InteropServices;
using System.Text;
using Kernel.Logic;
using Kernel.Logic.Fs;
using static Kernel.Tests.Fs.TestFs;

namespace Kernel.Tests.Fs;

/// <summary>
/// The same operations on the host's Linux (through the *at() system calls, relative to a
/// temporary directory) and on the tmpfs: every result (0 or errno) and the final trees must agree.
/// </summary>
public sealed partial class LinuxReferenceTests : IDisposable
{
    private const int O_CREAT = 0x40, O_EXCL = 0x80, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000;
    private const int AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400;

    [LibraryImport("libc", SetLastError = true)] private static partial int openat(int dirfd, byte[] path, int flags, uint mode);
    [LibraryImport("libc", SetLastError = true)] private static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] private static partial int mkdirat(int dirfd, byte[] path, uint mode);
    [LibraryImport("libc", SetLastError = true)] private static partial int mknodat(int dirfd, byte[] path, uint mode, ulong dev);
    [LibraryImport("libc", SetLastError = true)] private static partial int unlinkat(int dirfd, byte[] path, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int renameat2(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, uint flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int symlinkat(byte[] target, int newdirfd, byte[] linkpath);
    [LibraryImport("libc", SetLastError = true)] private static partial nint readlinkat(int dirfd, byte[] path, byte[] buf, nuint size);
    [LibraryImport("libc", SetLastError = true)] private static partial int statx(int dirfd, byte[] path, int flags, uint mask, byte[] buf);

    private readonly string _dir = Directory.CreateTempSubdirectory("vfsref").FullName;
    private readonly int _fd;
    private readonly TestFs _t = new();

    public LinuxReferenceTests()
    {
        _fd = openat(-100, Z(_dir), O_DIRECTORY, 0);
        Assert.True(_fd >= 0);
    }

    public void Dispose()
    {
        close(_fd);
        Directory.Delete(_dir, true);
        _t.Dispose();
    }

    private static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

    private static int Host(int rc) => rc >= 0 ? 0 : -Marshal.GetLastPInvokeError();

    // Host side: 0 or -errno, plus the file type for lookups.
    private string OnHost(string op, string a, string b)
    {
        var buf = new byte[256];
        switch (op)
        {
            case "stat":
            case "lstat":
                int rc = Host(statx(_fd, Z(a), op == "lstat" ? AT_SYMLINK_NOFOLLOW : 0, 0xFFF, buf));
                return rc == 0 ? "type " + (BitConverter.ToUInt16(buf, 28) & 0xF000).ToString("x") : rc.ToString();
            case "open":
                int flags = O_NONBLOCK | (b.Contains('c') ? O_CREAT : 0) | (b.Contains('e') ? O_EXCL : 0) | (b.Contains('n') ? O_NOFOLLOW : 0) | (b.Contains('d') ? O_DIRECTORY : 0);
                int fd = openat(_fd, Z(a), flags, 0x1A4);
                if (fd < 0)
                    return (-Marshal.GetLastPInvokeError()).ToString();
                close(fd);
                return "0";
            case "mkdir": return Host(mkdirat(_fd, Z(a), 0x1ED)).ToString();
            case "mknod": return Host(mknodat(_fd, Z(a), 0x1000 | 0x1A4, 0)).ToString();
            case "unlink": return Host(unlinkat(_fd, Z(a), 0)).ToString();
            case "rmdir": return Host(unlinkat(_fd, Z(a), AT_REMOVEDIR)).ToString();
            case "symlink": return Host(symlinkat(Z(a), _fd, Z(b))).ToString();
            case "link": return Host(linkat(_fd, Z(a), _fd, Z(b), 0)).ToString();
            case "linkf": return Host(linkat(_fd, Z(a), _fd, Z(b), AT_SYMLINK_FOLLOW)).ToString();
            case "readlink":
                nint n = readlinkat(_fd, Z(a), buf, (nuint)buf.Length);
                return n < 0 ? (-Marshal.GetLastPInvokeError()).ToString() : Encoding.UTF8.GetString(buf, 0, (int)n);
            default:
                return Host(renameat2(_fd, Z(a), _fd, Z(b), RenameFlags(op))).ToString();
        }
    }

    private static uint RenameFlags(string op) => op switch
    {
        "rename" => 0,
        "rename-noreplace" => Vfs.RenameNoReplace,
        "rename-exchange" => Vfs.RenameExchange,
        _ => throw new ArgumentException(op),
    };

    private string OnTmpfs(string op, string a, string b)
    {
        Inode root = _t.Root;
        switch (op)
        {
            case "stat":
            case "lstat":
                int rc = Vfs.Resolve(root, root, B(a), op == "lstat" ? Vfs.NoFollow : 0, out Inode? node);
                return rc == 0 ? "type " + node!.Type.ToString("x") : rc.ToString();
            case "open":
                if (b.Contains('c'))
                {
                    int flags = (b.Contains('e') ? Vfs.Exclusive : 0) | (b.Contains('n') ? Vfs.NoFollow : 0);
                    return Vfs.Create(root, root, B(a), 0x1A4, flags, 0, 0, out _, out _).ToString();
                }
                rc = Vfs.Resolve(root, root, B(a), (b.Contains('n') ? Vfs.NoFollow : 0) | (b.Contains('d') ? Vfs.Directory : 0), out node);
                if (rc == 0 && node!.IsSymlink)
                    rc = -Errno.ELOOP; // open(O_NOFOLLOW) of a symlink
                return rc.ToString();
            case "mkdir": return Vfs.Mkdir(root, root, B(a), 0x1ED, 0, 0, out _).ToString();
            case "mknod": return Vfs.Mknod(root, root, B(a), 0x1000 | 0x1A4, 0, 0, 0, out _).ToString();
            case "unlink": return Vfs.Unlink(root, root, B(a)).ToString();
            case "rmdir": return Vfs.Rmdir(root, root, B(a)).ToString();
            case "symlink": return Vfs.Symlink(root, root, B(a), B(b), 0, 0, out _).ToString();
            case "link": return Vfs.Link(root, root, B(a), false, root, B(b)).ToString();
            case "linkf": return Vfs.Link(root, root, B(a), true, root, B(b)).ToString();
            case "readlink":
                var buf = new byte[256];
                int n = Vfs.ReadLink(root, root, B(a), buf);
                return n < 0 ? n.ToString() : Encoding.UTF8.GetString(buf, 0, n);
            default:
                return Vfs.Rename(root, root, B(a), root, B(b), RenameFlags(op)).ToString();
        }
    }

    private static readonly string Long = new('n', 256);

    // Ops in order (they change both trees the same way).
    private static readonly string[][] Script =
    {
        new[] { "mkdir", "a" }, new[] { "mkdir", "a/b" }, new[] { "mkdir", "empty" }, new[] { "mkdir", "full" },
        new[] { "open", "f", "c" }, new[] { "open", "a/b/file", "c" }, new[] { "open", "full/x", "c" },
        new[] { "symlink", "f", "l_file" }, new[] { "symlink", "a", "l_dir" }, new[] { "symlink", "nowhere", "l_dangling" },
        new[] { "symlink", "l_loop", "l_loop" }, new[] { "symlink", "l_dir/b", "l_chain" }, new[] { "symlink", "../f", "a/up" },
        new[] { "link", "f", "f_hard" },
        // Lookups.
        new[] { "stat", "." }, new[] { "stat", "a" }, new[] { "stat", "a/" }, new[] { "stat", "a//b/./file" }, new[] { "stat", "f/" },
        new[] { "stat", "f/." }, new[] { "stat", "f/.." }, new[] { "stat", "nope" }, new[] { "stat", "a/nope/x" }, new[] { "stat", "l_file" },
        new[] { "stat", "l_file/" }, new[] { "lstat", "l_file" }, new[] { "lstat", "l_file/" }, new[] { "stat", "l_dir/b/file" },
        new[] { "lstat", "l_dir/" }, new[] { "lstat", "l_dir" }, new[] { "stat", "l_dangling" }, new[] { "lstat", "l_dangling" },
        new[] { "stat", "l_dangling/" }, new[] { "stat", "l_loop" }, new[] { "lstat", "l_loop" }, new[] { "stat", "l_loop/x" },
        new[] { "stat", "l_chain/file" }, new[] { "stat", "l_chain/file/" }, new[] { "stat", "a/up" }, new[] { "lstat", "a/up/" },
        new[] { "stat", "a/b/../../f" }, new[] { "stat", "" }, new[] { "stat", Long }, new[] { "stat", "a/" + Long + "/x" },
        new[] { "stat", "l_dir/../a/b/../b/file" },
        // open
        new[] { "open", "f", "" }, new[] { "open", "f/", "" }, new[] { "open", "a", "d" }, new[] { "open", "f", "d" },
        new[] { "open", "l_file", "n" }, new[] { "open", "l_dir", "nd" }, new[] { "open", "l_dir/", "n" }, new[] { "open", "l_file/", "n" },
        new[] { "open", "new", "c" }, new[] { "open", "new", "ce" }, new[] { "open", "newdir/", "c" }, new[] { "open", "a", "c" },
        new[] { "open", "a", "ce" }, new[] { "open", "l_dangling", "ce" }, new[] { "open", "l_dangling", "cn" }, new[] { "open", "l_dangling", "c" },
        new[] { "open", "l_file", "cn" }, new[] { "open", "nope/x", "c" }, new[] { "open", "f/x", "c" }, new[] { "open", ".", "c" },
        new[] { "open", "l_dir/", "c" }, new[] { "open", "l_loop", "c" }, new[] { "open", "l_file", "c" },
        // mkdir, mknod, symlink, link
        new[] { "mkdir", "a" }, new[] { "mkdir", "m1" }, new[] { "mkdir", "m1/m2/" }, new[] { "mkdir", "f/x" }, new[] { "mkdir", "l_dir" },
        new[] { "mkdir", "l_loop" }, new[] { "mkdir", "." }, new[] { "mkdir", "a/b/.." }, new[] { "mkdir", "nope/x" }, new[] { "mkdir", "l_dir/new/" },
        new[] { "mknod", "fifo1" }, new[] { "mknod", "fifo1" }, new[] { "mknod", "fifo2/" }, new[] { "mknod", "l_dir/b/fifo3" },
        new[] { "symlink", "f", "s1" }, new[] { "symlink", "x", "s1" }, new[] { "symlink", "x", "s2/" }, new[] { "symlink", "x", "a/b/file/x" },
        new[] { "link", "f", "h1" }, new[] { "link", "a", "h2" }, new[] { "link", "l_file", "h3" }, new[] { "linkf", "l_file", "h4" },
        new[] { "link", "f", "h1" }, new[] { "link", "nope", "h5" }, new[] { "link", "f", "h6/" }, new[] { "link", "f/", "h7" },
        new[] { "linkf", "l_loop", "h8" }, new[] { "link", "f", "." }, new[] { "link", "l_dir/", "h9" },
        // unlink, rmdir
        new[] { "unlink", "a" }, new[] { "unlink", "a/" }, new[] { "unlink", "f/" }, new[] { "unlink", "nope" }, new[] { "unlink", "." },
        new[] { "unlink", "h1" }, new[] { "unlink", "l_file/" }, new[] { "unlink", "l_chain" }, new[] { "unlink", "l_chain" },
        new[] { "rmdir", "full" }, new[] { "rmdir", "f" }, new[] { "rmdir", "a/b/." }, new[] { "rmdir", "a/b/.." }, new[] { "rmdir", "m1/m2/" },
        new[] { "rmdir", "l_dir" }, new[] { "rmdir", "l_dir/" }, new[] { "rmdir", "nope" }, new[] { "rmdir", "." }, new[] { "rmdir", "empty" },
        new[] { "mkdir", "empty2" },
        // rename
        new[] { "rename", "f", "f" }, new[] { "rename", "f", "f_hard" }, new[] { "rename", "f", "a" }, new[] { "rename", "a", "f" },
        new[] { "rename", "empty2", "full" }, new[] { "rename", "a", "a/b/c" }, new[] { "rename", "a/b", "a" }, new[] { "rename", "f/", "z" },
        new[] { "rename", "f", "z/" }, new[] { "rename", "nope", "z" }, new[] { "rename", "a/.", "z" }, new[] { "rename", "f", "a/.." },
        new[] { "rename-noreplace", "f", "fifo1" }, new[] { "rename", "f", "fifo1" }, new[] { "rename", "fifo1", "a/moved" },
        new[] { "rename", "m1", "a/b/m1" }, new[] { "rename", "empty2", "a/b/m1/" }, new[] { "rename-exchange", "s1", "a" },
        new[] { "rename-exchange", "nope", "a" }, new[] { "rename-exchange", "s1", "nothing" }, new[] { "rename-exchange", "a", "s1" }, new[] { "rename", "l_dir", "ldir2/" },
        new[] { "rename", "a", "s1/x" }, new[] { "rename-exchange", "a/b", "full" }, new[] { "rename", "a/b/m1", "full/x" },
        new[] { "rename", "full/x", "a/b/m1" }, new[] { "rename", "l_dir/", "x" }, new[] { "rename", "full", "full/b/deeper" },
        new[] { "rename-exchange", "full", "full/b" }, new[] { "rename", "a/b", "a/b/" },
        // readlink
        new[] { "readlink", "s1" }, new[] { "readlink", "f_hard" }, new[] { "readlink", "nope" }, new[] { "readlink", "a/up" },
        new[] { "readlink", "l_dir/" },
    };

    [Fact]
    public void OperationsMatchTheHostKernel()
    {
        var mismatches = new List<string>();
        var results = new List<string>();
        foreach (string[] step in Script)
        {
            string a = step[1], b = step.Length > 2 ? step[2] : "";
            string host = OnHost(step[0], a, b);
            string ours = OnTmpfs(step[0], a, b);
            results.Add(host);
            if (host != ours)
                mismatches.Add($"{step[0]} '{(a.Length > 20 ? a[..20] + "..." : a)}' '{b}': host {host}, tmpfs {ours}");
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        // The script exercises both outcomes and a range of errors.
        Assert.True(results.Count(r => r == "0") > 40);
        Assert.True(results.Distinct().Count() > 12);
        List<string> tree = HostTree();
        Assert.True(tree.Count > 15);
        Assert.Equal(tree, TmpfsTree());
    }

    private List<string> HostTree()
    {
        var lines = new List<string>();
        void Walk(string rel)
        {
            foreach (string p in Directory.EnumerateFileSystemEntries(Path.Combine(_dir, rel)))
            {
                string name = Path.GetRelativePath(_dir, p);
                var buf = new byte[256];
                Assert.Equal(0, statx(_fd, Z(name), AT_SYMLINK_NOFOLLOW, 0xFFF, buf));
                uint mode = BitConverter.ToUInt16(buf, 28);
                uint nlink = BitConverter.ToUInt32(buf, 16);
                bool isDir = (mode & 0xF000) == 0x4000;
                lines.Add($"{name} {mode:x} {nlink} {(isDir ? 0 : BitConverter.ToUInt64(buf, 40))}");
                if (isDir)
                    Walk(name); // never through symlinks
            }
        }
        Walk("");
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private List<string> TmpfsTree()
    {
        var lines = new List<string>();
        void Walk(Inode dir, string prefix)
        {
            DirEntry e = default;
            ulong cookie = 2;
            while (dir.ReadDir(cookie, ref e) == 1)
            {
                string name = Name(ref e);
                Assert.Equal(0, dir.Lookup(B(name), out Inode? child));
                string rel = prefix + name;
                lines.Add($"{rel} {child!.Mode:x} {child.Nlink} {(child.IsDirectory ? 0 : child.Size)}");
                if (child.IsDirectory)
                    Walk(child, rel + "/");
                cookie = e.NextCookie;
            }
        }
        Walk(_t.Root, "");
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
