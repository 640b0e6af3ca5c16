using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// Ancillary data (struct cmsghdr on a 64-bit ABI: a 64-bit length, int level, int type, then the
    /// data, each header aligned to 8 bytes): parsing what sendmsg(2) is given and writing what
    /// recvmsg(2) returns, with Linux's rules for malformed headers and short buffers.
    /// </summary>
    public static class ControlMessages
    {
        public const int HeaderSize = 16;

        public static int Align(int length) => (length + 7) & ~7;
        /// <summary>CMSG_LEN: the header plus <paramref name="dataLength"/> bytes.</summary>
        public static int Length(int dataLength) => HeaderSize + dataLength;
        /// <summary>CMSG_SPACE: the same, padded to the next header's alignment.</summary>
        public static int Space(int dataLength) => HeaderSize + Align(dataLength);

        /// <summary>
        /// Reads sendmsg's control buffer: the descriptors of every SCM_RIGHTS message into
        /// <paramref name="fds"/> (at most <see cref="SocketConstants.SCM_MAX_FD"/> in all) and an
        /// SCM_CREDENTIALS message's (pid, uid, gid). Messages of other levels are skipped, as Linux does;
        /// a header whose length is short or runs past the buffer, an unknown SOL_SOCKET type, a wrong
        /// credentials length or too many descriptors is -EINVAL.
        /// </summary>
        public static int Parse(ReadOnlySpan<byte> control, Span<int> fds, out int fdCount, out bool hasCredentials, out int pid, out uint uid, out uint gid)
        {
            fdCount = 0;
            hasCredentials = false;
            pid = 0;
            uid = gid = 0;
            int at = 0;
            while (control.Length - at >= HeaderSize)
            {
                ulong length = ReadU64(control, at);
                int level = ReadI32(control, at + 8), type = ReadI32(control, at + 12);
                if (length < HeaderSize || length > (ulong)(control.Length - at))
                    return -Errno.EINVAL;
                int dataLength = (int)length - HeaderSize;
                ReadOnlySpan<byte> data = control.Slice(at + HeaderSize, dataLength);
                if (level == SocketConstants.SOL_SOCKET)
                {
                    if (type == SocketConstants.SCM_RIGHTS)
                    {
                        int n = dataLength / 4;
                        if (fdCount + n > SocketConstants.SCM_MAX_FD || n > fds.Length - fdCount)
                            return -Errno.EINVAL;
                        for (int i = 0; i < n; i++)
                            fds[fdCount++] = ReadI32(data, i * 4);
                    }
                    else if (type == SocketConstants.SCM_CREDENTIALS)
                    {
                        if (dataLength != 12)
                            return -Errno.EINVAL;
                        hasCredentials = true;
                        pid = ReadI32(data, 0);
                        uid = (uint)ReadI32(data, 4);
                        gid = (uint)ReadI32(data, 8);
                    }
                    else
                    {
                        return -Errno.EINVAL;
                    }
                }
                int next = Align((int)length);
                if (next > control.Length - at)
                    break;
                at += next;
            }
            return 0;
        }

        /// <summary>
        /// Writes one control message with <paramref name="data"/> at <paramref name="at"/> of recvmsg's
        /// buffer (Linux's put_cmsg): when it does not fit, as much as fits is written and
        /// <paramref name="truncated"/> set. Returns the new offset (the buffer is used up to its end at most).
        /// </summary>
        public static int Put(Span<byte> control, int at, int level, int type, ReadOnlySpan<byte> data, ref bool truncated)
        {
            int room = control.Length - at;
            if (room < HeaderSize)
            {
                truncated = true;
                return at;
            }
            int length = Length(data.Length);
            if (length > room)
            {
                truncated = true;
                length = room;
            }
            WriteHeader(control, at, length, level, type);
            data.Slice(0, length - HeaderSize).CopyTo(control.Slice(at + HeaderSize));
            int space = Space(data.Length);
            return at + (space < room ? space : room);
        }

        /// <summary>
        /// How many of <paramref name="count"/> descriptors fit in an SCM_RIGHTS message at
        /// <paramref name="at"/> (Linux's scm_detach_fds: the rest are closed, MSG_CTRUNC).
        /// </summary>
        public static int RightsThatFit(int controlLength, int at, int count)
        {
            int room = controlLength - at - HeaderSize;
            int max = room > 0 ? room / 4 : 0;
            return count < max ? count : max;
        }

        /// <summary>Writes an SCM_RIGHTS message of <paramref name="fds"/> (which fit: see <see cref="RightsThatFit"/>); returns the new offset.</summary>
        public static int PutRights(Span<byte> control, int at, ReadOnlySpan<int> fds)
        {
            int length = Length(fds.Length * 4);
            WriteHeader(control, at, length, SocketConstants.SOL_SOCKET, SocketConstants.SCM_RIGHTS);
            for (int i = 0; i < fds.Length; i++)
                WriteI32(control, at + HeaderSize + i * 4, fds[i]);
            int space = Space(fds.Length * 4);
            int room = control.Length - at;
            return at + (space < room ? space : room);
        }

        /// <summary>struct ucred (pid, uid, gid) as SCM_CREDENTIALS and SO_PEERCRED carry it.</summary>
        public static void WriteCredentials(Span<byte> destination, int pid, uint uid, uint gid)
        {
            WriteI32(destination, 0, pid);
            WriteI32(destination, 4, (int)uid);
            WriteI32(destination, 8, (int)gid);
        }

        private static void WriteHeader(Span<byte> control, int at, int length, int level, int type)
        {
            for (int i = 0; i < 8; i++)
                control[at + i] = (byte)((ulong)length >> (8 * i));
            WriteI32(control, at + 8, level);
            WriteI32(control, at + 12, type);
        }

        private static ulong ReadU64(ReadOnlySpan<byte> s, int o)
        {
            ulong v = 0;
            for (int i = 7; i >= 0; i--)
                v = v << 8 | s[o + i];
            return v;
        }

        public static int ReadI32(ReadOnlySpan<byte> s, int o) => s[o] | s[o + 1] << 8 | s[o + 2] << 16 | s[o + 3] << 24;

        public static void WriteI32(Span<byte> s, int o, int v)
        {
            s[o] = (byte)v;
            s[o + 1] = (byte)(v >> 8);
            s[o + 2] = (byte)(v >> 16);
            s[o + 3] = (byte)(v >> 24);
        }
    }
}
