namespace Kernel.Logic.Tty
{
    /// <summary>
    /// The numbers of the pseudo-terminals in use (/dev/pts/N): a new pair takes the lowest free one,
    /// as Linux's devpts does; at most <see cref="Limit"/> at once (Linux's default kernel.pty.max).
    /// </summary>
    public unsafe struct PtyIndexes
    {
        public const int Limit = 4096;
        private fixed ulong _used[Limit / 64];
        private int _count;

        public readonly int Count => _count;

        /// <summary>The lowest free number, now in use; -1 when all are taken.</summary>
        public int Allocate()
        {
            for (int w = 0; w < Limit / 64; w++)
            {
                ulong bits = _used[w];
                if (bits == ulong.MaxValue)
                    continue;
                int b = 0;
                while ((bits & (1UL << b)) != 0)
                    b++;
                _used[w] = bits | (1UL << b);
                _count++;
                return w * 64 + b;
            }
            return -1;
        }

        public void Release(int index)
        {
            if (index < 0 || index >= Limit || !InUse(index))
                return;
            _used[index / 64] &= ~(1UL << (index % 64));
            _count--;
        }

        public readonly bool InUse(int index) => index >= 0 && index < Limit && (_used[index / 64] & (1UL << (index % 64))) != 0;
    }
}
