using System;
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Threading;
using Kernel.Time;

namespace Kernel.Fs
{
    /// <summary>
    /// timerfd: a timer on CLOCK_MONOTONIC (BOOTTIME too: this machine never suspends) or
    /// CLOCK_REALTIME whose expirations a read returns as a count (blocking until there is one).
    /// Kept in monotonic nanoseconds; an absolute realtime time is converted when it is set. Armed
    /// timers are checked on every tick so that poll and epoll waiters wake when one expires.
    /// </summary>
    public sealed unsafe class TimerFdFile : AnonymousFile
    {
        private static TimerFdFile? s_firstArmed;
        private static bool s_hooked;

        private readonly bool _realtime;
        /// <summary>The next expiration in monotonic ns (0: disarmed), and the period (0: once).</summary>
        private ulong _next, _interval;
        private ulong _expirations;
        private TimerFdFile? _nextArmed;
        private bool _listed;

        public TimerFdFile(bool realtime, int flags)
        {
            _realtime = realtime;
            Flags = OpenFlags.ReadWrite | flags;
        }

        protected override ReadOnlySpan<byte> Kind => "timerfd"u8;

        /// <summary>Counts the expirations up to now (call with interrupts masked).</summary>
        private void Advance(ulong now)
        {
            if (_next == 0 || now < _next)
                return;
            if (_interval == 0)
            {
                _expirations++;
                _next = 0;
                return;
            }
            ulong periods = (now - _next) / _interval + 1;
            _expirations += periods;
            _next += periods * _interval;
        }

        /// <summary>
        /// timerfd_settime: arms at <paramref name="value"/> ns (absolute on the timer's clock when
        /// <paramref name="absolute"/>, else from now; 0 disarms), repeating every <paramref name="interval"/> ns.
        /// Returns what was set before as (time left, interval).
        /// </summary>
        public void Set(ulong value, ulong interval, bool absolute, out ulong oldLeft, out ulong oldInterval)
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            ulong now = Clock.MonotonicNanoseconds();
            Advance(now);
            oldLeft = _next == 0 ? 0 : _next - now;
            oldInterval = _interval;
            _expirations = 0;
            if (value == 0)
            {
                _next = 0;
                _interval = 0;
            }
            else
            {
                if (absolute)
                {
                    ulong clockNow = _realtime ? Clock.RealtimeNanoseconds() : now;
                    _next = now + (value > clockNow ? value - clockNow : 0); // a past time is due at once
                }
                else
                {
                    _next = now + value;
                }
                _interval = interval;
                if (!_listed)
                {
                    _nextArmed = s_firstArmed;
                    s_firstArmed = this;
                    _listed = true;
                }
                if (!s_hooked)
                {
                    s_hooked = true;
                    SystemTimer.OnTick(&Tick);
                }
            }
            Advance(now);
            Cpu.RestoreInterrupts(daif);
            if (_expirations > 0)
                Scheduler.WakeAll(this);
        }

        /// <summary>timerfd_gettime: the time to the next expiration (0: disarmed) and the interval.</summary>
        public void Get(out ulong left, out ulong interval)
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            ulong now = Clock.MonotonicNanoseconds();
            Advance(now);
            left = _next == 0 ? 0 : _next - now;
            interval = _interval;
            Cpu.RestoreInterrupts(daif);
        }

        /// <summary>From the tick: wakes the waiters of every armed timer that has expired.</summary>
        private static void Tick(ulong counter, ulong ticks)
        {
            ulong now = Clock.MonotonicNanoseconds();
            TimerFdFile? previous = null;
            for (TimerFdFile? t = s_firstArmed; t != null;)
            {
                TimerFdFile? following = t._nextArmed;
                ulong before = t._expirations;
                t.Advance(now);
                if (t._expirations != before)
                    Scheduler.WakeAll(t);
                if (t._next == 0)
                {
                    // Disarmed (or fired once): off the list until set again.
                    if (previous == null) s_firstArmed = following; else previous._nextArmed = following;
                    t._nextArmed = null;
                    t._listed = false;
                }
                else
                {
                    previous = t;
                }
                t = following;
            }
        }

        public override long Read(Span<byte> destination)
        {
            if (destination.Length < 8)
                return -Errno.EINVAL;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                ulong now = Clock.MonotonicNanoseconds();
                Advance(now);
                if (_expirations > 0)
                {
                    ulong n = _expirations;
                    _expirations = 0;
                    Cpu.RestoreInterrupts(daif);
                    LittleEndian.Put64(destination, 0, n);
                    return 8;
                }
                int r = Waiting.BlockUnlessNonBlocking(this, NonBlocking, daif, _next != 0 ? Clock.DeadlineAfter(_next - now) : 0);
                if (r < 0)
                    return r;
            }
        }

        public override int Poll()
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            Advance(Clock.MonotonicNanoseconds());
            int ready = _expirations > 0 ? OpenFlags.PollIn : 0;
            Cpu.RestoreInterrupts(daif);
            return ready;
        }

        protected override void Closed()
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            if (_listed)
            {
                if (s_firstArmed == this)
                {
                    s_firstArmed = _nextArmed;
                }
                else
                {
                    for (TimerFdFile? t = s_firstArmed; t != null; t = t._nextArmed)
                    {
                        if (t._nextArmed == this)
                        {
                            t._nextArmed = _nextArmed;
                            break;
                        }
                    }
                }
                _listed = false;
            }
            Cpu.RestoreInterrupts(daif);
            base.Closed();
        }
    }
}
