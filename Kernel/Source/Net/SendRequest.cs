using System;
using Kernel.Fs;

namespace Kernel.Net
{
    /// <summary>
    /// One send (write, sendto, sendmsg) as a socket gets it: the bytes, MSG_* flags, a destination
    /// address (empty: the connected peer), descriptors to pass (owned by the request until a socket
    /// takes them) and credentials the sender asked to pass (SCM_CREDENTIALS, already checked).
    /// </summary>
    public ref struct SendRequest
    {
        public IoVectors Data;
        public int Flags;
        public ReadOnlySpan<byte> Address;
        public FileRights? Rights;
        public bool HasCredentials;
        public int Pid;
        public uint Uid, Gid;
    }
}
