using System;
using Kernel.Logic;
using Kernel.Logic.Net;
using Kernel.Threading;

namespace Kernel.Net
{
    /// <summary>
    /// What AF_INET sockets share: socket(2)'s choice of protocol, sockaddr_in, the IPPROTO_IP options, the
    /// way into the stack and the way out of a close. Every call into the stack (<see cref="EnterStack"/>)
    /// sets its clock and marks a stack entry, so what is looped back to us is delivered when the call
    /// leaves, never inside the transport that sent it. The stack's lock is the kernel itself: kernel code
    /// is not preempted and no stack call blocks, interrupt handlers only wake the <c>net</c> thread.
    /// The socket waits on its endpoint (<see cref="WaitChannel"/>), which the stack wakes through
    /// <see cref="NetWaker"/>. A socket closed while another thread of the process waits in it keeps its
    /// endpoint until that call returns (Linux's file reference held by a system call in progress).
    /// </summary>
    public abstract unsafe class InetSocket : Socket
    {
        public const int IPPROTO_IP = 0, IPPROTO_ICMP = 1, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41;
        public const int IP_TOS = 1, IP_TTL = 2, IP_PKTINFO = 8, IP_MTU_DISCOVER = 10, IP_RECVERR = 11;

        private int _calls;
        private bool _closed;
        private int _tos, _ttl = NetStack.DefaultTtl, _mtuDiscover;

        protected InetSocket(int type, int protocol, int flags) : base(SocketConstants.AF_INET, type, protocol, flags)
        {
        }

        /// <summary>The family's constructor (<see cref="SocketFamilies"/>), with Linux's inet_create choices and errors.</summary>
        public static int Create(int type, int protocol, int flags, out Socket? socket)
        {
            socket = null;
            NetStack? stack = NetSubsystem.Stack;
            if (stack == null || NetSubsystem.Tcp == null)
                return -Errno.EAFNOSUPPORT;
            uint uid = Scheduler.Current.Process?.Euid ?? 0;
            switch (type)
            {
                case SocketConstants.SOCK_STREAM:
                    if (protocol != 0 && protocol != IPPROTO_TCP)
                        return -Errno.EPROTONOSUPPORT;
                    socket = new InetStreamSocket(NetSubsystem.Tcp.CreateSocket(), flags);
                    return 0;
                case SocketConstants.SOCK_DGRAM:
                    if (protocol == 0 || protocol == IPPROTO_UDP)
                    {
                        socket = new InetDatagramSocket(stack.CreateUdp(), flags);
                        return 0;
                    }
                    if (protocol == IPPROTO_ICMP)
                    {
                        // Ping sockets: allowed to every group, as net.ipv4.ping_group_range "0 2147483647"
                        // (what systemd sets on current distributions; the kernel's own default allows none).
                        socket = new InetDatagramSocket(stack.CreateIcmp(raw: false), SocketConstants.SOCK_DGRAM, flags);
                        return 0;
                    }
                    return -Errno.EPROTONOSUPPORT;
                case SocketConstants.SOCK_RAW:
                    if (uid != 0)
                        return -Errno.EPERM;
                    if (protocol == InetRawIpSocket.IPPROTO_RAW)
                    {
                        socket = new InetRawIpSocket(flags);
                        return 0;
                    }
                    if (protocol != IPPROTO_ICMP)
                        return -Errno.EPROTONOSUPPORT;
                    socket = new InetDatagramSocket(stack.CreateIcmp(raw: true), SocketConstants.SOCK_RAW, flags);
                    return 0;
                default:
                    return -Errno.ESOCKTNOSUPPORT;
            }
        }

        protected static NetStack Stack => NetSubsystem.Stack!;

        /// <summary>Enters the stack for one call from a system call; returns the stack's time. Pair with <see cref="LeaveStack"/>.</summary>
        protected static ulong EnterStack()
        {
            NetStack stack = NetSubsystem.Stack!;
            stack.Now = NetSubsystem.NowMs();
            stack.Enter();
            return stack.Now;
        }

        protected static void LeaveStack() => NetSubsystem.Stack!.Leave();

        protected static uint CallerUid => Scheduler.Current.Process?.Euid ?? 0;

        /// <summary>Whether binding <paramref name="port"/> needs privilege the caller lacks (ports below 1024, as Linux's ip_unprivileged_port_start).</summary>
        protected static bool PortNeedsRoot(ushort port) => port != 0 && port < 1024 && CallerUid != 0;

        // ---- calls that may block: the endpoint outlives a close made meanwhile -------------------------

        protected void BeginCall() => _calls++;

        /// <summary>Ends a call begun with <see cref="BeginCall"/>; the last one out of a socket closed meanwhile closes and frees it.</summary>
        protected void EndCall()
        {
            if (--_calls == 0 && _closed)
            {
                CloseEndpoint();
                Owned.Free(this);
            }
        }

        /// <summary>Lets go of the endpoint (TCP: the connection closes in the stack's own time).</summary>
        protected abstract void CloseEndpoint();

        protected override void Closed()
        {
            _closed = true;
            if (_calls == 0)
                CloseEndpoint();
            base.Closed();
        }

        protected override void FreeObject()
        {
            if (_calls == 0)
                Owned.Free(this);
        }

        /// <summary>Blocks once on the endpoint (interrupts masked by the caller): 0, -EAGAIN after the timeout, -EINTR/-ERESTARTSYS for a signal.</summary>
        protected int Wait(ulong timeout, ref ulong deadline) => BlockOn(WaitChannel, timeout, ref deadline);

        // ---- options ----------------------------------------------------------------------------------

        public override int SetFamilyOption(int level, int name, ReadOnlySpan<byte> value)
        {
            if (level != IPPROTO_IP)
                return -Errno.ENOPROTOOPT;
            if (value.Length < 4 && value.Length != 1)
                return -Errno.EINVAL;
            int v = value.Length == 1 ? value[0] : ControlMessages.ReadI32(value, 0);
            switch (name)
            {
                case IP_TOS:
                    _tos = v & 0xFF & ~3; // the ECN bits are not the user's (Linux keeps them)
                    return 0;
                case IP_TTL:
                    if (v == -1)
                        v = NetStack.DefaultTtl;
                    if (v < 1 || v > 255)
                        return -Errno.EINVAL;
                    _ttl = v;
                    return 0;
                case IP_MTU_DISCOVER:
                    if (v < 0 || v > 5)
                        return -Errno.EINVAL;
                    _mtuDiscover = v;
                    return 0;
                default:
                    return -Errno.ENOPROTOOPT;
            }
        }

        public override int GetFamilyOption(int level, int name, Span<byte> value)
        {
            if (level != IPPROTO_IP)
                return -Errno.ENOPROTOOPT;
            int v;
            switch (name)
            {
                case IP_TOS: v = _tos; break;
                case IP_TTL: v = _ttl; break;
                case IP_MTU_DISCOVER: v = _mtuDiscover; break;
                default: return -Errno.ENOPROTOOPT;
            }
            ControlMessages.WriteI32(value, 0, v);
            return 4;
        }
    }
}
