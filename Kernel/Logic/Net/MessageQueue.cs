namespace Kernel.Logic.Net
{
    /// <summary>
    /// A socket's receive queue: messages in arrival order, with the unread bytes and the charge they
    /// hold against their senders' buffers. It owns its messages; <see cref="Clear"/> frees them (and
    /// releases the descriptors in flight).
    /// </summary>
    public sealed class MessageQueue
    {
        private SocketMessage? _head, _tail;
        public int Count;
        /// <summary>Unread bytes.</summary>
        public long Bytes;
        /// <summary>The sum of the queued messages' charges.</summary>
        public long Charged;

        public SocketMessage? Head => _head;
        public bool IsEmpty => _head == null;

        public void Enqueue(SocketMessage message)
        {
            message.Next = null;
            if (_tail == null)
                _head = message;
            else
                _tail.Next = message;
            _tail = message;
            Count++;
            Bytes += message.Remaining;
            Charged += message.Charge;
        }

        /// <summary>Removes the first message; the caller owns it.</summary>
        public SocketMessage? Dequeue()
        {
            SocketMessage? m = _head;
            if (m == null)
                return null;
            _head = m.Next;
            if (_head == null)
                _tail = null;
            m.Next = null;
            Count--;
            Bytes -= m.Remaining;
            Charged -= m.Charge;
            return m;
        }

        /// <summary>Marks <paramref name="count"/> bytes of the first message read (stream sockets); a message read to its end is freed.</summary>
        public void Consume(int count)
        {
            SocketMessage m = _head!;
            m.Start += count;
            Bytes -= count;
            if (m.Remaining == 0)
                Dequeue()!.Free();
        }

        public void Clear()
        {
            while (_head != null)
                Dequeue()!.Free();
        }
    }
}
