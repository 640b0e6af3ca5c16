using System;
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Fs;
using Kernel.Logic.Net;
using Kernel.Logic.Tty;
using Kernel.Memory;
using Kernel.Threading;
using Kernel.Time;

namespace Kernel.Net
{
    /// <summary>
    /// A socket as an open file: what every address family shares (the SOL_SOCKET options, timeouts,
    /// shutdown state, the pending error, peer credentials, fstat and /proc's "socket:[INO]", read and
    /// write as receive and send). A family (<see cref="UnixSocket"/>; AF_INET later) implements the
    /// abstract operations and registers a constructor with <see cref="SocketFamilies"/>.
    /// Every change to a socket's state wakes it (<see cref="Changed"/>): readers, writers, acceptors,
    /// connecters and pollers of a socket all wait on the socket object itself.
    /// </summary>
    public abstract unsafe class Socket : OpenFile
    {
        /// <summary>st_dev of sockets (they live in no mounted file system).</summary>
        private const ulong SockfsDevice = 0x08;
        public const int ReceiveShutdown = 1, SendShutdown = 2, BothShutdown = 3;
        /// <summary>Linux's overflow uid and gid, shown as the peer credentials of a socket that has none.</summary>
        private const uint OverflowId = 65534;

        private static ulong s_nextIno = 1000;

        public readonly int Family, Type, Protocol;
        public readonly ulong Ino;

        public int SendBuffer = SocketBuffers.Default, ReceiveBuffer = SocketBuffers.Default;
        /// <summary>SO_RCVTIMEO and SO_SNDTIMEO in nanoseconds; 0 means wait forever.</summary>
        public ulong ReceiveTimeout, SendTimeout;
        public bool ReuseAddress, KeepAlive, PassCredentials, Broadcast, ReusePort, OobInline, DontRoute, DebugOption;
        public int Priority, ReceiveLowWater = 1;
        public bool Linger;
        public int LingerSeconds;
        /// <summary>SO_ERROR: an asynchronous error, reported once (by SO_ERROR or the next call that fails with it).</summary>
        public int PendingError;
        public bool Listening;
        /// <summary><see cref="ReceiveShutdown"/> and <see cref="SendShutdown"/> bits.</summary>
        public int Shutdown;
        /// <summary>SO_PEERCRED: who the peer was when the connection was made.</summary>
        public bool HasPeerCredentials;
        public int PeerPid;
        public uint PeerUid, PeerGid;
        /// <summary>SO_BINDTODEVICE: the interface index the socket is bound to (0: none).</summary>
        public int BoundDevice;
        /// <summary>A filter was attached to a socket of a family that does not filter (SO_DETACH_FILTER then succeeds once).</summary>
        private bool _filterAttached;

        protected Socket(int family, int type, int protocol, int flags)
        {
            Family = family;
            Type = type;
            Protocol = protocol;
            Flags = OpenFlags.ReadWrite | (flags & OpenFlags.NonBlock);
            Ino = s_nextIno++;
        }

        // ---- what a family implements -------------------------------------------------------------

        public abstract int Bind(ReadOnlySpan<byte> address);
        public virtual int Listen(int backlog) => -Errno.EOPNOTSUPP;
        /// <summary>Takes one connection off a listening socket (waiting unless non-blocking); the new socket's open-file flags are <paramref name="flags"/>.</summary>
        public virtual int Accept(int flags, out Socket? accepted)
        {
            accepted = null;
            return -Errno.EOPNOTSUPP;
        }
        /// <summary>connect(2): 0, or -EINPROGRESS/-EALREADY for a non-blocking connection still being made, or an error.</summary>
        public abstract int Connect(ReadOnlySpan<byte> address);
        /// <summary>Writes the socket's own address (getsockname) and returns its length.</summary>
        public abstract int LocalName(Span<byte> address);
        /// <summary>Writes the peer's address (getpeername) and returns its length, or -ENOTCONN.</summary>
        public abstract int PeerName(Span<byte> address);
        public abstract long Send(ref SendRequest request);
        public abstract long Receive(ref ReceiveRequest request);
        /// <summary>shutdown(2) with the SHUT_* value already checked.</summary>
        public abstract int ShutdownSocket(int how);
        /// <summary>Bytes a read would return now (FIONREAD).</summary>
        public abstract int ReadableBytes { get; }
        /// <summary>Options of the family's own levels (IPPROTO_TCP...): -ENOPROTOOPT unless the family knows them.</summary>
        public virtual int SetFamilyOption(int level, int name, ReadOnlySpan<byte> value) => -Errno.ENOPROTOOPT;
        /// <summary>Writes a family-level option into <paramref name="value"/> (room for 256 bytes) and returns its length.</summary>
        public virtual int GetFamilyOption(int level, int name, Span<byte> value) => -Errno.ENOPROTOOPT;
        /// <summary>
        /// SO_ATTACH_FILTER with a program <see cref="ClassicBpf.Validate"/> accepted; the socket owns the array from now
        /// on. A family that filters nothing (all but AF_PACKET so far) accepts it and frees it.
        /// </summary>
        protected virtual int AttachFilter(byte[] program)
        {
            Owned.Free(program);
            _filterAttached = true;
            return 0;
        }
        /// <summary>SO_DETACH_FILTER: -ENOENT when no filter is attached.</summary>
        protected virtual int DetachFilter()
        {
            if (!_filterAttached)
                return -Errno.ENOENT;
            _filterAttached = false;
            return 0;
        }

        // ---- waiting --------------------------------------------------------------------------------

        /// <summary>Wakes everyone waiting on or polling this socket.</summary>
        public void Changed() => Scheduler.WakeAll(this);

        /// <summary>
        /// Blocks once on <paramref name="channel"/> (call with interrupts masked, after checking the
        /// condition). With a timeout (SO_RCVTIMEO/SO_SNDTIMEO, nanoseconds) the first call fixes the
        /// deadline and a call after it returns -EAGAIN. A signal gives -ERESTARTSYS, or -EINTR when a
        /// timeout is set (Linux does not restart those calls).
        /// </summary>
        protected static int BlockOn(object channel, ulong timeout, ref ulong deadline)
        {
            ulong wake = 0;
            if (timeout != 0)
            {
                if (deadline == 0)
                    deadline = Clock.DeadlineAfter(timeout);
                if (SystemTimer.Counter() >= deadline)
                    return -Errno.EAGAIN;
                wake = deadline;
            }
            int r = Waiting.WaitOn(channel, wake);
            if (r < 0)
                return timeout != 0 ? -Errno.EINTR : -Errno.ERESTARTSYS;
            return 0;
        }

        /// <summary>Takes the pending error (SO_ERROR reads and clears it).</summary>
        public virtual int TakeError()
        {
            int e = PendingError;
            PendingError = 0;
            return e;
        }

        // ---- SOL_SOCKET options -----------------------------------------------------------------------

        public int SetOption(int level, int name, ReadOnlySpan<byte> value)
        {
            if (level != SocketConstants.SOL_SOCKET)
                return SetFamilyOption(level, name, value);
            int r = SetSocketOption(name, value);
            if (r == 0)
                SocketOptionChanged(name);
            return r;
        }

        /// <summary>After a SOL_SOCKET option was set: a family whose protocol keeps its own copy (TCP's buffers, SO_LINGER...) takes it.</summary>
        protected virtual void SocketOptionChanged(int name)
        {
        }

        private int SetSocketOption(int name, ReadOnlySpan<byte> value)
        {
            switch (name)
            {
                case SocketConstants.SO_RCVTIMEO_OLD:
                case SocketConstants.SO_RCVTIMEO_NEW:
                    return SetTimeout(value, ref ReceiveTimeout);
                case SocketConstants.SO_SNDTIMEO_OLD:
                case SocketConstants.SO_SNDTIMEO_NEW:
                    return SetTimeout(value, ref SendTimeout);
                case SocketConstants.SO_BINDTODEVICE:
                    return BindToDevice(value);
                case SocketConstants.SO_ATTACH_FILTER:
                    return SetFilter(value);
                case SocketConstants.SO_DETACH_FILTER:
                    return DetachFilter();
                case SocketConstants.SO_LINGER:
                    {
                        if (value.Length < 8)
                            return -Errno.EINVAL;
                        Linger = ControlMessages.ReadI32(value, 0) != 0;
                        int seconds = ControlMessages.ReadI32(value, 4);
                        LingerSeconds = seconds < 0 ? 0 : seconds;
                        return 0;
                    }
            }
            if (value.Length < 4)
                return -Errno.EINVAL;
            int v = ControlMessages.ReadI32(value, 0);
            bool on = v != 0;
            switch (name)
            {
                case SocketConstants.SO_DEBUG: DebugOption = on; return 0;
                case SocketConstants.SO_REUSEADDR: ReuseAddress = on; return 0;
                case SocketConstants.SO_REUSEPORT: ReusePort = on; return 0;
                case SocketConstants.SO_KEEPALIVE: KeepAlive = on; return 0;
                case SocketConstants.SO_BROADCAST: Broadcast = on; return 0;
                case SocketConstants.SO_OOBINLINE: OobInline = on; return 0;
                case SocketConstants.SO_DONTROUTE: DontRoute = on; return 0;
                case SocketConstants.SO_PASSCRED: PassCredentials = on; return 0;
                case SocketConstants.SO_PRIORITY:
                    if ((v < 0 || v > 6) && Scheduler.Current.Process?.Euid != 0)
                        return -Errno.EPERM;
                    Priority = v;
                    return 0;
                case SocketConstants.SO_RCVLOWAT: ReceiveLowWater = v < 1 ? 1 : v; return 0;
                case SocketConstants.SO_SNDBUF:
                case SocketConstants.SO_SNDBUFFORCE:
                    if (name == SocketConstants.SO_SNDBUFFORCE && Scheduler.Current.Process?.Euid != 0)
                        return -Errno.EPERM;
                    SendBuffer = SocketBuffers.FromUser(v, true);
                    Changed();
                    return 0;
                case SocketConstants.SO_RCVBUF:
                case SocketConstants.SO_RCVBUFFORCE:
                    if (name == SocketConstants.SO_RCVBUFFORCE && Scheduler.Current.Process?.Euid != 0)
                        return -Errno.EPERM;
                    ReceiveBuffer = SocketBuffers.FromUser(v, false);
                    return 0;
                case SocketConstants.SO_TYPE:
                case SocketConstants.SO_ERROR:
                case SocketConstants.SO_PEERCRED:
                case SocketConstants.SO_ACCEPTCONN:
                case SocketConstants.SO_DOMAIN:
                case SocketConstants.SO_PROTOCOL:
                    return -Errno.ENOPROTOOPT;
                default:
                    return -Errno.ENOPROTOOPT;
            }
        }

        /// <summary>SO_BINDTODEVICE: an interface name (empty unbinds); changing a binding needs root (CAP_NET_RAW).</summary>
        private int BindToDevice(ReadOnlySpan<byte> value)
        {
            int n = 0;
            while (n < value.Length && n < InterfaceIoctl.NameSize - 1 && value[n] != 0)
                n++;
            if (BoundDevice != 0 && Scheduler.Current.Process?.Euid != 0)
                return -Errno.EPERM;
            if (n == 0)
            {
                BoundDevice = 0;
                return 0;
            }
            NetInterface? iface = NetSubsystem.Stack?.FindInterface(value.Slice(0, n));
            if (iface == null)
                return -Errno.ENODEV;
            BoundDevice = iface.Index;
            return 0;
        }

        /// <summary>SO_ATTACH_FILTER: a struct sock_fprog {u16 len; struct sock_filter *filter}; the program is read from user memory and checked.</summary>
        private int SetFilter(ReadOnlySpan<byte> value)
        {
            if (value.Length < 16)
                return -Errno.EINVAL;
            int count = LittleEndian.U16(value, 0);
            ulong address = LittleEndian.U64(value, 8);
            if (count == 0 || count > ClassicBpf.MaxInstructions || address == 0)
                return -Errno.EINVAL;
            byte[] program = new byte[count * ClassicBpf.InstructionSize];
            int r = UserMemory.CopyIn(address, program) < 0 ? -Errno.EFAULT : ClassicBpf.Validate(program);
            if (r < 0)
            {
                Owned.Free(program);
                return r;
            }
            return AttachFilter(program);
        }

        /// <summary>A struct timeval (two 64-bit words) as SO_RCVTIMEO/SO_SNDTIMEO take it: {0, 0} is no timeout.</summary>
        private static int SetTimeout(ReadOnlySpan<byte> value, ref ulong timeout)
        {
            if (value.Length < 16)
                return -Errno.EINVAL;
            long seconds = ReadI64(value, 0), micros = ReadI64(value, 8);
            if (micros < 0 || micros >= 1_000_000)
                return -Errno.EDOM;
            if (seconds < 0)
            {
                timeout = 0;
                return 0;
            }
            ulong ns = (ulong)seconds * 1_000_000_000 + (ulong)micros * 1000;
            if (seconds > 100_000_000)
                ns = 0; // longer than Linux can count in jiffies: forever
            timeout = ns;
            return 0;
        }

        /// <summary>Writes the option's value into <paramref name="value"/> (room for 256 bytes); returns its length.</summary>
        public int GetOption(int level, int name, Span<byte> value)
        {
            if (level != SocketConstants.SOL_SOCKET)
                return GetFamilyOption(level, name, value);
            switch (name)
            {
                case SocketConstants.SO_RCVTIMEO_OLD:
                case SocketConstants.SO_RCVTIMEO_NEW:
                    return PutTimeout(value, ReceiveTimeout);
                case SocketConstants.SO_SNDTIMEO_OLD:
                case SocketConstants.SO_SNDTIMEO_NEW:
                    return PutTimeout(value, SendTimeout);
                case SocketConstants.SO_LINGER:
                    ControlMessages.WriteI32(value, 0, Linger ? 1 : 0);
                    ControlMessages.WriteI32(value, 4, LingerSeconds);
                    return 8;
                case SocketConstants.SO_BINDTODEVICE:
                    {
                        NetInterface? iface = BoundDevice != 0 ? NetSubsystem.Stack?.FindInterface(BoundDevice) : null;
                        if (iface == null)
                            return 0;
                        iface.Name.CopyTo(value);
                        value[iface.Name.Length] = 0;
                        return iface.Name.Length + 1;
                    }
                case SocketConstants.SO_PEERCRED:
                    if (HasPeerCredentials)
                        ControlMessages.WriteCredentials(value, PeerPid, PeerUid, PeerGid);
                    else
                        ControlMessages.WriteCredentials(value, 0, OverflowId, OverflowId);
                    return 12;
            }
            int v;
            switch (name)
            {
                case SocketConstants.SO_DEBUG: v = DebugOption ? 1 : 0; break;
                case SocketConstants.SO_REUSEADDR: v = ReuseAddress ? 1 : 0; break;
                case SocketConstants.SO_REUSEPORT: v = ReusePort ? 1 : 0; break;
                case SocketConstants.SO_KEEPALIVE: v = KeepAlive ? 1 : 0; break;
                case SocketConstants.SO_BROADCAST: v = Broadcast ? 1 : 0; break;
                case SocketConstants.SO_OOBINLINE: v = OobInline ? 1 : 0; break;
                case SocketConstants.SO_DONTROUTE: v = DontRoute ? 1 : 0; break;
                case SocketConstants.SO_PASSCRED: v = PassCredentials ? 1 : 0; break;
                case SocketConstants.SO_PRIORITY: v = Priority; break;
                case SocketConstants.SO_RCVLOWAT: v = ReceiveLowWater; break;
                case SocketConstants.SO_SNDLOWAT: v = 1; break;
                case SocketConstants.SO_SNDBUF: v = SendBuffer; break;
                case SocketConstants.SO_RCVBUF: v = ReceiveBuffer; break;
                case SocketConstants.SO_TYPE: v = Type; break;
                case SocketConstants.SO_DOMAIN: v = Family; break;
                case SocketConstants.SO_PROTOCOL: v = Protocol; break;
                case SocketConstants.SO_ACCEPTCONN: v = Listening ? 1 : 0; break;
                case SocketConstants.SO_ERROR: v = TakeError(); break;
                default: return -Errno.ENOPROTOOPT;
            }
            ControlMessages.WriteI32(value, 0, v);
            return 4;
        }

        private static int PutTimeout(Span<byte> value, ulong ns)
        {
            WriteI64(value, 0, (long)(ns / 1_000_000_000));
            WriteI64(value, 8, (long)(ns % 1_000_000_000 / 1000));
            return 16;
        }

        private static long ReadI64(ReadOnlySpan<byte> s, int o) => (long)(uint)ControlMessages.ReadI32(s, o) | (long)ControlMessages.ReadI32(s, o + 4) << 32;

        private static void WriteI64(Span<byte> s, int o, long v)
        {
            ControlMessages.WriteI32(s, o, (int)v);
            ControlMessages.WriteI32(s, o + 4, (int)(v >> 32));
        }

        // ---- the open file ------------------------------------------------------------------------------

        public override bool TakesWholeRequests => true;

        public override long ReadVectors(ref IoVectors vectors)
        {
            var request = new ReceiveRequest { Data = vectors };
            long r = Receive(ref request);
            request.Rights?.Release();
            return r;
        }

        public override long WriteVectors(ref IoVectors vectors)
        {
            var request = new SendRequest { Data = vectors };
            return Send(ref request);
        }

        public override long Read(Span<byte> destination)
        {
            fixed (byte* p = destination)
            {
                IoVectors v = IoVectors.ForKernel(p, destination.Length);
                return ReadVectors(ref v);
            }
        }

        public override long Write(ReadOnlySpan<byte> source)
        {
            fixed (byte* p = source)
            {
                IoVectors v = IoVectors.ForKernel(p, source.Length);
                return WriteVectors(ref v);
            }
        }

        public override int Ioctl(uint command, ulong argument)
        {
            if (command == TtyIoctl.FIONREAD)
                return Listening ? -Errno.EINVAL : UserMemory.Write(argument, ReadableBytes);
            return InterfaceRequests.Ioctl(this, command, argument);
        }

        /// <summary>Sockets show as S_IFSOCK with mode 0777, as Linux's sockfs inodes.</summary>
        public override int Stat(Span<byte> stat) => StatLayout.WriteStat(stat, SockfsDevice, Ino, InodeMode.S_IFSOCK | 0x1FF, 0);

        public override int Describe(Span<byte> text, Inode root)
        {
            var t = new TextBuilder(text);
            t.Append("socket:["u8);
            t.Decimal(Ino);
            t.Append((byte)']');
            return t.Length;
        }

        /// <summary>Raises SIGPIPE for an EPIPE from a send without MSG_NOSIGNAL, and passes the result on.</summary>
        protected static long BrokenPipe(int flags)
        {
            if ((flags & SocketConstants.MSG_NOSIGNAL) == 0)
                Scheduler.Current.Process?.SendSignal(Logic.Process.Signals.SIGPIPE);
            return -Errno.EPIPE;
        }

        /// <summary>Whether a call with these MSG_* flags must not block.</summary>
        protected bool DontWait(int flags) => NonBlocking || (flags & SocketConstants.MSG_DONTWAIT) != 0;

        /// <summary>Masks interrupts (for a check-then-block sequence); returns what to restore.</summary>
        protected static ulong Mask() => Cpu.SaveAndDisableInterrupts();
        protected static void Unmask(ulong daif) => Cpu.RestoreInterrupts(daif);
    }
}
