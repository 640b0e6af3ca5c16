using Kernel.Logic;
using Kernel.Logic.Fs;

namespace Kernel.Tests.Fs.Ext2;

/// <summary>Random operations (fixed seed) checked against an in-memory model, then e2fsck and a remount.</summary>
public sealed class Ext2ModelTests
{
    [Theory]
    [InlineData(1024, 11)]
    [InlineData(4096, 12)]
    public void RandomOperationsMatchTheModel(int blockSize, int seed)
    {
        using var img = new Ext2Image();
        img.Make($"-t ext2 -b {blockSize}", 16384);
        img.MountOk(cacheBlocks: 48);
        img.Ext.InodeBound = 8;
        Inode root = img.Root;
        var rnd = new Random(seed);
        string[] dirs = { "/", "/d1/", "/d2/", "/d1/d3/" };
        foreach (string d in dirs.Skip(1))
            Assert.Equal(0, Vfs.Mkdir(root, root, Ext2Image.B(d.TrimEnd('/')), 0x1ED, 0, 0, out _));
        var model = new Dictionary<string, byte[]>();
        string RandomPath() => dirs[rnd.Next(dirs.Length)] + "n" + rnd.Next(40);
        for (int step = 0; step < 1500; step++)
        {
            string p = RandomPath();
            switch (rnd.Next(6))
            {
                case 0:
                case 1:
                    {
                        int off = rnd.Next(3) == 0 ? rnd.Next(200_000) : rnd.Next(5000);
                        var data = new byte[rnd.Next(1, 9000)];
                        rnd.NextBytes(data);
                        Assert.Equal(0, Vfs.Create(root, root, Ext2Image.B(p), 0x1A4, 0, 0, 0, out Inode? node, out _));
                        Assert.Equal(data.Length, node!.Write((ulong)off, data));
                        byte[] old = model.TryGetValue(p, out byte[]? o) ? o : Array.Empty<byte>();
                        var now = new byte[Math.Max(old.Length, off + data.Length)];
                        old.CopyTo(now, 0);
                        data.CopyTo(now, off);
                        model[p] = now;
                        break;
                    }
                case 2:
                    Assert.Equal(model.Remove(p) ? 0 : -Errno.ENOENT, Vfs.Unlink(root, root, Ext2Image.B(p)));
                    break;
                case 3:
                    {
                        string q = RandomPath();
                        int rc = Vfs.Rename(root, root, Ext2Image.B(p), root, Ext2Image.B(q), 0);
                        if (model.TryGetValue(p, out byte[]? v))
                        {
                            Assert.Equal(0, rc);
                            model.Remove(p);
                            model[q] = v;
                        }
                        else
                            Assert.Equal(-Errno.ENOENT, rc);
                        break;
                    }
                case 4:
                    if (model.TryGetValue(p, out byte[]? t))
                    {
                        int size = rnd.Next(t.Length + 3000);
                        Assert.Equal(0, img.Get(p).Truncate((ulong)size));
                        var now = new byte[size];
                        Array.Copy(t, now, Math.Min(size, t.Length));
                        model[p] = now;
                    }
                    break;
                default:
                    if (model.TryGetValue(p, out byte[]? want))
                        Assert.Equal(want, img.ReadAll(img.Get(p)));
                    else
                        Assert.Equal(-Errno.ENOENT, img.Resolve(p, out _));
                    break;
            }
            if (step % 100 == 0)
            {
                Assert.Equal(0, img.Ext.Sync());
                Assert.Equal(0, img.Ext.Buffers.Pinned);
            }
        }
        img.Unmount();
        img.AssertClean();
        img.MountOk(readOnly: true);
        foreach (var (path, data) in model)
            Assert.Equal(data, img.ReadAll(img.Get(path)));
    }
}
