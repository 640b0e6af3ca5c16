namespace Kernel.Logic.Fs
{
    /// <summary>A time as seconds and nanoseconds since the epoch (struct timespec).</summary>
    public struct Timespec
    {
        public long Sec;
        public long Nsec;

        public Timespec(long sec, long nsec)
        {
            Sec = sec;
            Nsec = nsec;
        }

        /// <summary>utimensat's "set to the current time" and "leave unchanged" nanosecond values.</summary>
        public const long UtimeNow = (1L << 30) - 1, UtimeOmit = (1L << 30) - 2;

        public static int Compare(Timespec a, Timespec b)
            => a.Sec != b.Sec ? (a.Sec < b.Sec ? -1 : 1) : a.Nsec != b.Nsec ? (a.Nsec < b.Nsec ? -1 : 1) : 0;
    }
}
