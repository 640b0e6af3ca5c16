namespace Kernel.Logic.Input
{
    /// <summary>
    /// One reader's queue of events, as Linux's evdev keeps one per open file: bounded; a reader sees only
    /// whole packets (events up to the last SYN_REPORT); when an event finds the queue full, everything
    /// queued is dropped and a SYN_DROPPED takes its place (readable with the next complete packet), so the
    /// reader knows to resynchronise.
    /// </summary>
    public sealed class EventQueue
    {
        private readonly InputEvent[] _events;
        private int _head, _count, _readable;

        public EventQueue(int capacity)
        {
            if (capacity < 2)
                Fatal.Panic("EventQueue: capacity below 2");
            _events = new InputEvent[capacity];
        }

        public int Capacity => _events.Length;
        /// <summary>Events queued, complete packets or not.</summary>
        public int Count => _count;
        /// <summary>Events a read may take now: those of complete packets (and a SYN_DROPPED).</summary>
        public int Readable => _readable;

        public void Add(in InputEvent e)
        {
            if (_count == _events.Length)
            {
                _head = 0;
                _events[0] = new InputEvent(e.TimeNs, InputCodes.EV_SYN, InputCodes.SYN_DROPPED, 0);
                _count = 1;
                _readable = 0;
            }
            _events[(_head + _count) % _events.Length] = e;
            _count++;
            if (e.IsReport)
                _readable = _count;
        }

        /// <summary>Takes the oldest readable event; false when none is readable.</summary>
        public bool TryTake(out InputEvent e)
        {
            if (_readable == 0)
            {
                e = default;
                return false;
            }
            e = _events[_head];
            _head = (_head + 1) % _events.Length;
            _count--;
            _readable--;
            return true;
        }

        /// <summary>Frees the queue's storage; the queue is not used again.</summary>
        public void Free()
        {
            Owned.Free(_events);
            Owned.Free(this);
        }

        public void Clear()
        {
            _head = 0;
            _count = 0;
            _readable = 0;
        }
    }
}
