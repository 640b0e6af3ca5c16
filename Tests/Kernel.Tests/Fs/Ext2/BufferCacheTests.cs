using Kernel.Logic;
using Kernel.Logic.Block;

namespace Kernel.Tests.Fs.Ext2;

public sealed class BufferCacheTests
{
    [Fact]
    public void DirtyBlocksReachTheDiskOnEvictionAndSync()
    {
        var disk = new MemoryDisk(new byte[1024 * 100]);
        var cache = new BufferCache(disk, 1024, 16);
        for (ulong b = 0; b < 40; b++)
        {
            Assert.Equal(0, cache.GetZeroed(b, out int h));
            cache.Data(h)[0] = (byte)(b + 1);
            cache.MarkDirty(h);
            cache.Put(h);
        }
        Assert.True(cache.Cached <= 16);
        Assert.Equal(0, cache.Pinned);
        Assert.True(disk.Bytes[0] == 1, "evicted dirty block written back");
        Assert.Equal(0, cache.SyncAll());
        Assert.Equal(0, cache.DirtyBlocks);
        Assert.True(disk.Flushes >= 1);
        for (ulong b = 0; b < 40; b++)
            Assert.Equal((byte)(b + 1), disk.Bytes[b * 1024]);
        // A hit reads nothing from the disk.
        Assert.Equal(0, cache.Get(39, out int hit));
        int reads = disk.Reads;
        cache.Put(hit);
        Assert.Equal(0, cache.Get(39, out hit));
        Assert.Equal(reads, disk.Reads);
        cache.Put(hit);
        Assert.Equal(-Errno.EIO, cache.Get(100, out _));
    }

    [Fact]
    public void FsyncOfOneOwnerLeavesOtherFilesDirty()
    {
        var disk = new MemoryDisk(new byte[4096 * 16]);
        var cache = new BufferCache(disk, 4096, 8);
        Assert.Equal(0, cache.GetZeroed(1, out int a, 7));
        Assert.Equal(0, cache.GetZeroed(2, out int b, 9));
        Assert.Equal(0, cache.GetZeroed(3, out int m, 0));
        cache.Put(a);
        cache.Put(b);
        cache.Put(m);
        Assert.Equal(0, cache.SyncOwner(7));
        Assert.Equal(1, cache.DirtyBlocks); // file 9's block
    }

    [Fact]
    public void PinnedBlocksAreNeverEvictedAndAFullyPinnedCacheSaysNoMemory()
    {
        var disk = new MemoryDisk(new byte[1024 * 64]);
        var cache = new BufferCache(disk, 1024, 8);
        var handles = new int[8];
        for (int i = 0; i < 8; i++)
            Assert.Equal(0, cache.Get((ulong)i, out handles[i]));
        Assert.Equal(-Errno.ENOMEM, cache.Get(20, out _));
        cache.Put(handles[3]);
        Assert.Equal(0, cache.Get(20, out int h));
        cache.Put(h);
        for (int i = 0; i < 8; i++)
            if (i != 3)
                cache.Put(handles[i]);
        Assert.Equal(0, cache.Pinned);
    }

    [Fact]
    public void WriteErrorsAreReportedNotLost()
    {
        var disk = new MemoryDisk(new byte[1024 * 64]);
        var cache = new BufferCache(disk, 1024, 8);
        Assert.Equal(0, cache.GetZeroed(5, out int h));
        cache.Put(h);
        disk.FailWrites = true;
        Assert.Equal(-Errno.EIO, cache.SyncAll());
        Assert.Equal(1, cache.DirtyBlocks);
        disk.FailWrites = false;
        Assert.Equal(0, cache.SyncAll());
        Assert.Equal(0, cache.DirtyBlocks);
    }

    [Fact]
    public void SequentialMissesAreReadAheadInFewRequestsAndRandomOnesAreNot()
    {
        var bytes = new byte[1024 * 256];
        for (int b = 0; b < 256; b++)
            bytes[b * 1024] = (byte)b;
        var disk = new MemoryDisk(bytes);
        var cache = new BufferCache(disk, 1024, 64);
        for (ulong b = 0; b < 64; b++)
        {
            Assert.Equal(0, cache.Get(b, out int h));
            Assert.Equal((byte)b, cache.Data(h)[0]);
            cache.Put(h);
        }
        Assert.True(disk.Reads <= 8, $"64 sequential blocks took {disk.Reads} requests");
        Assert.True(cache.ReadAheadBlocks > 0);

        // Scattered blocks: one request each, nothing read that was not asked for.
        var scattered = new MemoryDisk(bytes);
        var other = new BufferCache(scattered, 1024, 64);
        foreach (ulong b in new ulong[] { 100, 7, 200, 31, 150, 90 })
        {
            Assert.Equal(0, other.Get(b, out int h));
            Assert.Equal((byte)b, other.Data(h)[0]);
            other.Put(h);
        }
        Assert.Equal(6, scattered.Reads);
        Assert.Equal(0UL, other.ReadAheadBlocks);
    }

    [Fact]
    public void ReadAheadStopsAtANewerCachedBlock()
    {
        var disk = new MemoryDisk(new byte[1024 * 64]);
        var cache = new BufferCache(disk, 1024, 32);
        Assert.Equal(0, cache.GetZeroed(5, out int dirty));
        cache.Data(dirty)[0] = 0xAB;
        cache.MarkDirty(dirty);
        cache.Put(dirty);
        for (ulong b = 2; b < 10; b++)
        {
            Assert.Equal(0, cache.Get(b, out int h));
            Assert.Equal(b == 5 ? 0xAB : 0, cache.Data(h)[0]);
            cache.Put(h);
        }
        Assert.Equal(0, cache.SyncAll());
        Assert.Equal(0xAB, disk.Bytes[5 * 1024]);
    }

    [Fact]
    public void AWriteLargerThanTheCacheGoesOutInRunsNotBlockByBlock()
    {
        var disk = new MemoryDisk(new byte[1024 * 512]);
        var cache = new BufferCache(disk, 1024, 32);
        for (ulong b = 0; b < 400; b++)
        {
            Assert.Equal(0, cache.GetZeroed(b, out int h));
            cache.Data(h)[0] = (byte)(b * 7 + 1);
            cache.MarkDirty(h);
            cache.Put(h);
        }
        Assert.Equal(0, cache.SyncAll());
        Assert.True(disk.Writes <= 60, $"400 blocks took {disk.Writes} write requests");
        for (ulong b = 0; b < 400; b++)
            Assert.Equal((byte)(b * 7 + 1), disk.Bytes[b * 1024]);
    }

    [Fact]
    public void EvictionNeverWritesABlockSomeoneHolds()
    {
        var bytes = new byte[1024 * 256];
        bytes[0] = 0x55;
        var disk = new MemoryDisk(bytes);
        var cache = new BufferCache(disk, 1024, 16);
        Assert.Equal(0, cache.GetZeroed(0, out int held)); // dirty, taken, not filled in yet
        for (ulong b = 1; b < 100; b++)
        {
            Assert.Equal(0, cache.GetZeroed(b, out int h));
            cache.Put(h);
        }
        Assert.Equal(0x55, disk.Bytes[0]);
        cache.Data(held)[0] = 0x66;
        cache.MarkDirty(held);
        cache.Put(held);
        Assert.Equal(0, cache.SyncAll());
        Assert.Equal(0x66, disk.Bytes[0]);
    }
}
