namespace Kernel.Logic.Net.Tcp
{
    /// <summary>Sequence number comparisons modulo 2^32 (RFC 793 section 3.3, RFC 1982 style).</summary>
    public static class Seq
    {
        public static bool Lt(uint a, uint b) => (int)(a - b) < 0;

        public static bool Le(uint a, uint b) => (int)(a - b) <= 0;

        public static bool Gt(uint a, uint b) => (int)(a - b) > 0;

        public static bool Ge(uint a, uint b) => (int)(a - b) >= 0;

        public static uint Max(uint a, uint b) => Gt(a, b) ? a : b;
    }
}
