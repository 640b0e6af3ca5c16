using System;
using Kernel.Diagnostics;
using Kernel.Logic;
using Kernel.Logic.Net;
using Kernel.Logic.Virtio;
using Kernel.Memory;

namespace Kernel.Drivers.Virtio
{
    /// <summary>
    /// virtio-net (VirtIO 1.2 §5.1) on queue 0 (receive) and 1 (transmit), without offloads or merged
    /// receive buffers: each frame comes with a virtio_net_hdr (10 bytes on a legacy transport, 12 with
    /// VERSION_1) that is zero on transmit. Every receive buffer is always posted; the interrupt only says
    /// frames arrived (<see cref="ReceiveSink"/>), and the network thread takes them with
    /// <see cref="DeliverReceived"/>, which hands each to the stack and posts its buffer again. Transmit
    /// copies the frame into a free slot and reclaims the slots the device finished with as it goes (no
    /// transmit interrupts); a full ring is -ENOBUFS, never a wait. The MAC comes from the configuration
    /// space (VIRTIO_NET_F_MAC), the link state from its status (VIRTIO_NET_F_STATUS).
    /// <para>
    /// Both queues notify the device after every batch they make available, whatever the device's
    /// avail_event asks. On QEMU with one vCPU, the guest's barrier between publishing avail.idx and
    /// reading avail_event does not order it against QEMU's I/O thread (one vCPU's code is translated
    /// without memory barriers), so a notification the device needs was sometimes skipped: seen as the
    /// transmit ring full of frames QEMU never looked at (avail.idx 128 past used.idx, avail_event at
    /// used.idx) and every SSH session dead. A notification the device does not need costs one MMIO write.
    /// </para>
    /// </summary>
    public sealed unsafe class VirtioNet : INetDevice
    {
        private const int FeatureMac = 5, FeatureStatus = 16;
        private const uint ConfigMac = 0, ConfigStatus = 6, StatusLinkUp = 1;
        private const ushort WantedQueueSize = 256;
        private const int SlotBytes = 2048;

        /// <summary>Called from the interrupt when frames arrived or the link changed (the network subsystem wakes its thread).</summary>
        public static delegate*<void> ReceiveSink;

        private readonly VirtioMmio _transport;
        private readonly SplitVirtqueue _rx, _tx;
        private readonly byte* _rxSlots, _txSlots;
        private readonly ulong _rxPhysical, _txPhysical;
        private readonly int _rxCount, _txCount, _headerBytes;
        private readonly short[] _rxSlotOfHead, _txSlotOfHead;
        private readonly int[] _txFree;
        private int _txFreeCount;
        private readonly bool _hasStatus;

        public MacAddress Mac { get; }
        public int Mtu => 1500;
        public VirtioMmio Transport => _transport;
        /// <summary>Frames the device gave with impossible lengths, and transmits refused for a full ring.</summary>
        public ulong RxErrors, TxBusy;

        public bool LinkUp => !_hasStatus || (_transport.Config8(ConfigStatus) & StatusLinkUp) != 0;

        private VirtioNet(VirtioMmio transport, SplitVirtqueue rx, SplitVirtqueue tx, byte* rxSlots, ulong rxPhysical, byte* txSlots, ulong txPhysical)
        {
            _transport = transport;
            _rx = rx;
            _tx = tx;
            _rxSlots = rxSlots;
            _rxPhysical = rxPhysical;
            _txSlots = txSlots;
            _txPhysical = txPhysical;
            _rxCount = rx.Size / 2;
            _txCount = tx.Size / 2;
            _headerBytes = VirtioFeatures.Has(transport.Features, VirtioFeatures.Version1) ? 12 : 10;
            _hasStatus = VirtioFeatures.Has(transport.Features, FeatureStatus);
            _rxSlotOfHead = new short[rx.Size];
            _txSlotOfHead = new short[tx.Size];
            _txFree = new int[_txCount];
            for (int i = 0; i < _txCount; i++)
                _txFree[i] = i;
            _txFreeCount = _txCount;
            if (VirtioFeatures.Has(transport.Features, FeatureMac))
            {
                ulong mac = 0;
                for (uint i = 0; i < 6; i++)
                    mac = mac << 8 | transport.Config8(ConfigMac + i);
                Mac = new MacAddress(mac);
            }
            else
            {
                Mac = new MacAddress(0x0200_0000_0000UL | transport.PhysicalBase >> 9); // locally administered, one per transport
            }
        }

        /// <summary>Drives the device on <paramref name="transport"/>; null when it refuses or memory is short.</summary>
        public static VirtioNet? Create(VirtioMmio transport)
        {
            ulong supported = VirtioFeatures.Bit(FeatureMac) | VirtioFeatures.Bit(FeatureStatus) | VirtioFeatures.Bit(VirtioFeatures.EventIndex) | VirtioFeatures.Bit(VirtioFeatures.Version1);
            if (transport.Negotiate(supported) < 0)
            {
                Log.Line($"virtio-net: device at {transport.PhysicalBase:x} refused the features");
                return null;
            }
            SplitVirtqueue? rx = transport.SetUpQueue(0, WantedQueueSize);
            SplitVirtqueue? tx = rx != null ? transport.SetUpQueue(1, WantedQueueSize) : null;
            ulong rxPhysical = 0, txPhysical = 0;
            byte* rxSlots = tx != null ? DmaMemory.Allocate((ulong)(rx!.Size / 2) * SlotBytes, out rxPhysical) : null;
            byte* txSlots = rxSlots != null ? DmaMemory.Allocate((ulong)(tx!.Size / 2) * SlotBytes, out txPhysical) : null;
            if (txSlots == null)
            {
                transport.Fail();
                Log.Line($"virtio-net: device at {transport.PhysicalBase:x}: no queues");
                return null;
            }
            var nic = new VirtioNet(transport, rx!, tx!, rxSlots, rxPhysical, txSlots, txPhysical);
            tx!.DisableInterrupts();
            transport.Start();
            for (int i = 0; i < nic._rxCount; i++)
                nic.Post(i);
            if (rx!.NeedsNotification())
                transport.Notify(0);
            Span<byte> text = stackalloc byte[17];
            for (int i = 0; i < 6; i++)
            {
                text[i * 3] = Hex(nic.Mac[i] >> 4);
                text[i * 3 + 1] = Hex(nic.Mac[i] & 15);
                if (i < 5)
                    text[i * 3 + 2] = (byte)':';
            }
            Log.Line($"virtio-net: at {transport.PhysicalBase:x} irq {transport.Interrupt}, virtio-mmio v{transport.TransportVersion}, mac {(ReadOnlySpan<byte>)text}, link {(nic.LinkUp ? "up" : "down")}, {nic._rxCount} receive and {nic._txCount} transmit buffers");
            return nic;
        }

        private static byte Hex(int v) => (byte)(v < 10 ? '0' + v : 'a' + v - 10);

        /// <summary>Gives receive slot <paramref name="slot"/> to the device: the header, then room for a whole frame.</summary>
        private void Post(int slot)
        {
            ulong p = _rxPhysical + (ulong)slot * SlotBytes;
            ReadOnlySpan<VirtqBuffer> chain = stackalloc VirtqBuffer[2]
            {
                new VirtqBuffer(p, (uint)_headerBytes, true),
                new VirtqBuffer(p + (ulong)_headerBytes, (uint)(SlotBytes - _headerBytes), true),
            };
            int head = _rx.Add(chain);
            if (head >= 0)
                _rxSlotOfHead[head] = (short)slot;
        }

        /// <summary>Whether frames wait to be taken.</summary>
        public bool HasReceived => _rx.HasUsed;

        /// <summary>
        /// From the network thread: hands every received frame (at most <paramref name="budget"/>) to
        /// <paramref name="stack"/> as arriving on <paramref name="iface"/>, posting each buffer again. The count.
        /// </summary>
        public int DeliverReceived(NetStack stack, NetInterface iface, ulong now, int budget)
        {
            int n = 0;
            while (n < budget && _rx.TryTakeUsed(out ushort head, out uint written))
            {
                int slot = _rxSlotOfHead[head];
                byte* b = _rxSlots + slot * SlotBytes;
                if (written < (uint)_headerBytes + Ethernet.HeaderLength || written > SlotBytes)
                {
                    RxErrors++;
                    iface.RxErrors++;
                }
                else
                {
                    stack.Receive(iface, new ReadOnlySpan<byte>(b + _headerBytes, (int)written - _headerBytes), now);
                }
                Post(slot);
                n++;
            }
            if (n > 0)
            {
                _transport.Notify(0); // always: see the class's remarks on lost notifications
            }
            return n;
        }

        public int Transmit(ReadOnlySpan<byte> frame)
        {
            if (frame.Length > SlotBytes - _headerBytes)
                return -Errno.EMSGSIZE;
            while (_tx.TryTakeUsed(out ushort done, out _))
                _txFree[_txFreeCount++] = _txSlotOfHead[done];
            if (_tx.Broken)
                return -Errno.EIO;
            if (_txFreeCount == 0)
            {
                TxBusy++;
                return -Errno.ENOBUFS;
            }
            int slot = _txFree[--_txFreeCount];
            byte* b = _txSlots + slot * SlotBytes;
            new Span<byte>(b, _headerBytes).Clear();
            frame.CopyTo(new Span<byte>(b + _headerBytes, frame.Length));
            ulong p = _txPhysical + (ulong)slot * SlotBytes;
            ReadOnlySpan<VirtqBuffer> chain = stackalloc VirtqBuffer[2]
            {
                new VirtqBuffer(p, (uint)_headerBytes, false),
                new VirtqBuffer(p + (ulong)_headerBytes, (uint)frame.Length, false),
            };
            int head = _tx.Add(chain);
            if (head < 0)
            {
                _txFree[_txFreeCount++] = slot;
                TxBusy++;
                return -Errno.ENOBUFS;
            }
            _txSlotOfHead[head] = (short)slot;
            _transport.Notify(1); // always: see the class's remarks on lost notifications
            return 0;
        }

        /// <summary>From the transport's interrupt: frames arrived or the configuration (link) changed.</summary>
        internal void HandleInterrupt(uint causes)
        {
            if (causes != 0 && ReceiveSink != null)
                ReceiveSink();
        }
    }
}
