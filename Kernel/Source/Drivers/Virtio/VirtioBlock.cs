using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Logic;
using Kernel.Logic.Block;
using Kernel.Logic.Virtio;
using Kernel.Memory;
using Kernel.Threading;

namespace Kernel.Drivers.Virtio
{
    /// <summary>
    /// A virtio-blk disk (VirtIO 1.2 §5.2) behind one queue. Requests are synchronous for their caller
    /// and may be in flight from several threads at once: each takes a request slot (its header and
    /// status byte in DMA memory), puts header, data and status in the ring, notifies the device, and
    /// waits for the completion interrupt (<see cref="WaitForDevice"/>). Data buffers in the linear map
    /// go to the device as they are; others (the image's statics, the boot stack) through bounce pages.
    /// </summary>
    public sealed unsafe class VirtioBlock : IBlockDevice
    {
        private const ushort WantedQueueSize = 128;
        private const int SlotBytes = 32, StatusOffset = 16;
        private const uint TransferCap = 64 * 1024;
        private const int MaxSegments = 32;
        private const byte StatusPending = 0xFF;

        private readonly VirtioMmio _transport;
        private readonly SplitVirtqueue _queue;
        private readonly byte* _slots;
        private readonly ulong _slotsPhysical;
        private readonly int _slotCount;
        private readonly Completion?[] _slotWaiter;
        private readonly short[] _slotOfHead;
        private readonly ulong _capacity;
        private readonly uint _blockSize, _sizeMax, _maxTransfer;
        private bool _failed;

        public ulong SectorCount => _capacity;

        /// <summary>
        /// Waits for the device's next interrupt with the CPU (WFI), interrupts masked on entry and exit.
        /// The thread does not sleep in the scheduler: the file systems above are not re-entrant, and a
        /// request is always made in the middle of one of their operations, so no other thread may run
        /// (and enter the same file system) until it completes. Linux sleeps holding the inode's and the
        /// buffer's locks instead; this kernel has none.
        /// </summary>
        private static void WaitForDevice()
        {
            Cpu.WaitForInterrupt();
            Cpu.EnableInterrupts();
            Cpu.DisableInterrupts();
        }
        public bool ReadOnly { get; }
        public bool HasFlush { get; }
        public uint LogicalBlockSize => _blockSize;
        public VirtioMmio Transport => _transport;

        private VirtioBlock(VirtioMmio transport, SplitVirtqueue queue, byte* slots, ulong slotsPhysical)
        {
            _transport = transport;
            _queue = queue;
            _slots = slots;
            _slotsPhysical = slotsPhysical;
            _slotCount = queue.Size;
            _slotWaiter = new Completion?[_slotCount];
            _slotOfHead = new short[queue.Size];
            ulong features = transport.Features;
            _capacity = transport.Config64(VirtioBlockProtocol.ConfigCapacity);
            ReadOnly = VirtioFeatures.Has(features, VirtioBlockProtocol.FeatureReadOnly);
            HasFlush = VirtioFeatures.Has(features, VirtioBlockProtocol.FeatureFlush);
            _sizeMax = VirtioFeatures.Has(features, VirtioBlockProtocol.FeatureSizeMax) ? transport.Config32(VirtioBlockProtocol.ConfigSizeMax) : 0;
            uint segMax = VirtioFeatures.Has(features, VirtioBlockProtocol.FeatureSegMax) ? transport.Config32(VirtioBlockProtocol.ConfigSegMax) : 1;
            if (segMax > MaxSegments)
                segMax = MaxSegments;
            uint blkSize = VirtioFeatures.Has(features, VirtioBlockProtocol.FeatureBlockSize) ? transport.Config32(VirtioBlockProtocol.ConfigBlockSize) : 0;
            _blockSize = VirtioBlockProtocol.LogicalBlockSize(features, blkSize);
            _maxTransfer = VirtioBlockProtocol.MaxTransferBytes(features, segMax, _sizeMax, _blockSize, queue.Size, TransferCap);
        }

        /// <summary>Drives the disk on <paramref name="transport"/>; null when the device refuses.</summary>
        public static VirtioBlock? Create(VirtioMmio transport)
        {
            if (transport.Negotiate(VirtioBlockProtocol.Supported) < 0)
            {
                Log.Line($"virtio-blk: device at {transport.PhysicalBase:x} refused the features");
                return null;
            }
            SplitVirtqueue? queue = transport.SetUpQueue(0, WantedQueueSize);
            byte* slots = null;
            ulong slotsPhysical = 0;
            if (queue != null)
                slots = DmaMemory.Allocate((ulong)queue.Size * SlotBytes, out slotsPhysical);
            if (queue == null || slots == null)
            {
                transport.Fail();
                Log.Line($"virtio-blk: device at {transport.PhysicalBase:x}: no queue");
                return null;
            }
            var disk = new VirtioBlock(transport, queue, slots, slotsPhysical);
            transport.Start();
            return disk;
        }

        /// <summary>
        /// Once the interrupt reaches <see cref="HandleInterrupt"/>: logs the disk and its serial (GET_ID)
        /// and adds it to <see cref="BlockDevices"/> as vda, vdb... by <paramref name="index"/>.
        /// </summary>
        public void Publish(int index)
        {
            Span<byte> name = stackalloc byte[16];
            int nameLength = DiskName.Format(index, name);
            Log.Line($"virtio-blk: {name.Slice(0, nameLength)} at {_transport.PhysicalBase:x} irq {_transport.Interrupt}, virtio-mmio v{_transport.TransportVersion}, {_capacity} sectors ({_capacity / 2048} MiB){(ReadOnly ? ", read-only" : "")}{(HasFlush ? ", flush" : "")}, block {_blockSize}, queue {_queue.Size}, {_maxTransfer / 1024} KiB per request");
            LogSerial(name.Slice(0, nameLength));
            int r = BlockDevices.Add(this, name.Slice(0, nameLength), DiskName.VirtioBlockMajor, (uint)index * DiskName.MinorsPerDisk);
            if (r < 0)
                Log.Line($"virtio-blk: cannot register {name.Slice(0, nameLength)}: error {r}");
        }

        private void LogSerial(ReadOnlySpan<byte> name)
        {
            byte* id = DmaMemory.Allocate(VirtioBlockProtocol.IdBytes, out ulong idPhysical);
            if (id == null)
                return;
            int r = Submit(VirtioBlockProtocol.TypeGetId, 0, idPhysical, VirtioBlockProtocol.IdBytes, true);
            var serial = new ReadOnlySpan<byte>(id, VirtioBlockProtocol.IdBytes);
            if (r == 0)
                Log.Line($"virtio-blk: {name} serial \"{serial.Slice(0, VirtioBlockProtocol.SerialLength(serial))}\"");
            else
                Log.Line($"virtio-blk: {name} has no serial (GET_ID: {r})");
            DmaMemory.Free(id, VirtioBlockProtocol.IdBytes);
        }

        public int Read(ulong sector, Span<byte> buffer)
        {
            int r = Check(sector, buffer.Length);
            if (r != 0)
                return r < 0 ? r : 0;
            fixed (byte* data = buffer)
                return Transfer(false, sector, data, buffer.Length);
        }

        public int Write(ulong sector, ReadOnlySpan<byte> buffer)
        {
            if (ReadOnly)
                return -Errno.EROFS;
            int r = Check(sector, buffer.Length);
            if (r != 0)
                return r < 0 ? r : 0;
            fixed (byte* data = buffer)
                return Transfer(true, sector, data, buffer.Length);
        }

        public int Flush()
        {
            if (!HasFlush)
                return 0; // no volatile write cache: completed writes are already durable
            return Submit(VirtioBlockProtocol.TypeFlush, 0, 0, 0, false);
        }

        /// <summary>-EINVAL for part sectors or a range past the end; 1 for nothing to do; 0 otherwise.</summary>
        private int Check(ulong sector, int length)
        {
            if (length % VirtioBlockProtocol.SectorSize != 0)
                return -Errno.EINVAL;
            ulong count = (ulong)length / VirtioBlockProtocol.SectorSize;
            if (sector > _capacity || count > _capacity - sector)
                return -Errno.EINVAL;
            return length == 0 ? 1 : 0;
        }

        private int Transfer(bool write, ulong sector, byte* data, int length)
        {
            ulong sectorsPerBlock = _blockSize / VirtioBlockProtocol.SectorSize;
            if (sector % sectorsPerBlock != 0 || (ulong)length % _blockSize != 0)
                return TransferPartialBlocks(write, sector, data, length);
            uint type = write ? VirtioBlockProtocol.TypeOut : VirtioBlockProtocol.TypeIn;
            int done = 0;
            while (done < length)
            {
                uint chunk = (uint)(length - done) < _maxTransfer ? (uint)(length - done) : _maxTransfer;
                ulong at = sector + (ulong)done / VirtioBlockProtocol.SectorSize;
                int r;
                if (DmaMemory.TryPhysical(data + done, chunk, out ulong physical))
                {
                    r = Submit(type, at, physical, chunk, !write);
                }
                else
                {
                    byte* bounce = DmaMemory.Allocate(chunk, out ulong bouncePhysical);
                    if (bounce == null && chunk > _blockSize && _blockSize <= PageAllocator.PageSize)
                    {
                        chunk = (uint)(PageAllocator.PageSize / _blockSize * _blockSize); // a single page, at least
                        bounce = DmaMemory.Allocate(chunk, out bouncePhysical);
                    }
                    if (bounce == null)
                        return -Errno.ENOMEM;
                    if (write)
                        new ReadOnlySpan<byte>(data + done, (int)chunk).CopyTo(new Span<byte>(bounce, (int)chunk));
                    r = Submit(type, at, bouncePhysical, chunk, !write);
                    if (r == 0 && !write)
                        new ReadOnlySpan<byte>(bounce, (int)chunk).CopyTo(new Span<byte>(data + done, (int)chunk));
                    DmaMemory.Free(bounce, chunk);
                }
                if (r < 0)
                    return r;
                done += (int)chunk;
            }
            return 0;
        }

        /// <summary>
        /// Sectors that do not cover whole logical blocks (a disk with blk_size above 512): each block
        /// touched goes through a bounce block, read whole, then (for a write) changed and written back.
        /// </summary>
        private int TransferPartialBlocks(bool write, ulong sector, byte* data, int length)
        {
            byte* block = DmaMemory.Allocate(_blockSize, out ulong blockPhysical);
            if (block == null)
                return -Errno.ENOMEM;
            ulong start = sector * VirtioBlockProtocol.SectorSize, end = start + (ulong)length;
            ulong sectorsPerBlock = _blockSize / VirtioBlockProtocol.SectorSize;
            int r = 0;
            for (ulong b = start / _blockSize; b * _blockSize < end && r == 0; b++)
            {
                ulong blockStart = b * _blockSize;
                ulong from = start > blockStart ? start : blockStart;
                ulong to = end < blockStart + _blockSize ? end : blockStart + _blockSize;
                var inBlock = new Span<byte>(block + (from - blockStart), (int)(to - from));
                var inData = new Span<byte>(data + (from - start), (int)(to - from));
                r = Submit(VirtioBlockProtocol.TypeIn, b * sectorsPerBlock, blockPhysical, _blockSize, true);
                if (r < 0)
                    break;
                if (write)
                {
                    inData.CopyTo(inBlock);
                    r = Submit(VirtioBlockProtocol.TypeOut, b * sectorsPerBlock, blockPhysical, _blockSize, false);
                }
                else
                {
                    inBlock.CopyTo(inData);
                }
            }
            DmaMemory.Free(block, _blockSize);
            return r;
        }

        /// <summary>
        /// One request: waits for a free slot and descriptors, submits header, data (split at size_max)
        /// and status, and sleeps until the device completes it. 0, or -EIO for any status but OK.
        /// </summary>
        private int Submit(uint type, ulong sector, ulong dataPhysical, uint dataLength, bool deviceWrites)
        {
            Span<VirtqBuffer> chain = stackalloc VirtqBuffer[MaxSegments + 2];
            var done = new Completion();
            ulong daif = Cpu.SaveAndDisableInterrupts();
            int slot;
            int length;
            while (true)
            {
                if (_failed || _queue.Broken)
                {
                    Cpu.RestoreInterrupts(daif);
                    Owned.Free(done);
                    return -Errno.EIO;
                }
                slot = FreeSlot();
                if (slot >= 0)
                {
                    length = BuildChain(chain, slot, type, sector, dataPhysical, dataLength, deviceWrites);
                    if (length <= _queue.FreeCount)
                        break;
                }
                WaitForDevice();
            }
            _slotWaiter[slot] = done;
            int head = _queue.Add(chain.Slice(0, length));
            if (head < 0)
                ThrowHelpers.Panic("virtio-blk: ring refused a chain that fits");
            _slotOfHead[head] = (short)slot;
            if (_queue.NeedsNotification())
                _transport.Notify(0);
            while (!done.Done)
                WaitForDevice();
            byte status = _slots[slot * SlotBytes + StatusOffset];
            _slotWaiter[slot] = null;
            Scheduler.WakeAll(this); // a slot and descriptors are free for whoever waits
            Cpu.RestoreInterrupts(daif);
            Owned.Free(done);
            return status == VirtioBlockProtocol.StatusOk ? 0 : -Errno.EIO;
        }

        private int FreeSlot()
        {
            for (int i = 0; i < _slotCount; i++)
                if (_slotWaiter[i] == null)
                    return i;
            return -1;
        }

        private int BuildChain(Span<VirtqBuffer> chain, int slot, uint type, ulong sector, ulong data, uint length, bool deviceWrites)
        {
            byte* header = _slots + slot * SlotBytes;
            VirtioBlockProtocol.WriteHeader(new Span<byte>(header, VirtioBlockProtocol.HeaderBytes), type, sector);
            header[StatusOffset] = StatusPending;
            ulong headerPhysical = _slotsPhysical + (ulong)slot * SlotBytes;
            int n = 0;
            chain[n++] = new VirtqBuffer(headerPhysical, VirtioBlockProtocol.HeaderBytes, false);
            uint done = 0;
            while (done < length)
            {
                uint segment = VirtioBlockProtocol.SegmentBytes(_transport.Features, _sizeMax, length - done);
                chain[n++] = new VirtqBuffer(data + done, segment, deviceWrites);
                done += segment;
            }
            chain[n++] = new VirtqBuffer(headerPhysical + StatusOffset, 1, true);
            return n;
        }

        /// <summary>From the transport's interrupt: wakes the threads whose requests completed.</summary>
        internal void HandleInterrupt()
        {
            while (_queue.TryTakeUsed(out ushort head, out _))
            {
                int slot = _slotOfHead[head];
                _slotWaiter[slot]?.Signal();
            }
            if (_queue.Broken && !_failed)
            {
                _failed = true;
                Log.Line($"virtio-blk: device at {_transport.PhysicalBase:x} broke its used ring; failing its requests");
                for (int i = 0; i < _slotCount; i++)
                    _slotWaiter[i]?.Signal(); // their status stays "pending": -EIO
            }
            Scheduler.WakeAll(this);
        }
    }
}
