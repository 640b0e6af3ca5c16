using System;
using Kernel.Arch;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Net;
using Kernel.Memory;
using Kernel.Processes;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Net
{
    /// <summary>
    /// The socket system calls: arguments read and checked here (addresses, iovecs, msghdr, control
    /// messages, option buffers), the work done by the <see cref="Socket"/> of the descriptor's family.
    /// </summary>
    public static unsafe class SocketSyscalls
    {
        private const int MsghdrSize = 56;
        private const int OptionRoom = 256;
        /// <summary>The most control bytes recvmsg builds (every descriptor one message can carry, plus credentials).</summary>
        private const int ReceiveControlRoom = 2048;

        public static void Register()
        {
            SocketFamilies.Initialize();
            Syscalls.Register("socket"u8, &SocketCall);
            Syscalls.Register("socketpair"u8, &Socketpair);
            Syscalls.Register("bind"u8, &Bind);
            Syscalls.Register("listen"u8, &Listen);
            Syscalls.Register("accept"u8, &Accept);
            Syscalls.Register("accept4"u8, &Accept4);
            Syscalls.Register("connect"u8, &Connect);
            Syscalls.Register("getsockname"u8, &Getsockname);
            Syscalls.Register("getpeername"u8, &Getpeername);
            Syscalls.Register("sendto"u8, &Sendto);
            Syscalls.Register("recvfrom"u8, &Recvfrom);
            Syscalls.Register("setsockopt"u8, &Setsockopt);
            Syscalls.Register("getsockopt"u8, &Getsockopt);
            Syscalls.Register("shutdown"u8, &ShutdownCall);
            Syscalls.Register("sendmsg"u8, &Sendmsg);
            Syscalls.Register("recvmsg"u8, &Recvmsg);
        }

        /// <summary>The caller's socket for <paramref name="fd"/>: -EBADF for no file, -ENOTSOCK for another kind.</summary>
        private static int SocketOf(int fd, out Socket? socket)
        {
            OpenFile? f = File(fd);
            socket = f as Socket;
            if (f == null)
                return -Errno.EBADF;
            return socket == null ? -Errno.ENOTSOCK : 0;
        }

        /// <summary>Reads a socket address argument (move_addr_to_kernel): a length beyond sockaddr_storage or negative is -EINVAL.</summary>
        private static int ReadAddress(ulong address, ulong length, Span<byte> buffer, out int n)
        {
            n = 0;
            if ((int)length < 0 || (int)length > SocketConstants.SockaddrStorage)
                return -Errno.EINVAL;
            n = (int)length;
            if (n == 0)
                return 0;
            return UserMemory.CopyIn(address, buffer.Slice(0, n)) < 0 ? -Errno.EFAULT : 0;
        }

        /// <summary>Gives an address back (move_addr_to_user): as much as the caller's length allows, and the full length in *<paramref name="lengthAddress"/>.</summary>
        private static int WriteAddress(ReadOnlySpan<byte> address, ulong destination, ulong lengthAddress)
        {
            if (UserMemory.Read(lengthAddress, out int room) < 0)
                return -Errno.EFAULT;
            if (room < 0)
                return -Errno.EINVAL;
            int n = room < address.Length ? room : address.Length;
            if (n > 0 && UserMemory.CopyOut(destination, address.Slice(0, n)) < 0)
                return -Errno.EFAULT;
            return UserMemory.Write(lengthAddress, address.Length) < 0 ? -Errno.EFAULT : 0;
        }

        private static int InstallSocket(Socket socket, int typeFlags)
            => Current.Files!.Install(socket, (typeFlags & SocketConstants.SOCK_CLOEXEC) != 0);

        private static long SocketCall(TrapFrame* f)
        {
            int family = Int(f, 0), type = Int(f, 1), protocol = Int(f, 2);
            int r = SplitType(type, out int baseType, out int flags);
            if (r < 0)
                return r;
            r = SocketFamilies.Create(family, baseType, protocol, flags & OpenFlags.NonBlock, out Socket? socket);
            if (r < 0)
                return r;
            return InstallSocket(socket!, flags);
        }

        /// <summary>socket(2)'s type: the SOCK_* base type and the SOCK_NONBLOCK/SOCK_CLOEXEC flags (anything else EINVAL).</summary>
        private static int SplitType(int type, out int baseType, out int flags)
        {
            baseType = type & SocketConstants.SOCK_TYPE_MASK;
            flags = type & ~SocketConstants.SOCK_TYPE_MASK;
            if ((flags & ~(SocketConstants.SOCK_NONBLOCK | SocketConstants.SOCK_CLOEXEC)) != 0 || baseType >= SocketConstants.SOCK_MAX)
                return -Errno.EINVAL;
            return 0;
        }

        private static long Socketpair(TrapFrame* f)
        {
            int family = Int(f, 0), type = Int(f, 1), protocol = Int(f, 2);
            int r = SplitType(type, out int baseType, out int flags);
            if (r < 0)
                return r;
            r = SocketFamilies.CreatePair(family, baseType, protocol, flags & OpenFlags.NonBlock, out Socket? a, out Socket? b);
            if (r < 0)
                return r;
            FdTable table = Current.Files!;
            int fa = InstallSocket(a!, flags);
            if (fa < 0)
            {
                b!.Release();
                return fa;
            }
            int fb = InstallSocket(b!, flags);
            if (fb < 0)
            {
                table.Close(fa);
                return fb;
            }
            if (UserMemory.Write(f->X[3], fa) < 0 || UserMemory.Write(f->X[3] + 4, fb) < 0)
            {
                table.Close(fa);
                table.Close(fb);
                return -Errno.EFAULT;
            }
            return 0;
        }

        private static long Bind(TrapFrame* f)
        {
            int r = SocketOf(Int(f, 0), out Socket? s);
            if (r < 0)
                return r;
            Span<byte> address = stackalloc byte[SocketConstants.SockaddrStorage];
            r = ReadAddress(f->X[1], f->X[2], address, out int n);
            return r < 0 ? r : s!.Bind(address.Slice(0, n));
        }

        private static long Listen(TrapFrame* f)
        {
            int r = SocketOf(Int(f, 0), out Socket? s);
            return r < 0 ? r : s!.Listen(Int(f, 1));
        }

        private static long Connect(TrapFrame* f)
        {
            int r = SocketOf(Int(f, 0), out Socket? s);
            if (r < 0)
                return r;
            Span<byte> address = stackalloc byte[SocketConstants.SockaddrStorage];
            r = ReadAddress(f->X[1], f->X[2], address, out int n);
            return r < 0 ? r : s!.Connect(address.Slice(0, n));
        }

        private static long Accept(TrapFrame* f) => AcceptWith(f, 0);

        private static long Accept4(TrapFrame* f) => AcceptWith(f, Int(f, 3));

        private static long AcceptWith(TrapFrame* f, int flags)
        {
            if ((flags & ~(SocketConstants.SOCK_NONBLOCK | SocketConstants.SOCK_CLOEXEC)) != 0)
                return -Errno.EINVAL;
            int r = SocketOf(Int(f, 0), out Socket? s);
            if (r < 0)
                return r;
            r = s!.Accept(flags & OpenFlags.NonBlock, out Socket? accepted);
            if (r < 0)
                return r;
            if (f->X[1] != 0)
            {
                Span<byte> address = stackalloc byte[SocketConstants.SockaddrStorage];
                int n = accepted!.PeerName(address);
                r = n < 0 ? n : WriteAddress(address.Slice(0, n), f->X[1], f->X[2]);
                if (r < 0)
                {
                    accepted.Release();
                    return r;
                }
            }
            return InstallSocket(accepted!, flags);
        }

        private static long Getsockname(TrapFrame* f) => Name(f, false);
        private static long Getpeername(TrapFrame* f) => Name(f, true);

        private static long Name(TrapFrame* f, bool peer)
        {
            int r = SocketOf(Int(f, 0), out Socket? s);
            if (r < 0)
                return r;
            Span<byte> address = stackalloc byte[SocketConstants.SockaddrStorage];
            int n = peer ? s!.PeerName(address) : s!.LocalName(address);
            return n < 0 ? n : WriteAddress(address.Slice(0, n), f->X[1], f->X[2]);
        }

        private static long Sendto(TrapFrame* f)
        {
            int r = SocketOf(Int(f, 0), out Socket? s);
            if (r < 0)
                return r;
            Span<byte> address = stackalloc byte[SocketConstants.SockaddrStorage];
            int n = 0;
            if (f->X[4] != 0)
            {
                r = ReadAddress(f->X[4], f->X[5], address, out n);
                if (r < 0)
                    return r;
            }
            ulong* pair = stackalloc ulong[2];
            var request = new SendRequest
            {
                Data = IoVectors.ForUser(pair, f->X[1], f->X[2]),
                Flags = Int(f, 3),
                Address = address.Slice(0, n),
            };
            return s!.Send(ref request);
        }

        private static long Recvfrom(TrapFrame* f)
        {
            int r = SocketOf(Int(f, 0), out Socket? s);
            if (r < 0)
                return r;
            Span<byte> address = stackalloc byte[SocketConstants.SockaddrStorage];
            ulong* pair = stackalloc ulong[2];
            var request = new ReceiveRequest
            {
                Data = IoVectors.ForUser(pair, f->X[1], f->X[2]),
                Flags = Int(f, 3),
                Address = f->X[4] != 0 ? address : default,
            };
            long n = s!.Receive(ref request);
            request.Rights?.Release();
            if (n >= 0 && f->X[4] != 0)
            {
                r = WriteAddress(address.Slice(0, request.AddressLength), f->X[4], f->X[5]);
                if (r < 0)
                    return r;
            }
            return n;
        }

        private static long Setsockopt(TrapFrame* f)
        {
            int r = SocketOf(Int(f, 0), out Socket? s);
            if (r < 0)
                return r;
            int length = Int(f, 4);
            if (length < 0)
                return -Errno.EINVAL;
            Span<byte> value = stackalloc byte[OptionRoom];
            int n = length < OptionRoom ? length : OptionRoom;
            if (n > 0 && UserMemory.CopyIn(f->X[3], value.Slice(0, n)) < 0)
                return -Errno.EFAULT;
            return s!.SetOption(Int(f, 1), Int(f, 2), value.Slice(0, n));
        }

        private static long Getsockopt(TrapFrame* f)
        {
            int r = SocketOf(Int(f, 0), out Socket? s);
            if (r < 0)
                return r;
            if (UserMemory.Read(f->X[4], out int room) < 0)
                return -Errno.EFAULT;
            if (room < 0)
                return -Errno.EINVAL;
            Span<byte> value = stackalloc byte[OptionRoom];
            int n = s!.GetOption(Int(f, 1), Int(f, 2), value);
            if (n < 0)
                return n;
            if (n > room)
                n = room;
            if (n > 0 && UserMemory.CopyOut(f->X[3], value.Slice(0, n)) < 0)
                return -Errno.EFAULT;
            return UserMemory.Write(f->X[4], n) < 0 ? -Errno.EFAULT : 0;
        }

        private static long ShutdownCall(TrapFrame* f)
        {
            int r = SocketOf(Int(f, 0), out Socket? s);
            if (r < 0)
                return r;
            int how = Int(f, 1);
            if (how < SocketConstants.SHUT_RD || how > SocketConstants.SHUT_RDWR)
                return -Errno.EINVAL;
            return s!.ShutdownSocket(how);
        }

        /// <summary>struct msghdr's fields (64-bit layout).</summary>
        private struct MessageHeader
        {
            public ulong Name;
            public int NameLength;
            public ulong Iov;
            public ulong IovLength;
            public ulong Control;
            public ulong ControlLength;
        }

        private static int ReadHeader(ulong address, out MessageHeader h)
        {
            h = default;
            if (UserMemory.Read(address, out h.Name) < 0 || UserMemory.Read(address + 8, out h.NameLength) < 0
                || UserMemory.Read(address + 16, out h.Iov) < 0 || UserMemory.Read(address + 24, out h.IovLength) < 0
                || UserMemory.Read(address + 32, out h.Control) < 0 || UserMemory.Read(address + 40, out h.ControlLength) < 0)
                return -Errno.EFAULT;
            if (h.NameLength < 0)
                return -Errno.EINVAL;
            if (h.NameLength > SocketConstants.SockaddrStorage)
                h.NameLength = SocketConstants.SockaddrStorage;
            if (h.IovLength > IoVectors.MaxCount)
                return -Errno.EMSGSIZE;
            return 0;
        }

        private static long Sendmsg(TrapFrame* f)
        {
            int r = SocketOf(Int(f, 0), out Socket? s);
            if (r < 0)
                return r;
            r = ReadHeader(f->X[1], out MessageHeader h);
            if (r < 0)
                return r;
            Span<byte> address = stackalloc byte[SocketConstants.SockaddrStorage];
            int nameLength = 0;
            if (h.Name != 0 && h.NameLength > 0)
            {
                if (UserMemory.CopyIn(h.Name, address.Slice(0, h.NameLength)) < 0)
                    return -Errno.EFAULT;
                nameLength = h.NameLength;
            }
            var request = new SendRequest { Flags = Int(f, 2), Address = address.Slice(0, nameLength) };
            if (h.ControlLength > 0)
            {
                r = ReadControl(s!, h.Control, h.ControlLength, ref request);
                if (r < 0)
                    return r;
            }
            int count = (int)h.IovLength;
            ulong[] pairs = new ulong[2 * (count > 0 ? count : 1)];
            long result;
            fixed (ulong* p = pairs)
            {
                result = IoVectors.Load(h.Iov, count, p, out request.Data);
                if (result == 0)
                    result = s!.Send(ref request);
            }
            Owned.Free(pairs);
            request.Rights?.Release();
            return result;
        }

        /// <summary>sendmsg's control messages: SCM_RIGHTS (each descriptor held in <see cref="FileRights"/>) and SCM_CREDENTIALS (checked: others' ids need root).</summary>
        private static int ReadControl(Socket s, ulong control, ulong length, ref SendRequest request)
        {
            if (length > SocketConstants.OptmemMax)
                return -Errno.ENOBUFS;
            byte[] buffer = new byte[(int)length];
            int r;
            int* fds = stackalloc int[SocketConstants.SCM_MAX_FD];
            if (UserMemory.CopyIn(control, buffer) < 0)
            {
                Owned.Free(buffer);
                return -Errno.EFAULT;
            }
            r = ControlMessages.Parse(buffer, new Span<int>(fds, SocketConstants.SCM_MAX_FD), out int fdCount, out bool hasCredentials, out int pid, out uint uid, out uint gid);
            Owned.Free(buffer);
            if (r < 0)
                return r;
            if ((fdCount > 0 || hasCredentials) && s.Family != SocketConstants.AF_UNIX)
                return -Errno.EINVAL;
            Process p = Current;
            if (hasCredentials)
            {
                bool root = p.Euid == 0;
                if ((pid != p.Pid && !root) || (uid != p.Uid && uid != p.Euid && uid != p.Suid && !root)
                    || (gid != p.Gid && gid != p.Egid && gid != p.Sgid && !root))
                    return -Errno.EPERM;
                request.HasCredentials = true;
                request.Pid = pid;
                request.Uid = uid;
                request.Gid = gid;
            }
            if (fdCount > 0)
            {
                for (int i = 0; i < fdCount; i++)
                    if (p.Files!.Get(fds[i]) == null)
                        return -Errno.EBADF;
                if (p.Euid != 0 && !FileRights.MayPass(p.Uid, p.Files!.Limit))
                    return -Errno.ETOOMANYREFS;
                var rights = new FileRights(fdCount, p.Uid);
                for (int i = 0; i < fdCount; i++)
                {
                    OpenFile file = p.Files!.Get(fds[i])!;
                    file.Acquire();
                    rights.Files[i] = file;
                }
                request.Rights = rights;
            }
            return 0;
        }

        private static long Recvmsg(TrapFrame* f)
        {
            int r = SocketOf(Int(f, 0), out Socket? s);
            if (r < 0)
                return r;
            ulong header = f->X[1];
            r = ReadHeader(header, out MessageHeader h);
            if (r < 0)
                return r;
            int flags = Int(f, 2);
            Span<byte> address = stackalloc byte[SocketConstants.SockaddrStorage];
            var request = new ReceiveRequest { Flags = flags, Address = h.Name != 0 ? address : default };
            int count = (int)h.IovLength;
            ulong[] pairs = new ulong[2 * (count > 0 ? count : 1)];
            long result;
            fixed (ulong* p = pairs)
            {
                result = IoVectors.Load(h.Iov, count, p, out request.Data);
                if (result == 0)
                    result = s!.Receive(ref request);
            }
            Owned.Free(pairs);
            if (result < 0)
            {
                request.Rights?.Release();
                return result;
            }
            int outFlags = request.OutFlags;
            int controlUsed = WriteControl(ref request, h.Control, h.ControlLength, (flags & SocketConstants.MSG_CMSG_CLOEXEC) != 0, ref outFlags);
            if (controlUsed < 0)
                return controlUsed;
            if (h.Name != 0)
            {
                int n = request.AddressLength < h.NameLength ? request.AddressLength : h.NameLength;
                if (n > 0 && UserMemory.CopyOut(h.Name, address.Slice(0, n)) < 0)
                    return -Errno.EFAULT;
            }
            if (UserMemory.Write(header + 8, h.Name != 0 ? request.AddressLength : 0) < 0
                || UserMemory.Write(header + 40, (ulong)controlUsed) < 0
                || UserMemory.Write(header + 48, outFlags) < 0)
                return -Errno.EFAULT;
            return result;
        }

        /// <summary>
        /// recvmsg's control messages: credentials (when the socket passes them), then the received
        /// descriptors installed in the caller's table, as many as fit (the rest closed, MSG_CTRUNC).
        /// Returns the control bytes written.
        /// </summary>
        private static int WriteControl(ref ReceiveRequest request, ulong control, ulong controlLength, bool closeOnExec, ref int outFlags)
        {
            FileRights? rights = request.Rights;
            request.Rights = null;
            if (!request.HasCredentials && rights == null)
                return 0;
            int room = control == 0 ? 0 : controlLength > ReceiveControlRoom ? ReceiveControlRoom : (int)controlLength;
            byte[] buffer = new byte[room > 0 ? room : 1];
            Span<byte> output = new Span<byte>(buffer, 0, room);
            int at = 0;
            bool truncated = false;
            if (request.HasCredentials)
            {
                Span<byte> ucred = stackalloc byte[12];
                ControlMessages.WriteCredentials(ucred, request.Pid, request.Uid, request.Gid);
                at = ControlMessages.Put(output, at, SocketConstants.SOL_SOCKET, SocketConstants.SCM_CREDENTIALS, ucred, ref truncated);
            }
            if (rights != null)
            {
                int fit = ControlMessages.RightsThatFit(room, at, rights.Count);
                int* fds = stackalloc int[SocketConstants.SCM_MAX_FD];
                int installed = 0;
                FdTable table = Current.Files!;
                for (int i = 0; i < fit; i++)
                {
                    OpenFile file = rights.Take(i)!;
                    int fd = table.Install(file, closeOnExec);
                    if (fd < 0)
                        break; // Install released it
                    fds[installed++] = fd;
                }
                if (installed < rights.Count)
                    truncated = true;
                if (installed > 0)
                    at = ControlMessages.PutRights(output, at, new ReadOnlySpan<int>(fds, installed));
                rights.Release();
            }
            if (truncated)
                outFlags |= SocketConstants.MSG_CTRUNC;
            int result = at;
            if (at > 0 && UserMemory.CopyOut(control, output.Slice(0, at)) < 0)
                result = -Errno.EFAULT;
            Owned.Free(buffer);
            return result;
        }
    }
}
