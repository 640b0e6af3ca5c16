using Kernel.Arch;

namespace Kernel.Drivers
{
    /// <summary>ARM PrimeCell real-time clock PL031 (ARM DDI 0224B): seconds since the Unix epoch.</summary>
    public static class Pl031
    {
        private const ulong RTCDR = 0x000;
        private static ulong s_base;

        public static bool Ready => s_base != 0;

        public static void Initialize(ulong virtualBase) => s_base = virtualBase;

        public static long Now() => s_base == 0 ? 0 : Mmio.Read32(s_base + RTCDR);
    }
}
