namespace Kernel.Arch
{
    /// <summary>Device register access with volatile semantics (never merged, reordered or elided).</summary>
    public static unsafe class Mmio
    {
        private struct Cell32 { public volatile uint Value; }
        private struct Cell16 { public volatile ushort Value; }
        private struct Cell8 { public volatile byte Value; }

        public static uint Read32(ulong address) => ((Cell32*)address)->Value;
        public static void Write32(ulong address, uint value) => ((Cell32*)address)->Value = value;
        public static void Write16(ulong address, ushort value) => ((Cell16*)address)->Value = value;
        public static byte Read8(ulong address) => ((Cell8*)address)->Value;
        public static void Write8(ulong address, byte value) => ((Cell8*)address)->Value = value;
    }
}
