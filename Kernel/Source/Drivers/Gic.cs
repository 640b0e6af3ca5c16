using Kernel.Arch;

namespace Kernel.Drivers
{
    /// <summary>GICv2 distributor and CPU interface (ARM IHI 0048B), one CPU.</summary>
    public static unsafe class Gic
    {
        private const ulong GICD_CTLR = 0x000, GICD_TYPER = 0x004, GICD_ISENABLER = 0x100, GICD_ICENABLER = 0x180,
            GICD_ICPENDR = 0x280, GICD_IPRIORITYR = 0x400, GICD_ITARGETSR = 0x800, GICD_ICFGR = 0xC00;
        private const ulong GICC_CTLR = 0x000, GICC_PMR = 0x004, GICC_BPR = 0x008, GICC_IAR = 0x00C, GICC_EOIR = 0x010;
        public const uint Spurious = 1023;

        private static ulong s_distributor, s_cpu;
        private static uint s_lines;

        public static uint Lines => s_lines;

        public static void Initialize(ulong distributor, ulong cpuInterface)
        {
            s_distributor = distributor;
            s_cpu = cpuInterface;
            Mmio.Write32(s_distributor + GICD_CTLR, 0);
            s_lines = ((Mmio.Read32(s_distributor + GICD_TYPER) & 0x1F) + 1) * 32;
            if (s_lines > 1020) s_lines = 1020;
            for (uint i = 0; i < s_lines; i += 32)
            {
                Mmio.Write32(s_distributor + GICD_ICENABLER + i / 8, 0xFFFFFFFF);
                Mmio.Write32(s_distributor + GICD_ICPENDR + i / 8, 0xFFFFFFFF);
            }
            for (uint i = 0; i < s_lines; i += 4)
                Mmio.Write32(s_distributor + GICD_IPRIORITYR + i, 0xA0A0A0A0);
            for (uint i = 32; i < s_lines; i += 4)
                Mmio.Write32(s_distributor + GICD_ITARGETSR + i, 0x01010101);
            Mmio.Write32(s_distributor + GICD_CTLR, 1);
            Mmio.Write32(s_cpu + GICC_PMR, 0xF0);
            Mmio.Write32(s_cpu + GICC_BPR, 0);
            Mmio.Write32(s_cpu + GICC_CTLR, 1);
        }

        /// <summary>Enables an interrupt; edge-triggered SPIs get their configuration bit set.</summary>
        public static void Enable(uint interruptId, bool edgeTriggered)
        {
            if (interruptId >= 32)
            {
                ulong cfg = s_distributor + GICD_ICFGR + interruptId / 16 * 4;
                uint shift = interruptId % 16 * 2 + 1;
                uint value = Mmio.Read32(cfg);
                value = edgeTriggered ? value | (1u << (int)shift) : value & ~(1u << (int)shift);
                Mmio.Write32(cfg, value);
            }
            Mmio.Write32(s_distributor + GICD_ISENABLER + interruptId / 32 * 4, 1u << (int)(interruptId % 32));
        }

        public static uint Acknowledge() => Mmio.Read32(s_cpu + GICC_IAR);

        public static void EndOfInterrupt(uint iar) => Mmio.Write32(s_cpu + GICC_EOIR, iar);
    }
}
