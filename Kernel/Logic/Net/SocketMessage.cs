namespace Kernel.Logic.Net
{
    /// <summary>
    /// One queued send: its bytes (of which <see cref="Start"/> are already read, on stream sockets), the
    /// descriptors it carries, the sender's credentials and address. Owned by the queue it is in; whoever
    /// takes it out frees it with <see cref="Free"/>.
    /// </summary>
    public sealed class SocketMessage
    {
        public byte[]? Data;
        public int Length;
        public int Start;
        /// <summary>What the message counts against the sender's buffer (bytes, plus a per-message cost for datagrams).</summary>
        public int Charge;
        public ISocketAttachment? Rights;
        public int Pid;
        public uint Uid, Gid;
        /// <summary>The sender's address as getsockname shows it, or null when it had none.</summary>
        public byte[]? Address;
        public SocketMessage? Next;

        public int Remaining => Length - Start;

        public static SocketMessage Create(int length, int charge)
            => new SocketMessage { Data = length > 0 ? new byte[length] : null, Length = length, Charge = charge };

        /// <summary>Hands the descriptors to the caller (who then owns them); null when there are none.</summary>
        public ISocketAttachment? TakeRights()
        {
            ISocketAttachment? r = Rights;
            Rights = null;
            return r;
        }

        public void Free()
        {
            Rights?.Release();
            Rights = null;
            Owned.Free(Data);
            Owned.Free(Address);
            Owned.Free(this);
        }
    }
}
