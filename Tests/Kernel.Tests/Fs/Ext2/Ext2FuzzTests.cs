using Kernel.Logic.Fs;

namespace Kernel.Tests.Fs.Ext2;

/// <summary>
/// 100 images derived from one populated mke2fs image with bytes flipped in the superblock, group
/// descriptors, inode table, directory and indirect blocks (fixed seeds): mounting, walking,
/// reading and changing them returns errors or succeeds, never throws or hangs.
/// </summary>
public sealed class Ext2FuzzTests
{
    private static byte[] BaseImage(out long inodeTable, out long[] dataBlocks)
    {
        using var img = new Ext2Image();
        Directory.CreateDirectory(Path.Combine(img.Source, "a/b"));
        var r = new Random(3);
        for (int i = 0; i < 30; i++)
        {
            var data = new byte[r.Next(0, 300_000)];
            r.NextBytes(data);
            File.WriteAllBytes(Path.Combine(img.Source, i % 3 == 0 ? "a" : i % 3 == 1 ? "a/b" : "", $"file{i}"), data);
        }
        File.CreateSymbolicLink(Path.Combine(img.Source, "a/link"), "../file2");
        img.Make("-t ext2 -b 1024 -N 128", 8192);
        byte[] bytes = img.Disk.Bytes;
        inodeTable = BitConverter.ToUInt32(bytes, 2048 + 8) * 1024L;
        // Blocks in use after the inode table of group 0: directories, indirect blocks and data.
        long first = inodeTable / 1024 + 16 * 128 / 1024 * 2;
        dataBlocks = Enumerable.Range(0, 400).Select(i => first + i).ToArray();
        return bytes;
    }

    [Fact]
    public void CorruptImagesNeverCrashTheDriver()
    {
        byte[] pristine = BaseImage(out long inodeTable, out long[] dataBlocks);
        int mounted = 0;
        for (int seed = 0; seed < 100; seed++)
        {
            var rnd = new Random(1000 + seed);
            byte[] bytes = (byte[])pristine.Clone();
            int flips = 1 + rnd.Next(8);
            for (int k = 0; k < flips; k++)
            {
                long at = (seed % 5) switch
                {
                    0 => 1024 + rnd.Next(0x100),                 // superblock
                    1 => 2048 + rnd.Next(64),                    // group descriptors
                    2 => inodeTable + rnd.Next(128 * 40),        // inode table: the first 40 inodes
                    _ => dataBlocks[rnd.Next(dataBlocks.Length)] * 1024 + rnd.Next(1024), // directories, indirect blocks, data
                };
                bytes[at] ^= (byte)(1 << rnd.Next(8));
            }
            if (Exercise(bytes, seed))
                mounted++;
        }
        Assert.True(mounted >= 40, $"only {mounted} of 100 corrupted images mounted: the walk is barely exercised");
    }

    private static bool Exercise(byte[] bytes, int seed)
    {
        var disk = new MemoryDisk(bytes);
        int rc = Kernel.Logic.Fs.Ext2.Ext2FileSystem.Mount(disk, false, 1, out FileSystem? fs, out string? error, 32);
        if (rc < 0)
        {
            Assert.NotNull(error);
            return false;
        }
        var ext = (Kernel.Logic.Fs.Ext2.Ext2FileSystem)fs!.Operations!;
        int budget = 5000;
        Walk(fs.Root, fs.Root, 0, ref budget);
        Inode root = fs.Root;
        if (Vfs.Create(root, root, "/fuzz-new"u8, 0x1A4, 0, 0, 0, out Inode? node, out _) == 0)
        {
            node!.Write(0, new byte[5000]);
            Vfs.Unlink(root, root, "/fuzz-new"u8);
        }
        Vfs.Mkdir(root, root, "/a/fuzzdir"u8, 0x1ED, 0, 0, out _);
        Vfs.Rename(root, root, "/file1"u8, root, "/a/b/renamed"u8, 0);
        Vfs.Unlink(root, root, "/file2"u8);
        Assert.True(ext.Buffers.Pinned == 0, $"seed {seed}: leaked pinned blocks");
        ext.Unmount();
        return true;
    }

    private static void Walk(Inode root, Inode dir, int depth, ref int budget)
    {
        if (depth > 8)
            return;
        DirEntry e = default;
        ulong cookie = 0;
        var buf = new byte[64 * 1024];
        while (budget-- > 0 && Vfs.ReadDir(dir, cookie, ref e) == 1)
        {
            cookie = e.NextCookie;
            if (cookie <= 2)
                continue;
            byte[] name;
            unsafe { name = new ReadOnlySpan<byte>(e.Name, e.NameLength).ToArray(); }
            if (dir.Lookup(name, out Inode? child) < 0)
                continue;
            if (child!.IsDirectory)
            {
                if (child != dir)
                    Walk(root, child, depth + 1, ref budget);
            }
            else if (child.IsSymlink)
                child.ReadLink(buf);
            else
                for (ulong off = 0; off < child.Size && off < (1 << 22); off += (ulong)buf.Length)
                    if (child.Read(off, buf) <= 0)
                        break;
        }
    }
}
