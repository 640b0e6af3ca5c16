using System;
using System.Threading;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Logic;
using Kernel.Logic.Display;
using Kernel.Logic.Net;
using Kernel.Memory;

namespace Kernel.Drivers
{
    /// <summary>
    /// QEMU's firmware configuration device on its MMIO interface (<c>qemu,fw-cfg-mmio</c>): items chosen by
    /// a 16-bit key and moved by its DMA interface, which is the only way to write one (QEMU's
    /// docs/specs/fw_cfg.rst). Registers: data at +0, selector at +8 (big-endian), DMA address at +16
    /// (big-endian; writing its low half starts the transfer). A transfer is described by
    /// { be32 control, be32 length, be64 address } in memory the device reads; the device finishes it
    /// before the register write returns and clears the control word (or leaves the error bit).
    /// </summary>
    public static unsafe class FwCfg
    {
        private const ulong DataRegister = 0, SelectorRegister = 8, DmaRegister = 16;
        private const ushort SignatureKey = 0, FeaturesKey = 1;
        private const uint FeatureDma = 2;
        private const uint ControlError = 1, ControlRead = 2, ControlSelect = 8, ControlWrite = 16;

        private static ulong s_registers;
        private static byte* s_dma;
        private static ulong s_dmaPhysical;

        /// <summary>Whether a fw_cfg device with the DMA interface was found.</summary>
        public static bool Present => s_dma != null;

        /// <summary>Finds the device in the device tree; logs what it found.</summary>
        public static void Initialize(in DeviceTree tree)
        {
            int node = tree.FindCompatible("qemu,fw-cfg-mmio"u8);
            if (node < 0 || tree.GetReg(node, 0, out ulong address, out ulong size) < 0 || size < 24)
                return;
            s_registers = MemoryManager.MapDevice(address, size);
            Mmio.Write16(s_registers + SelectorRegister, Swap16(SignatureKey));
            uint signature = Mmio.Read32(s_registers + DataRegister);
            if (signature != 0x554D4551) // "QEMU" read in byte order
            {
                Log.Line($"fw_cfg: at {address:x}: no signature");
                return;
            }
            Mmio.Write16(s_registers + SelectorRegister, Swap16(FeaturesKey));
            uint features = Mmio.Read32(s_registers + DataRegister);
            if ((features & FeatureDma) == 0)
            {
                Log.Line($"fw_cfg: at {address:x}: no DMA interface");
                return;
            }
            // One page: the access descriptor, then a bounce area for small items.
            s_dma = DmaMemory.Allocate(PageAllocator.PageSize, out s_dmaPhysical);
            if (s_dma != null)
                Log.Line($"fw_cfg: at {address:x} with DMA");
        }

        /// <summary>
        /// Finds the file <paramref name="name"/> in the directory; false when it is not there (or there is
        /// no device).
        /// </summary>
        public static bool TryFindFile(ReadOnlySpan<byte> name, out ushort key, out uint size)
        {
            key = 0;
            size = 0;
            if (!Present)
                return false;
            Span<byte> header = stackalloc byte[4];
            if (Read(FwCfgDirectory.Key, header) < 0)
                return false;
            uint count = FwCfgDirectory.Count(header);
            if (count > 4096)
                return false;
            ulong bytes = 4 + (ulong)count * FwCfgDirectory.EntryLength;
            byte* table = DmaMemory.Allocate(bytes, out ulong physical);
            if (table == null)
                return false;
            bool found = Transfer(FwCfgDirectory.Key, ControlRead, physical, (uint)bytes) == 0
                && FwCfgDirectory.TryFind(new ReadOnlySpan<byte>(table + 4, (int)(bytes - 4)), count, name, out key, out size);
            DmaMemory.Free(table, bytes);
            return found;
        }

        /// <summary>Reads item <paramref name="key"/> from its start into <paramref name="destination"/> (at most a page less 16 bytes).</summary>
        public static int Read(ushort key, Span<byte> destination)
        {
            if (!Present || destination.Length > (int)PageAllocator.PageSize - 16)
                return -Errno.EINVAL;
            int r = Transfer(key, ControlRead, s_dmaPhysical + 16, (uint)destination.Length);
            if (r == 0)
                new ReadOnlySpan<byte>(s_dma + 16, destination.Length).CopyTo(destination);
            return r;
        }

        /// <summary>Writes <paramref name="source"/> to item <paramref name="key"/> from its start (at most a page less 16 bytes).</summary>
        public static int Write(ushort key, ReadOnlySpan<byte> source)
        {
            if (!Present || source.Length > (int)PageAllocator.PageSize - 16)
                return -Errno.EINVAL;
            source.CopyTo(new Span<byte>(s_dma + 16, source.Length));
            return Transfer(key, ControlWrite, s_dmaPhysical + 16, (uint)source.Length);
        }

        private static int Transfer(ushort key, uint operation, ulong physical, uint length)
        {
            Span<byte> access = new Span<byte>(s_dma, 16);
            BigEndian.Put32(access, 0, (uint)key << 16 | ControlSelect | operation);
            BigEndian.Put32(access, 4, length);
            BigEndian.Put32(access, 8, (uint)(physical >> 32));
            BigEndian.Put32(access, 12, (uint)physical);
            Interlocked.MemoryBarrier(); // the descriptor before the doorbell
            Mmio.Write32(s_registers + DmaRegister, Swap32((uint)(s_dmaPhysical >> 32)));
            Mmio.Write32(s_registers + DmaRegister + 4, Swap32((uint)s_dmaPhysical));
            // QEMU completes the transfer within the write; a device that does not is waited for briefly.
            for (int spins = 0; spins < 1_000_000; spins++)
            {
                Interlocked.MemoryBarrier();
                uint control = BigEndian.U32(access, 0);
                if ((control & ControlError) != 0)
                    return -Errno.EIO;
                if (control == 0)
                    return 0;
            }
            return -Errno.ETIMEDOUT;
        }

        private static ushort Swap16(ushort v) => (ushort)(v << 8 | v >> 8);
        private static uint Swap32(uint v) => v << 24 | (v & 0xFF00) << 8 | (v >> 8) & 0xFF00 | v >> 24;
    }
}
