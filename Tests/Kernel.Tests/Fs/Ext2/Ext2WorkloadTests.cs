using Kernel.Logic;
using Kernel.Logic.Fs;

namespace Kernel.Tests.Fs.Ext2;

/// <summary>Larger workloads on ext2, then e2fsck and debugfs on the result.</summary>
public sealed class Ext2WorkloadTests
{
    [Fact]
    public void ThousandsOfFilesCreatedRenamedAndRemoved()
    {
        using var img = new Ext2Image();
        img.Make("-t ext2 -b 1024 -N 4096", 16384);
        img.MountOk(cacheBlocks: 64);
        Inode root = img.Root;
        Assert.Equal(0, Vfs.Mkdir(root, root, Ext2Image.B("/a"), 0x1ED, 0, 0, out _));
        Assert.Equal(0, Vfs.Mkdir(root, root, Ext2Image.B("/b"), 0x1ED, 0, 0, out _));
        for (int i = 0; i < 3000; i++)
            img.Write($"/a/f{i}", Ext2Image.B($"content {i}"));
        img.Ext.Sync();
        img.Ext.Trim();
        Assert.True(img.Ext.CachedInodes <= img.Ext.InodeBound + 4);
        for (int i = 0; i < 3000; i += 2)
            Assert.Equal(0, Vfs.Rename(root, root, Ext2Image.B($"/a/f{i}"), root, Ext2Image.B($"/b/g{i}"), 0));
        for (int i = 0; i < 3000; i += 3)
            Assert.Equal(0, Vfs.Unlink(root, root, Ext2Image.B(i % 2 == 0 ? $"/b/g{i}" : $"/a/f{i}")));
        Assert.Equal(Ext2Image.B("content 1001"), img.ReadAll(img.Get("/a/f1001")));
        Assert.Equal(Ext2Image.B("content 1000"), img.ReadAll(img.Get("/b/g1000")));
        Assert.Equal(0, img.Ext.Buffers.Pinned);
        img.Unmount();
        img.AssertClean();
        Assert.Equal(Ext2Image.B("content 2998"), img.DebugfsCat("/b/g2998"));
        Assert.Equal(Ext2Image.B("content 2999"), img.DebugfsCat("/a/f2999"));
    }

    [Fact]
    public void SparseFileThroughTripleIndirectBlocksOnOneKiBBlocks()
    {
        using var img = new Ext2Image();
        img.Make("-t ext2 -b 1024", 8192);
        img.MountOk();
        // 12 + 256 + 65536 blocks map through the double indirect block: 2 GiB is far into the triple.
        ulong far = 2UL << 30;
        Inode f = img.Write("/sparse", Ext2Image.B("head"));
        Assert.Equal(5, f.Write(far, Ext2Image.B("tail!")));
        Assert.Equal(5, f.Write(70_000 * 1024UL, Ext2Image.B("dbl!!")));
        Assert.Equal(far + 5, f.Size);
        var buf = new byte[8];
        Assert.Equal(8, f.Read(far - 3, buf));
        Assert.Equal(new byte[] { 0, 0, 0, (byte)'t', (byte)'a', (byte)'i', (byte)'l', (byte)'!' }, buf);
        Assert.True(f.Blocks < 64, $"a sparse file holds few blocks ({f.Blocks})");
        Assert.Equal(0, img.Ext.StatFs(out StatFsInfo before));
        img.Ext.Sync();
        img.AssertClean();
        Assert.Equal(0, f.Truncate(1000));
        Assert.Equal(0, img.Ext.StatFs(out StatFsInfo after));
        Assert.True(after.BlocksFree > before.BlocksFree);
        Assert.Equal(2UL, f.Blocks); // one 1 KiB block
        img.Unmount();
        img.AssertClean();
        Assert.Equal(1000, img.DebugfsCat("/sparse").Length);
    }

    [Fact]
    public void UnlinkedOpenFileLivesUntilLastRelease()
    {
        using var img = new Ext2Image();
        img.Make("-t ext2 -b 4096", 8192);
        img.MountOk();
        Inode root = img.Root;
        Inode f = img.Write("/victim", new byte[100_000]);
        f.Acquire();
        Assert.Equal(0, img.Ext.StatFs(out StatFsInfo open));
        Assert.Equal(0, Vfs.Unlink(root, root, Ext2Image.B("/victim")));
        Assert.Equal(-Errno.ENOENT, img.Resolve("/victim", out _));
        Assert.Equal(5, f.Write(0, Ext2Image.B("still")));
        Assert.Equal(0, img.Ext.StatFs(out StatFsInfo unlinked));
        Assert.Equal(open.FilesFree, unlinked.FilesFree);
        f.Release();
        Assert.Equal(0, img.Ext.StatFs(out StatFsInfo freed));
        Assert.Equal(open.FilesFree + 1, freed.FilesFree);
        Assert.True(freed.BlocksFree >= open.BlocksFree + 24);
        img.Unmount();
        img.AssertClean();
    }

    [Fact]
    public void MountMarksTheDiskNotCleanAndUnmountCleanAgain()
    {
        using var img = new Ext2Image();
        img.Make("-t ext2", 4096);
        ushort mounts = BitConverter.ToUInt16(img.Disk.Bytes, 1024 + 0x34);
        img.MountOk();
        Assert.Equal(0, BitConverter.ToUInt16(img.Disk.Bytes, 1024 + 0x3A) & 1);
        img.Unmount();
        Assert.Equal(1, BitConverter.ToUInt16(img.Disk.Bytes, 1024 + 0x3A) & 1);
        Assert.Equal(mounts + 1, BitConverter.ToUInt16(img.Disk.Bytes, 1024 + 0x34));
    }

    [Fact]
    public void RevisionZeroImagesWork()
    {
        using var img = new Ext2Image();
        img.Make("-t ext2 -r 0 -b 1024", 4096);
        img.MountOk();
        Inode root = img.Root;
        Assert.Equal(0, Vfs.Mkdir(root, root, Ext2Image.B("/d"), 0x1ED, 0, 0, out _));
        img.Write("/d/f", Ext2Image.B("rev0"));
        img.Unmount();
        img.AssertClean();
        Assert.Equal(Ext2Image.B("rev0"), img.DebugfsCat("/d/f"));
    }
}
