using System.Text;
using Kernel.Logic.Fs;

namespace Kernel.Tests.Fs;

/// <summary>A tmpfs over host memory (linear offset 0) with string helpers.</summary>
internal sealed unsafe class TestFs : IDisposable
{
    public readonly HostMemory Memory;
    public readonly FileSystem Fs;

    public TestFs(ulong pages = 4096, uint minor = 17)
    {
        Memory = new HostMemory(pages);
        Fs = FileSystem.CreateTmpfs(Memory.Allocator, 0, DeviceNumber.Make(0, minor));
        Fs.CurrentTime = new Timespec(1_700_000_000, 5);
    }

    public Inode Root => Fs.Root;

    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    public int Resolve(string path, out Inode? node, int flags = 0) => Vfs.Resolve(Root, Root, B(path), flags, out node);

    public Inode Get(string path, int flags = 0)
    {
        Assert.Equal(0, Resolve(path, out Inode? node, flags));
        return node!;
    }

    public int Mkdir(string path, uint mode = 0x1ED) => Vfs.Mkdir(Root, Root, B(path), mode, 0, 0, out _);

    public Inode WriteFile(string path, string content)
    {
        Assert.Equal(0, Vfs.Create(Root, Root, B(path), 0x1A4, 0, 0, 0, out Inode? node, out _));
        Assert.Equal(0, node!.Truncate(0));
        byte[] data = B(content);
        Assert.Equal(data.Length, node.Write(0, data));
        return node;
    }

    public static string ReadAll(Inode node)
    {
        var buf = new byte[(int)node.Size + 10];
        long n = node.Read(0, buf);
        Assert.True(n >= 0);
        return Encoding.UTF8.GetString(buf, 0, (int)n);
    }

    public string Read(string path) => ReadAll(Get(path));

    public int Symlink(string target, string path) => Vfs.Symlink(Root, Root, B(target), B(path), 0, 0, out _);

    public int Unlink(string path) => Vfs.Unlink(Root, Root, B(path));

    public int Rmdir(string path) => Vfs.Rmdir(Root, Root, B(path));

    public int Rename(string from, string to, uint flags = 0) => Vfs.Rename(Root, Root, B(from), Root, B(to), flags);

    public int Link(string from, string to, bool follow = false) => Vfs.Link(Root, Root, B(from), follow, Root, B(to));

    public List<string> List(string path)
    {
        Inode dir = Get(path);
        var names = new List<string>();
        DirEntry e = default;
        ulong cookie = 0;
        int rc;
        while ((rc = Vfs.ReadDir(dir, cookie, ref e)) == 1)
        {
            names.Add(Name(ref e));
            cookie = e.NextCookie;
        }
        Assert.Equal(0, rc);
        return names;
    }

    public static unsafe string Name(ref DirEntry e)
    {
        fixed (byte* p = e.Name)
            return Encoding.UTF8.GetString(p, e.NameLength);
    }

    public void Dispose() => Memory.Dispose();
}
