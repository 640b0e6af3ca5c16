using Kernel.Logic;
using Kernel.Logic.Fs;
using static Kernel.Tests.Fs.TestFs;

namespace Kernel.Tests.Fs;

public sealed unsafe class TmpFileTests : IDisposable
{
    private readonly TestFs _t = new(pages: 8192);

    public void Dispose() => _t.Dispose();

    private static byte[] Pattern(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public void WritesReadsAndCountsPages()
    {
        ulong free0 = _t.Memory.Allocator.FreePageCount;
        var f = (TmpFile)_t.WriteFile("f", "");
        byte[] data = Pattern(3 * 4096 + 100, 1);
        Assert.Equal(data.Length, f.Write(0, data));
        Assert.Equal((ulong)data.Length, f.Size);
        Assert.Equal(4ul, f.DataPages);
        Assert.Equal(32ul, f.Blocks);
        Assert.Equal(5ul, _t.Fs.PagesInUse); // 4 data pages and one index table
        Assert.Equal(free0 - 5, _t.Memory.Allocator.FreePageCount);
        var back = new byte[data.Length + 50];
        Assert.Equal(data.Length, f.Read(0, back));
        Assert.Equal(data, back[..data.Length]);
        Assert.Equal(0, f.Read((ulong)data.Length, back));
        Assert.Equal(0, f.Read(1UL << 40, back));
        Assert.Equal(10, f.Read((ulong)data.Length - 10, back));
        // Unaligned overwrite across a page boundary.
        byte[] patch = Pattern(5000, 2);
        Assert.Equal(patch.Length, f.Write(4000, patch));
        patch.CopyTo(data, 4000);
        Assert.Equal(data.Length, f.Read(0, back));
        Assert.Equal(data, back[..data.Length]);
        // The physical page holds the file's bytes (linear offset 0 on the host).
        ulong phys = f.PhysicalPage(1, false);
        Assert.NotEqual(0ul, phys);
        Assert.Equal(data.AsSpan(4096, 4096).ToArray(), new ReadOnlySpan<byte>((void*)phys, 4096).ToArray());
    }

    [Fact]
    public void HolesReadAsZerosAndTakeNoPages()
    {
        var f = (TmpFile)_t.WriteFile("sparse", "");
        Assert.Equal(3, f.Write(10 << 20, "end"u8));
        Assert.Equal((10ul << 20) + 3, f.Size);
        Assert.Equal(1ul, f.DataPages);
        var buf = new byte[8192];
        buf.AsSpan().Fill(0xEE);
        Assert.Equal(8192, f.Read(5 << 20, buf));
        Assert.All(buf, b => Assert.Equal(0, b));
        Assert.Equal(0ul, f.PhysicalPage(0, false));
        // A mapping of a hole gets a fresh zeroed page.
        ulong page = f.PhysicalPage(7, true);
        Assert.NotEqual(0ul, page);
        Assert.Equal(2ul, f.DataPages);
        Assert.All(new ReadOnlySpan<byte>((void*)page, 4096).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(page, f.PhysicalPage(7, false));
    }

    [Fact]
    public void FarOffsetsGrowTheIndexTree()
    {
        var f = (TmpFile)_t.WriteFile("far", "a");
        ulong far = 1UL << 40; // page 2^28: four table levels
        Assert.Equal(1, f.Write(far, "z"u8));
        Assert.Equal(2ul, f.DataPages);
        // Tables: the first file page's table, three new levels above it, three below them for the far page.
        Assert.Equal(2ul + 7, _t.Fs.PagesInUse);
        var one = new byte[1];
        Assert.Equal(1, f.Read(far, one));
        Assert.Equal((byte)'z', one[0]);
        Assert.Equal(1, f.Read(0, one));
        Assert.Equal((byte)'a', one[0]);
        Assert.Equal(0, f.Truncate(1));
        Assert.Equal(1ul, f.DataPages);
        Assert.Equal(1ul + 4, _t.Fs.PagesInUse); // the tree stays four levels high
        Assert.Equal(-Errno.EFBIG, f.Write(TmpFile.MaxSize, "x"u8));
        Assert.Equal(-Errno.EFBIG, f.Truncate(TmpFile.MaxSize + 1));
        Assert.Equal(0, f.Truncate(0));
        Assert.Equal(0ul, _t.Fs.PagesInUse);
    }

    [Fact]
    public void TruncateFreesPagesAndZeroesTheTail()
    {
        ulong free0 = _t.Memory.Allocator.FreePageCount;
        var f = (TmpFile)_t.WriteFile("t", "");
        byte[] data = Pattern(5 * 4096, 3);
        f.Write(0, data);
        Assert.Equal(0, f.Truncate(4097));
        Assert.Equal(2ul, f.DataPages);
        Assert.Equal(free0 - 3, _t.Memory.Allocator.FreePageCount);
        Assert.Equal(0, f.Truncate(3 * 4096));
        var back = new byte[3 * 4096];
        Assert.Equal(back.Length, f.Read(0, back));
        Assert.Equal(data[..4097], back[..4097]);
        Assert.All(back[4097..], b => Assert.Equal(0, b));
        // Bytes a mapping wrote past the end do not come back when the file grows.
        Assert.Equal(0, f.Truncate(10));
        ulong phys = f.PhysicalPage(0, false);
        ((byte*)phys)[100] = 0x55;
        Assert.Equal(2, f.Write(200, "hi"u8));
        var b2 = new byte[202];
        Assert.Equal(202, f.Read(0, b2));
        Assert.Equal(0, b2[100]);
        Assert.Equal(0, f.Truncate(0));
        Assert.Equal(free0, _t.Memory.Allocator.FreePageCount);
    }

    [Fact]
    public void UnlinkedOpenFileLivesUntilReleased()
    {
        ulong free0 = _t.Memory.Allocator.FreePageCount;
        ulong live0 = _t.Fs.LiveInodes;
        Inode f = _t.WriteFile("f", new string('x', 10000));
        f.Acquire(); // an open file
        Assert.Equal(0, _t.Unlink("f"));
        Assert.Equal(0u, f.Nlink);
        Assert.Equal(live0 + 1, _t.Fs.LiveInodes);
        Assert.Equal(new string('x', 10000), ReadAll(f));
        Assert.Equal(5, f.Write(10000, "more!"u8));
        long freedBefore = Owned.FreedOnThisThread;
        f.Release();
        Assert.Equal(live0, _t.Fs.LiveInodes);
        Assert.Equal(free0, _t.Memory.Allocator.FreePageCount);
        Assert.True(Owned.FreedOnThisThread > freedBefore);
        // Removing the last name of an unheld file frees it at once.
        _t.WriteFile("g", "data");
        Assert.Equal(0, _t.Unlink("g"));
        Assert.Equal(live0, _t.Fs.LiveInodes);
        Assert.Equal(free0, _t.Memory.Allocator.FreePageCount);
    }

    [Fact]
    public void RemovedDirectoryHeldAsCwdKeepsItsParent()
    {
        _t.Mkdir("a");
        _t.Mkdir("a/b");
        Inode b = _t.Get("a/b");
        b.Acquire();
        Assert.Equal(0, _t.Rmdir("a/b"));
        Assert.Equal(0, _t.Rmdir("a")); // a is empty now
        Assert.Equal(0u, b.Nlink);
        // The removed cwd: lookups fail, creation fails, ".." still leads somewhere valid.
        Assert.Equal(-Errno.ENOENT, Vfs.Mkdir(_t.Root, b, B("x"), 0x1ED, 0, 0, out _));
        Assert.Equal(-Errno.ENOENT, Vfs.Create(_t.Root, b, B("x"), 0x1A4, 0, 0, 0, out _, out _));
        DirEntry e = default;
        Assert.Equal(-Errno.ENOENT, Vfs.ReadDir(b, 0, ref e));
        Assert.Equal(-Errno.ENOENT, Vfs.PathOf(_t.Root, b, new byte[100]));
        Assert.Equal(0, Vfs.Resolve(_t.Root, b, B(".."), 0, out Inode? parent));
        Assert.Equal(0u, parent!.Nlink);
        Assert.Equal(3ul, _t.Fs.LiveInodes); // root, the removed a (held by b) and b
        b.Release();
        Assert.Equal(1ul, _t.Fs.LiveInodes);
    }

    [Fact]
    public void OutOfMemoryIsEnospcAfterAPartialWrite()
    {
        using var small = new TestFs(pages: 8);
        Inode f = small.WriteFile("f", "");
        byte[] big = new byte[64 * 1024];
        long n = f.Write(0, big);
        Assert.Equal(7 * 4096, n); // 8 pages: one index table, seven data pages
        Assert.Equal(-Errno.ENOSPC, f.Write((ulong)n, big));
        Assert.Equal(0ul, f.PhysicalPage(100, true));
        Assert.Equal(0, f.Truncate(0));
        Assert.Equal(8ul, small.Memory.Allocator.FreePageCount);
    }
}
