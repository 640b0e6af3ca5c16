namespace Kernel.Logic
{
    /// <summary>
    /// Linux's ratelimit state (lib/ratelimit.c, ___ratelimit): at most <see cref="Burst"/> events pass
    /// in each interval; when a new interval starts after events were held back, the caller is told how
    /// many (Linux prints "NAME: N callbacks suppressed"). Time is in any monotonic unit.
    /// </summary>
    public struct RateLimit
    {
        /// <summary>printk_ratelimit's defaults: DEFAULT_RATELIMIT_INTERVAL is 5 s, DEFAULT_RATELIMIT_BURST 10.</summary>
        public const int DefaultBurst = 10, DefaultIntervalSeconds = 5;

        public ulong Interval;
        public int Burst;
        private ulong _begin;
        private bool _started;
        private int _printed, _missed;

        public RateLimit(ulong interval, int burst)
        {
            Interval = interval;
            Burst = burst;
            _begin = 0;
            _started = false;
            _printed = 0;
            _missed = 0;
        }

        /// <summary>
        /// Whether the event at <paramref name="now"/> may be shown; <paramref name="suppressed"/> is the
        /// count held back in the interval that just ended (0 if none, or if it has not ended).
        /// </summary>
        public bool Allow(ulong now, out int suppressed)
        {
            suppressed = 0;
            if (!_started)
            {
                _begin = now;
                _started = true;
            }
            if (now - _begin > Interval)
            {
                suppressed = _missed;
                _missed = 0;
                _begin = now;
                _printed = 0;
            }
            if (_printed < Burst)
            {
                _printed++;
                return true;
            }
            _missed++;
            return false;
        }
    }
}
