using System;
using Kernel.Fs;

namespace Kernel.Net
{
    /// <summary>
    /// One receive (read, recvfrom, recvmsg) as a socket serves it: the buffers and MSG_* flags in; the
    /// sender's address (<see cref="Address"/> has room for a sockaddr_storage; <see cref="AddressLength"/>
    /// 0 when none), the flags recvmsg reports (MSG_TRUNC...), descriptors received (the caller owns them)
    /// and the sender's credentials out.
    /// </summary>
    public ref struct ReceiveRequest
    {
        public IoVectors Data;
        public int Flags;
        public Span<byte> Address;
        public int AddressLength;
        public int OutFlags;
        public FileRights? Rights;
        public bool HasCredentials;
        public int Pid;
        public uint Uid, Gid;
    }
}
