using System;

namespace Kernel.Logic.Block
{
    /// <summary>
    /// A write-back cache of file-system blocks over an <see cref="IBlockDevice"/>, keyed by block
    /// number. Callers take a block with <see cref="Get"/> (read from the disk on a miss) or
    /// <see cref="GetZeroed"/> (a new block: no read), use <see cref="Data"/>, call
    /// <see cref="MarkDirty"/> after changing it and give it back with <see cref="Put"/>. A taken
    /// (pinned) block is never evicted; the data span stays valid until its <see cref="Put"/>.
    ///
    /// Memory: at most <see cref="Capacity"/> blocks, kept in slabs of <see cref="SlabBlocks"/>
    /// blocks allocated as the cache grows (one array per slab: the kernel heap serves arrays above
    /// 2 KiB as whole page runs, so one 4 KiB block per array would take two pages). When the cache
    /// is full a miss reuses the least recently used unpinned block (clock order), writing it back
    /// first when it is dirty.
    ///
    /// Dirty blocks carry an owner tag (the file's inode number for file data and its block map, 0
    /// for shared metadata) so fsync writes one file's blocks and the metadata, not everything.
    /// </summary>
    public sealed class BufferCache
    {
        public const int SlabBlocks = 32;
        private const int NoSlot = -1;

        private readonly IBlockDevice _dev;
        private readonly int _blockSize;
        private readonly uint _sectorsPerBlock;
        private readonly int _capacity;
        private readonly byte[]?[] _slabs;
        private readonly ulong[] _block;
        private readonly ulong[] _owner;
        private readonly int[] _pins;
        private readonly byte[] _state; // Valid | Dirty | Referenced
        private readonly int[] _next;   // hash chain
        private readonly int[] _buckets;
        private int _count;
        private int _hand;
        private int _dirty;
        // The last block a miss read from the device (read-ahead starts when the next miss follows it).
        private ulong _lastMiss = ulong.MaxValue - 1;
        // Written since the last flush: fsync and sync flush the disk only then.
        private bool _unflushed;
        // Where neighbouring dirty blocks are gathered into one write (allocated on first use).
        private byte[]? _staging;
        // Where a read-ahead run lands (not the staging buffer: installing it may write dirty blocks back).
        private byte[]? _readAhead;

        private const byte Valid = 1, Dirty = 2, Referenced = 4;

        /// <param name="blockSize">A multiple of 512 (1024, 2048, 4096 for ext2).</param>
        /// <param name="capacity">Most blocks held (at least 8).</param>
        public BufferCache(IBlockDevice dev, int blockSize, int capacity)
        {
            if (blockSize < 512 || blockSize % 512 != 0 || capacity < 8)
                Fatal.Panic("buffer cache: bad geometry");
            _dev = dev;
            _blockSize = blockSize;
            _sectorsPerBlock = (uint)(blockSize / 512);
            _capacity = capacity;
            _slabs = new byte[]?[(capacity + SlabBlocks - 1) / SlabBlocks];
            _block = new ulong[capacity];
            _owner = new ulong[capacity];
            _pins = new int[capacity];
            _state = new byte[capacity];
            _next = new int[capacity];
            int buckets = 64;
            while (buckets < capacity)
                buckets <<= 1;
            _buckets = new int[buckets];
            for (int i = 0; i < buckets; i++)
                _buckets[i] = NoSlot;
        }

        public int BlockSize => _blockSize;
        public int Capacity => _capacity;
        /// <summary>Blocks held (valid data).</summary>
        public int Cached { get; private set; }
        /// <summary>Blocks changed and not written back yet.</summary>
        public int DirtyBlocks => _dirty;
        /// <summary>Blocks taken and not given back (0 between operations, or a caller leaks).</summary>
        public int Pinned { get; private set; }
        /// <summary>Blocks read from and written to the device.</summary>
        public ulong DeviceReads { get; private set; }
        public ulong DeviceWrites { get; private set; }
        /// <summary>Blocks read ahead of a sequential stream of misses (counted in <see cref="DeviceReads"/> too).</summary>
        public ulong ReadAheadBlocks { get; private set; }
        /// <summary>Blocks in the device.</summary>
        public ulong DeviceBlocks => _dev.SectorCount / _sectorsPerBlock;

        private int Bucket(ulong block) => (int)((block * 0x9E3779B97F4A7C15UL) >> 40) & (_buckets.Length - 1);

        private int Find(ulong block)
        {
            for (int s = _buckets[Bucket(block)]; s != NoSlot; s = _next[s])
                if (_block[s] == block)
                    return s;
            return NoSlot;
        }

        private void Unhash(int slot)
        {
            int b = Bucket(_block[slot]);
            if (_buckets[b] == slot)
            {
                _buckets[b] = _next[slot];
                return;
            }
            for (int s = _buckets[b]; s != NoSlot; s = _next[s])
                if (_next[s] == slot)
                {
                    _next[s] = _next[slot];
                    return;
                }
        }

        /// <summary>The bytes of a taken block.</summary>
        public Span<byte> Data(int handle)
        {
            return new Span<byte>(_slabs[handle / SlabBlocks]!, (handle % SlabBlocks) * _blockSize, _blockSize);
        }

        /// <summary>Takes block <paramref name="block"/>, reading it on a miss; 0 or -errno (-EIO past the device's end).</summary>
        public int Get(ulong block, out int handle) => Take(block, true, out handle);

        /// <summary>Takes block <paramref name="block"/> filled with zeros (a newly allocated block: the disk's old contents do not matter). Marked dirty.</summary>
        public int GetZeroed(ulong block, out int handle, ulong owner = 0)
        {
            int rc = Take(block, false, out handle);
            if (rc < 0)
                return rc;
            Data(handle).Clear();
            MarkDirty(handle, owner);
            return 0;
        }

        private int Take(ulong block, bool read, out int handle)
        {
            handle = NoSlot;
            if (block >= DeviceBlocks)
                return -Errno.EIO;
            int s = Find(block);
            if (s == NoSlot)
            {
                int rc = FreeSlot(out s);
                if (rc < 0)
                    return rc;
                int ahead = 0;
                if (read)
                {
                    // A miss right after the block before it: a sequential stream (a file's blocks, a
                    // directory, a table) reads the next blocks too, in the same request.
                    ahead = block == _lastMiss + 1 ? ReadAheadRun(block) : 0;
                    rc = ahead > 0 ? ReadRun(block, ahead + 1) : -Errno.EIO;
                    if (rc < 0)
                    {
                        // No read-ahead, or it failed (a bad block further on must not fail this one).
                        ahead = 0;
                        rc = _dev.Read(block * _sectorsPerBlock, Data(s));
                    }
                    _lastMiss = block + (ulong)ahead;
                    if (rc < 0)
                        return rc; // the slot stays free (state 0, not hashed)
                    DeviceReads++;
                    if (ahead > 0)
                        new ReadOnlySpan<byte>(_readAhead!, 0, _blockSize).CopyTo(Data(s));
                }
                Install(s, block);
                _state[s] |= Referenced;
                if (_pins[s]++ == 0)
                    Pinned++;
                handle = s;
                // After the pin: making room for the read-ahead must not evict the block asked for.
                if (ahead > 0)
                    InstallAhead(block, ahead);
                return 0;
            }
            _state[s] |= Referenced;
            if (_pins[s]++ == 0)
                Pinned++;
            handle = s;
            return 0;
        }

        private void Install(int s, ulong block)
        {
            _block[s] = block;
            _owner[s] = 0;
            _state[s] = Valid;
            int b = Bucket(block);
            _next[s] = _buckets[b];
            _buckets[b] = s;
            Cached++;
        }

        // How many blocks after `block` to read with it: up to the request's limit, stopping at the
        // device's end and at the first block already held (it may be newer than the disk).
        private int ReadAheadRun(ulong block)
        {
            int max = MaxRunBytes / _blockSize - 1;
            if (max > _capacity / 4)
                max = _capacity / 4;
            int n = 0;
            while (n < max && block + (ulong)n + 1 < DeviceBlocks && Find(block + (ulong)n + 1) == NoSlot)
                n++;
            return n;
        }

        private int ReadRun(ulong block, int blocks)
        {
            _readAhead ??= new byte[MaxRunBytes];
            return _dev.Read(block * _sectorsPerBlock, new Span<byte>(_readAhead, 0, blocks * _blockSize));
        }

        // The read-ahead blocks (in the read-ahead buffer after `block`) into free slots, not marked
        // referenced: the clock takes them first when nobody asks for them. Best effort: with no slot
        // to spare the rest is dropped.
        private void InstallAhead(ulong block, int ahead)
        {
            for (int k = 1; k <= ahead; k++)
            {
                ulong b = block + (ulong)k;
                if (Find(b) != NoSlot || FreeSlot(out int s) < 0)
                    return;
                new ReadOnlySpan<byte>(_readAhead!, k * _blockSize, _blockSize).CopyTo(Data(s));
                Install(s, b);
                DeviceReads++;
                ReadAheadBlocks++;
            }
        }

        // A slot with no valid block in it: a new one while the cache grows, else the clock's choice.
        private int FreeSlot(out int slot)
        {
            slot = NoSlot;
            // Slots emptied by Forget or a failed read (Cached counts the valid ones below _count).
            if (Cached < _count)
                for (int i = 0; i < _count; i++)
                    if (_state[i] == 0)
                    {
                        slot = i;
                        return 0;
                    }
            if (_count < _capacity)
            {
                int s = _count;
                if (_slabs[s / SlabBlocks] == null)
                    _slabs[s / SlabBlocks] = new byte[SlabBlocks * _blockSize];
                _count++;
                slot = s;
                return 0;
            }
            // Clock: two sweeps clear the referenced bits; dirty victims are written back first.
            for (int step = 0; step < 3 * _capacity; step++)
            {
                int s = _hand;
                _hand = (_hand + 1) % _capacity;
                if (_pins[s] != 0)
                    continue;
                if ((_state[s] & Referenced) != 0)
                {
                    _state[s] &= unchecked((byte)~Referenced);
                    continue;
                }
                if ((_state[s] & Dirty) != 0)
                {
                    // Cleaning one block per eviction would make a large write one request per block:
                    // write every dirty block nobody holds, in block order and runs, as sync does.
                    int rc = WriteBackUnpinned();
                    if (rc < 0)
                        return rc;
                    if ((_state[s] & Dirty) != 0)
                    {
                        rc = WriteBack(s);
                        if (rc < 0)
                            return rc;
                    }
                }
                Unhash(s);
                _state[s] = 0;
                Cached--;
                slot = s;
                return 0;
            }
            return -Errno.ENOMEM; // every block is pinned: a caller leaks handles
        }

        /// <summary>Records that the taken block changed; <paramref name="owner"/> tags it for <see cref="SyncOwner"/> (0: metadata).</summary>
        public void MarkDirty(int handle, ulong owner = 0)
        {
            if ((_state[handle] & Dirty) == 0)
            {
                _state[handle] |= Dirty;
                _dirty++;
                _owner[handle] = owner;
            }
            else if (_owner[handle] != owner)
                _owner[handle] = 0; // shared by two owners: treat as metadata
        }

        /// <summary>Gives a taken block back.</summary>
        public void Put(int handle)
        {
            if (handle == NoSlot)
                return;
            if (_pins[handle] <= 0)
                Fatal.Panic("buffer cache: put without get");
            if (--_pins[handle] == 0)
                Pinned--;
        }

        private int WriteBack(int s)
        {
            DeviceWrites++;
            _unflushed = true;
            int rc = _dev.Write(_block[s] * _sectorsPerBlock, Data(s));
            if (rc < 0)
                return rc;
            _state[s] &= unchecked((byte)~Dirty);
            _dirty--;
            return 0;
        }

        // Every dirty block that is not taken (a taken one may be half changed), in runs; no flush.
        private int WriteBackUnpinned()
        {
            int[] order = new int[_dirty];
            int count = 0;
            for (int s = 0; s < _count && count < order.Length; s++)
                if ((_state[s] & Dirty) != 0 && _pins[s] == 0)
                    order[count++] = s;
            SortByBlock(order, count);
            int rc = WriteRuns(order, count);
            Owned.Free(order);
            return rc;
        }

        /// <summary>Writes every dirty block back (in block order), then flushes the device. Stops at the first error.</summary>
        public int SyncAll() => SyncWhere(false, 0);

        /// <summary>Writes back the dirty blocks tagged <paramref name="owner"/> and the metadata (tag 0), then flushes (fsync).</summary>
        public int SyncOwner(ulong owner) => SyncWhere(true, owner);

        private int SyncWhere(bool filter, ulong owner)
        {
            int count = 0;
            if (_dirty > 0)
            {
                int[] order = new int[_dirty];
                for (int s = 0; s < _count && count < order.Length; s++)
                {
                    if ((_state[s] & Dirty) == 0)
                        continue;
                    if (filter && _owner[s] != 0 && _owner[s] != owner)
                        continue;
                    order[count++] = s;
                }
                // Ascending block order, and neighbours written as one request: the disk sees few large
                // writes instead of one per block.
                SortByBlock(order, count);
                int rc = WriteRuns(order, count);
                Owned.Free(order);
                if (rc < 0)
                    return rc;
            }
            if (!_unflushed)
                return 0;
            int f = _dev.Flush();
            if (f == 0)
                _unflushed = false;
            return f;
        }

        // Most bytes one write-back request carries.
        private const int MaxRunBytes = 64 * 1024;

        private int WriteRuns(int[] order, int count)
        {
            int runMax = MaxRunBytes / _blockSize;
            int i = 0;
            while (i < count)
            {
                int n = 1;
                while (i + n < count && n < runMax && _block[order[i + n]] == _block[order[i]] + (ulong)n)
                    n++;
                int rc;
                if (n == 1)
                {
                    rc = WriteBack(order[i]);
                }
                else
                {
                    _staging ??= new byte[MaxRunBytes];
                    Span<byte> run = new Span<byte>(_staging, 0, n * _blockSize);
                    for (int k = 0; k < n; k++)
                        Data(order[i + k]).CopyTo(run.Slice(k * _blockSize, _blockSize));
                    DeviceWrites += (ulong)n;
                    _unflushed = true;
                    rc = _dev.Write(_block[order[i]] * _sectorsPerBlock, run);
                    if (rc == 0)
                    {
                        for (int k = 0; k < n; k++)
                        {
                            _state[order[i + k]] &= unchecked((byte)~Dirty);
                            _dirty--;
                        }
                    }
                }
                if (rc < 0)
                    return rc;
                i += n;
            }
            return 0;
        }

        // Heap sort of slot numbers by block number (no allocation, no recursion).
        private void SortByBlock(int[] a, int n)
        {
            for (int start = n / 2 - 1; start >= 0; start--)
                SiftDown(a, start, n);
            for (int end = n - 1; end > 0; end--)
            {
                int top = a[0];
                a[0] = a[end];
                a[end] = top;
                SiftDown(a, 0, end);
            }
        }

        private void SiftDown(int[] a, int root, int n)
        {
            while (true)
            {
                int child = 2 * root + 1;
                if (child >= n)
                    return;
                if (child + 1 < n && _block[a[child + 1]] > _block[a[child]])
                    child++;
                if (_block[a[root]] >= _block[a[child]])
                    return;
                int parent = a[root];
                a[root] = a[child];
                a[child] = parent;
                root = child;
            }
        }

        /// <summary>Drops a block (freed by the file system) without writing it back.</summary>
        public void Forget(ulong block)
        {
            int s = Find(block);
            if (s == NoSlot || _pins[s] != 0)
                return;
            if ((_state[s] & Dirty) != 0)
                _dirty--;
            Unhash(s);
            _state[s] = 0;
            Cached--;
        }

        /// <summary>Frees every slab. Call after <see cref="SyncAll"/>; dirty data still held is lost.</summary>
        public void Dispose()
        {
            for (int i = 0; i < _slabs.Length; i++)
            {
                Owned.Free(_slabs[i]);
                _slabs[i] = null;
            }
            Owned.Free(_slabs);
            Owned.Free(_staging);
            _staging = null;
            Owned.Free(_readAhead);
            _readAhead = null;
            Owned.Free(_block);
            Owned.Free(_owner);
            Owned.Free(_pins);
            Owned.Free(_state);
            Owned.Free(_next);
            Owned.Free(_buckets);
            _count = 0;
            Cached = 0;
            _dirty = 0;
        }
    }
}
