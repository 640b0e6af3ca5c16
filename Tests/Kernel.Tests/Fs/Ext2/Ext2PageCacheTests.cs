using Kernel.Logic.Fs;
using Kernel.Logic.Fs.Ext2;

namespace Kernel.Tests.Fs.Ext2;

/// <summary>
/// The ext2/ext4 page cache: <see cref="Inode.PhysicalPage"/> hands out pages holding a file's bytes
/// (what exec and mmap map), kept equal to the file by writes and truncation, and freed with the inode.
/// </summary>
public sealed unsafe class Ext2PageCacheTests : IDisposable
{
    private const int Page = 4096;
    private readonly HostMemory _memory = new(2048);
    private readonly Ext2Image _img = new();

    public void Dispose()
    {
        _memory.Dispose();
        _img.Dispose();
    }

    private static byte[] Pattern(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    // 300_001 bytes: 74 pages, the last one partial.
    private static readonly byte[] Big = Pattern(300_001, 3);

    private FileSystem Mount(string options, bool readOnly = false, int sizeKiB = 8192)
    {
        Directory.CreateDirectory(Path.Combine(_img.Source, "bin"));
        File.WriteAllBytes(Path.Combine(_img.Source, "bin/prog"), Big);
        File.WriteAllText(Path.Combine(_img.Source, "small"), "tiny file");
        // A sparse file: data, a 40 KiB hole, data (mke2fs -d keeps holes).
        using (var f = new FileStream(Path.Combine(_img.Source, "sparse"), FileMode.Create))
        {
            f.Write(Pattern(5000, 4));
            f.Seek(45_000, SeekOrigin.Begin);
            f.Write(Pattern(3000, 5));
        }
        _img.Make(options, sizeKiB);
        FileSystem fs = _img.MountOk(readOnly);
        fs.SetPageMemory(_memory.Allocator, 0);
        return fs;
    }

    private static byte[] PageBytes(ulong phys)
    {
        Assert.NotEqual(0UL, phys);
        return new ReadOnlySpan<byte>((byte*)phys, Page).ToArray();
    }

    // What page `index` of a file with `content` must hold: its bytes, zeros after the end.
    private static byte[] Expected(byte[] content, int index)
    {
        var b = new byte[Page];
        int from = index * Page;
        if (from < content.Length)
            content.AsSpan(from, Math.Min(Page, content.Length - from)).CopyTo(b);
        return b;
    }

    /// <summary>Unmounts: every cached page is freed, the file at <paramref name="path"/> holds <paramref name="content"/> on disk, e2fsck finds nothing.</summary>
    private void AssertOnDiskAfterUnmount(FileSystem fs, string path, byte[] content)
    {
        _img.Unmount();
        Assert.Equal(0UL, fs.PagesInUse);
        Assert.Equal(content, _img.DebugfsCat(path));
        _img.AssertClean();
    }

    private void AssertPagesEqual(Inode node, byte[] content)
    {
        int pages = (content.Length + Page - 1) / Page;
        for (int i = 0; i < pages; i++)
            Assert.Equal(Expected(content, i), PageBytes(node.PhysicalPage((ulong)i, false)));
        Assert.Equal(0UL, node.PhysicalPage((ulong)pages, true));
    }

    [Theory]
    [InlineData("-t ext2 -b 1024", false)]
    [InlineData("-t ext2 -b 4096", false)]
    [InlineData("-t ext4 -b 4096", true)]
    [InlineData("-t ext4 -b 1024", true)]
    public void PagesHoldTheFileBytesAndAreFreedAtUnmount(string options, bool readOnly)
    {
        FileSystem fs = Mount(options, readOnly);
        Inode prog = _img.Get("/bin/prog");
        AssertPagesEqual(prog, Big);
        Assert.Equal(74UL, fs.PagesInUse);
        // The same page again, not a new copy.
        Assert.Equal(prog.PhysicalPage(5, false), prog.PhysicalPage(5, true));
        Assert.Equal(74UL, fs.PagesInUse);
        AssertPagesEqual(_img.Get("/small"), "tiny file"u8.ToArray());
        Assert.Equal(75UL, fs.PagesInUse);
        Assert.Equal(0UL, _img.Get("/bin").PhysicalPage(0, true)); // directories have no pages
        ulong free = _memory.Allocator.FreePageCount;
        Assert.Equal(0, _img.Ext.Unmount());
        Assert.Equal(0UL, fs.PagesInUse);
        Assert.Equal(free + 75, _memory.Allocator.FreePageCount);
    }

    [Theory]
    [InlineData("-t ext2 -b 1024", false)]
    [InlineData("-t ext4 -b 4096", true)]
    public void HolesReadAsZerosAndTakeNoDiskBlocks(string options, bool readOnly)
    {
        Mount(options, readOnly);
        var content = new byte[48_000];
        Pattern(5000, 4).CopyTo(content, 0);
        Pattern(3000, 5).CopyTo(content, 45_000);
        Inode sparse = _img.Get("/sparse");
        Assert.True(sparse.Blocks < 48_000 / 512, "mke2fs kept the hole");
        Assert.Equal(0, _img.Ext.StatFs(out StatFsInfo before));
        ulong blocks = sparse.Blocks;
        AssertPagesEqual(sparse, content);
        Assert.Equal(0, _img.Ext.StatFs(out StatFsInfo after));
        Assert.Equal(before.BlocksFree, after.BlocksFree);
        Assert.Equal(blocks, sparse.Blocks);
    }

    [Fact]
    public void WithoutPageMemoryThereAreNoPages()
    {
        Directory.CreateDirectory(_img.Source);
        File.WriteAllText(Path.Combine(_img.Source, "f"), "data");
        _img.Make("-t ext2", 4096);
        _img.MountOk();
        Assert.Equal(0UL, _img.Get("/f").PhysicalPage(0, true));
        Assert.Equal(0, _img.Ext.Unmount());
    }

    [Fact]
    public void AWriteAfterThePageIsCachedShowsInThePageAndOnDisk()
    {
        FileSystem fs = Mount("-t ext2 -b 1024");
        Inode prog = _img.Get("/bin/prog");
        ulong p1 = prog.PhysicalPage(1, false);
        ulong p2 = prog.PhysicalPage(2, false);
        // Straddles pages 1 and 2 and several 1 KiB blocks.
        byte[] data = Pattern(3000, 9);
        Assert.Equal(3000, prog.Write(7000, data));
        byte[] content = (byte[])Big.Clone();
        data.CopyTo(content, 7000);
        Assert.Equal(Expected(content, 1), PageBytes(p1));
        Assert.Equal(Expected(content, 2), PageBytes(p2));
        Assert.Equal(content, _img.ReadAll(prog));
        AssertPagesEqual(prog, content);
        AssertOnDiskAfterUnmount(fs, "/bin/prog", content);
    }

    [Fact]
    public void APageCachedAfterAWriteHoldsTheWrittenBytes()
    {
        Mount("-t ext2 -b 4096");
        byte[] data = Pattern(10_000, 11);
        Inode node = _img.Write("/new", data);
        AssertPagesEqual(node, data);
        Assert.Equal(5, node.Write(9998, "HELLO"u8.ToArray()));
        byte[] content = new byte[10_003];
        data.CopyTo(content, 0);
        "HELLO"u8.ToArray().CopyTo(content, 9998);
        AssertPagesEqual(node, content);
    }

    [Fact]
    public void GrowingTheFileClearsWhatAMappingStoredPastTheEnd()
    {
        Mount("-t ext2 -b 1024");
        Inode small = _img.Get("/small");
        byte* page = (byte*)small.PhysicalPage(0, true);
        // A MAP_SHARED store past the end of file (not written back).
        new Span<byte>(page + 100, 50).Fill(0xAA);
        Assert.Equal(1, small.Write(200, "!"u8.ToArray()));
        byte[] content = new byte[201];
        "tiny file"u8.ToArray().CopyTo(content, 0);
        content[200] = (byte)'!';
        Assert.Equal(content, _img.ReadAll(small));
        Assert.Equal(Expected(content, 0), PageBytes((ulong)page));
        // Truncate upwards does the same.
        new Span<byte>(page + 300, 50).Fill(0xBB);
        Assert.Equal(0, small.Truncate(1000));
        Array.Resize(ref content, 1000);
        Assert.Equal(Expected(content, 0), PageBytes((ulong)page));
        Assert.Equal(content, _img.ReadAll(small));
    }

    [Fact]
    public void StoresIntoAWritablyMappedPageAreReadAtOnceAndOnDiskAfterSync()
    {
        FileSystem fs = Mount("-t ext2 -b 1024");
        Inode prog = _img.Get("/bin/prog");
        byte* p73 = (byte*)prog.PhysicalPage(73, false);
        byte* p1 = (byte*)prog.PhysicalPage(1, false);
        prog.PageMappedWritable(1);
        prog.PageMappedWritable(73);
        byte[] content = (byte[])Big.Clone();
        // Page 1 across several 1 KiB blocks; the last page (993 bytes of the file): its first byte, and a store past the end.
        byte[] data = Pattern(2500, 21);
        data.CopyTo(new Span<byte>(p1 + 1000, data.Length));
        data.CopyTo(content, Page + 1000);
        p73[0] = 0x5A;
        content[73 * Page] = 0x5A;
        p73[993] = 0x77;
        Assert.Equal(content, _img.ReadAll(prog));
        Assert.Equal(0, _img.Ext.Sync());
        AssertOnDiskAfterUnmount(fs, "/bin/prog", content);
    }

    [Fact]
    public void AMappedStoreIntoAHoleTakesABlockAtWriteBack()
    {
        Mount("-t ext2 -b 4096");
        Inode sparse = _img.Get("/sparse");
        ulong blocks = sparse.Blocks;
        byte* hole = (byte*)sparse.PhysicalPage(5, false);
        byte* zeros = (byte*)sparse.PhysicalPage(6, false);
        sparse.PageMappedWritable(5);
        sparse.PageMappedWritable(6);
        hole[123] = 0xC3;
        Assert.Equal(0, _img.Ext.FsyncInode(sparse));
        // One block for the stored byte; the page left all zeros stays a hole.
        Assert.Equal(blocks + 8, sparse.Blocks);
        Assert.Equal(0, zeros[0]);
        _img.Unmount();
        byte[] onDisk = _img.DebugfsCat("/sparse");
        Assert.Equal(48_000, onDisk.Length);
        Assert.Equal(0xC3, onDisk[5 * Page + 123]);
        Assert.Equal(Pattern(3000, 5), onDisk.AsSpan(45_000).ToArray());
        _img.AssertClean();
    }

    [Fact]
    public void PagesGivenUpAtTheLimitAreWrittenBackFirst()
    {
        FileSystem fs = Mount("-t ext2 -b 4096");
        fs.PageLimit = 2;
        Inode prog = _img.Get("/bin/prog");
        byte* p0 = (byte*)prog.PhysicalPage(0, false);
        prog.PageMappedWritable(0);
        "mapped"u8.CopyTo(new Span<byte>(p0, 6));
        Assert.NotEqual(0UL, prog.PhysicalPage(1, false));
        // prog is held by nobody (unmapped now): its pages make room for small's, after their write-back.
        AssertPagesEqual(_img.Get("/small"), "tiny file"u8.ToArray());
        Assert.Equal(0, ((Ext2Inode)prog).CachedPages);
        byte[] content = (byte[])Big.Clone();
        "mapped"u8.ToArray().CopyTo(content, 0);
        Assert.Equal(content, _img.ReadAll(prog));
        _img.Unmount();
        Assert.Equal(content, _img.DebugfsCat("/bin/prog"));
    }

    [Fact]
    public void TruncateDropsPagesPastTheEndAndZeroesTheTail()
    {
        FileSystem fs = Mount("-t ext2 -b 1024");
        Inode prog = _img.Get("/bin/prog");
        AssertPagesEqual(prog, Big);
        Assert.Equal(74UL, fs.PagesInUse);
        ulong p2 = prog.PhysicalPage(2, false);
        Assert.Equal(0, prog.Truncate(2 * Page + 100));
        Assert.Equal(3UL, fs.PagesInUse);
        Assert.Equal(p2, prog.PhysicalPage(2, false));
        byte[] content = Big.AsSpan(0, 2 * Page + 100).ToArray();
        Assert.Equal(Expected(content, 2), PageBytes(p2));
        Assert.Equal(0UL, prog.PhysicalPage(3, true));
        // Growing again: the cut-off bytes read as zeros in the page and in the file.
        Assert.Equal(0, prog.Truncate(5 * Page));
        Array.Resize(ref content, 5 * Page);
        Assert.Equal(content, _img.ReadAll(prog));
        AssertPagesEqual(prog, content);
        Assert.Equal(0, prog.Truncate(0));
        Assert.Equal(0UL, fs.PagesInUse);
        _img.Unmount();
        _img.AssertClean();
    }

    [Fact]
    public void UnlinkingFreesThePagesWhenTheLastHolderGoes()
    {
        FileSystem fs = Mount("-t ext2 -b 4096");
        Inode prog = _img.Get("/bin/prog");
        AssertPagesEqual(prog, Big);
        Inode small = _img.Get("/small");
        AssertPagesEqual(small, "tiny file"u8.ToArray());
        Assert.Equal(75UL, fs.PagesInUse);
        Assert.Equal(0, Vfs.Unlink(_img.Root, _img.Root, Ext2Image.B("/small")));
        Assert.Equal(74UL, fs.PagesInUse);
        // An open (or mapped) file keeps its pages until released.
        prog.Acquire();
        Assert.Equal(0, Vfs.Unlink(_img.Root, _img.Root, Ext2Image.B("/bin/prog")));
        Assert.Equal(74UL, fs.PagesInUse);
        AssertPagesEqual(prog, Big);
        prog.Release();
        Assert.Equal(0UL, fs.PagesInUse);
        _img.Unmount();
        _img.AssertClean();
    }

    [Fact]
    public void TrimEvictsUnheldInodesWithTheirPages()
    {
        FileSystem fs = Mount("-t ext2 -b 1024");
        Inode prog = _img.Get("/bin/prog");
        Inode small = _img.Get("/small");
        AssertPagesEqual(prog, Big);
        AssertPagesEqual(small, "tiny file"u8.ToArray());
        small.Acquire();
        _img.Ext.InodeBound = 0;
        _img.Ext.Trim();
        Assert.Equal(1UL, fs.PagesInUse); // the held file keeps its page
        AssertPagesEqual(small, "tiny file"u8.ToArray());
        small.Release();
        _img.Ext.Trim();
        Assert.Equal(0UL, fs.PagesInUse);
        // Loaded again, the file is read again.
        AssertPagesEqual(_img.Get("/bin/prog"), Big);
        _img.Unmount();
        Assert.Equal(0UL, fs.PagesInUse);
    }

    [Fact]
    public void AtTheLimitUnheldFilesGiveUpTheirPagesAndHeldOnesNever()
    {
        FileSystem fs = Mount("-t ext2 -b 4096");
        fs.PageLimit = 4;
        Inode prog = _img.Get("/bin/prog");
        for (ulong i = 0; i < 4; i++)
            Assert.NotEqual(0UL, prog.PhysicalPage(i, false));
        Assert.Equal(4UL, fs.PagesInUse);
        // prog is held by nobody: its pages make room for the held file.
        Inode small = _img.Get("/small");
        small.Acquire();
        AssertPagesEqual(small, "tiny file"u8.ToArray());
        Assert.True(fs.PagesInUse <= 4);
        Assert.Equal(0, ((Ext2Inode)prog).CachedPages);
        // Now prog is held and owns 3 pages; the limit is reached: small (held) keeps its page,
        // prog cannot take a fourth from it.
        prog.Acquire();
        for (ulong i = 0; i < 3; i++)
            Assert.Equal(Expected(Big, (int)i), PageBytes(prog.PhysicalPage(i, false)));
        Assert.Equal(4UL, fs.PagesInUse);
        Assert.Equal(0UL, prog.PhysicalPage(3, false));
        AssertPagesEqual(small, "tiny file"u8.ToArray());
        // The requester's own pages are not sacrificed either, held or not.
        prog.Release();
        Assert.Equal(0UL, prog.PhysicalPage(3, false));
        Assert.Equal(3, ((Ext2Inode)prog).CachedPages);
        small.Release();
        Assert.Equal(Expected(Big, 3), PageBytes(prog.PhysicalPage(3, false)));
        Assert.Equal(4UL, fs.PagesInUse);
        Assert.Equal(0, ((Ext2Inode)small).CachedPages);
        _img.Unmount();
        Assert.Equal(0UL, fs.PagesInUse);
    }
}
