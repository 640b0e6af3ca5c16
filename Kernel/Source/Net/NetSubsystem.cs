using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Drivers;
using Kernel.Drivers.Virtio;
using Kernel.Logic;
using Kernel.Logic.Net;
using Kernel.Logic.Net.Tcp;
using Kernel.Threading;

namespace Kernel.Net
{
    /// <summary>
    /// The network subsystem: owns the <see cref="NetStack"/> (lo, and eth0... for each virtio-net card),
    /// configures eth0 from the <c>ip=</c> boot argument (Linux's syntax; without one, DHCP when there is a
    /// card: Linux itself configures nothing without ip=, but a guest is expected to be reachable), and
    /// runs the "net" kernel thread: it takes received frames (woken by the card's interrupt), runs the
    /// stack's timers at the deadlines <see cref="NetStack.Poll"/> gives, and logs each new lease as Linux's
    /// ipconfig does. Socket calls use <see cref="Stack"/> from their own threads (the kernel is not preempted).
    /// The boot argument <c>netping</c> pings the gateway once configured and logs the reply (a self-test).
    /// </summary>
    public static unsafe class NetSubsystem
    {
        private const int ReceiveBudget = 64;

        private static KernelThread? s_thread;
        private static bool s_pending;
        private static NetInterface? s_eth0;
        private static VirtioNet? s_nic;
        private static int s_loggedVersion;
        private static bool s_ping;
        private static IcmpSocket? s_pingSocket;
        private static ulong s_pingSentAt;
        /// <summary>How long the boot waits for a DHCP answer before starting user space anyway.</summary>
        private const ulong ConfigurationWaitMs = 5000;

        public static NetStack? Stack { get; private set; }
        /// <summary>TCP, above <see cref="Stack"/>: its segments come in through the stack, its timers run on the net thread.</summary>
        public static TcpStack? Tcp { get; private set; }

        /// <summary>
        /// The stack's clock: milliseconds of the system counter. Not Time.Clock's monotonic time, whose base is
        /// set when user space starts (after the network), which would move the stack's time backwards.
        /// </summary>
        public static ulong NowMs()
        {
            ulong counter = SystemTimer.Counter(), frequency = SystemTimer.Frequency;
            return counter / frequency * 1000 + counter % frequency * 1000 / frequency;
        }

        public static void Start(ReadOnlySpan<byte> bootArgs)
        {
            var stack = new NetStack();
            var waker = new NetWaker();
            stack.Waker = waker;
            Stack = stack;
            PacketSocket.Register();
            NetlinkSocket.Register();
            Tcp = new TcpStack(stack, new KernelTcpRandom(), waker);
            stack.RegisterTransport(IpProtocol.Tcp, new TcpReceiver(Tcp));
            SocketFamilies.Register(SocketConstants.AF_INET, &InetSocket.Create, null);
            for (int i = 0; i < VirtioBus.NicCount; i++)
            {
                NetInterface? iface = stack.AddEthernet(VirtioBus.Nic(i));
                if (i == 0)
                {
                    s_eth0 = iface;
                    s_nic = VirtioBus.Nic(0);
                }
            }
            s_ping = BootArgs.TryGet(bootArgs, "netping"u8, out _);
            VirtioNet.ReceiveSink = &FramesArrived;
            Configure(bootArgs);
            s_thread = KernelThread.Create("net", &Run, 0);
            Scheduler.Start(s_thread);
        }

        private static void Configure(ReadOnlySpan<byte> bootArgs)
        {
            if (s_eth0 == null)
                return;
            IpConfig config;
            if (BootArgs.TryGet(bootArgs, "ip"u8, out ReadOnlySpan<byte> value))
            {
                if (!IpConfig.TryParse(value, out config))
                {
                    Log.Line($"ip=: cannot parse \"{value}\"; using DHCP");
                    config = default;
                    config.Mode = IpConfig.Method.Dhcp;
                }
            }
            else
            {
                config = default;
                config.Mode = IpConfig.Method.Dhcp;
            }
            if (config.Device.Length > 0 && !Bytes.Equal(config.Device, s_eth0.Name))
            {
                Log.Line($"ip=: no device {config.Device}");
                return;
            }
            switch (config.Mode)
            {
                case IpConfig.Method.Off:
                    Log.Line("eth0: not configured (ip=off)");
                    break;
                case IpConfig.Method.Static:
                    {
                        Stack!.ConfigureStatic(s_eth0, config.Client, config.Netmask, config.Gateway);
                        Stack.DnsServers[0] = config.Dns0;
                        Stack.DnsServers[1] = config.Dns1;
                        Span<byte> a = stackalloc byte[16];
                        int n = Ipv4Address.Format(config.Client, a);
                        Log.Line($"eth0: {(ReadOnlySpan<byte>)a.Slice(0, n)}/{s_eth0.PrefixLength} static (ip=)");
                        break;
                    }
                default:
                    {
                        Span<byte> seed = stackalloc byte[4];
                        Crypto.Random.Fill(seed);
                        Stack!.StartDhcp(s_eth0, LittleEndian.U32(seed, 0), NowMs());
                        break;
                    }
            }
        }

        /// <summary>Makes the net thread run its timers now (TCP armed one earlier than the deadline it sleeps to).</summary>
        public static void Kick()
        {
            s_pending = true;
            if (s_thread != null)
                Scheduler.Wake(s_thread);
        }

        /// <summary>From the card's interrupt.</summary>
        private static void FramesArrived()
        {
            s_pending = true;
            if (s_thread != null)
                Scheduler.Wake(s_thread);
        }

        private static void Run(ulong argument)
        {
            NetStack stack = Stack!;
            while (true)
            {
                s_pending = false;
                ulong now = NowMs();
                for (int i = 0; i < VirtioBus.NicCount; i++)
                {
                    NetInterface? iface = stack.FindInterface(2 + i);
                    if (iface == null)
                        continue;
                    bool more = true;
                    while (more)
                    {
                        Tcp!.BeginBatch();
                        more = VirtioBus.Nic(i).DeliverReceived(stack, iface, now, ReceiveBudget) == ReceiveBudget;
                        stack.Enter();
                        Tcp.EndBatch();
                        stack.Leave();
                        now = NowMs();
                    }
                }
                if (s_nic != null && s_eth0!.IsUp)
                {
                    if (s_nic.LinkUp)
                        s_eth0.Flags |= InterfaceFlags.Running | InterfaceFlags.LowerUp;
                    else
                        s_eth0.Flags &= ~(InterfaceFlags.Running | InterfaceFlags.LowerUp);
                }
                ulong next = stack.Poll(now);
                stack.Enter();
                ulong tcpNext = Tcp!.Poll(stack.Now);
                stack.Leave();
                if (tcpNext < next)
                    next = tcpNext;
                ReportLease();
                next = SelfTest(now, next);
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (!s_pending && !AnyReceived() && !stack.LoopbackPending)
                {
                    ulong wakeAt = 0;
                    if (next != ulong.MaxValue)
                    {
                        ulong wait = next > now ? next - now : 0;
                        wakeAt = SystemTimer.Counter() + wait * SystemTimer.Frequency / 1000 + 1;
                    }
                    Scheduler.Block(s_thread, wakeAt);
                }
                Cpu.RestoreInterrupts(daif);
            }
        }

        private static bool AnyReceived()
        {
            for (int i = 0; i < VirtioBus.NicCount; i++)
                if (VirtioBus.Nic(i).HasReceived)
                    return true;
            return false;
        }

        /// <summary>One line per new lease, as Linux's ipconfig prints its result.</summary>
        private static void ReportLease()
        {
            DhcpClient? dhcp = s_eth0 != null ? Stack!.DhcpOf(s_eth0) : null;
            if (dhcp == null || dhcp.Version == s_loggedVersion)
                return;
            s_loggedVersion = dhcp.Version;
            Span<byte> a = stackalloc byte[16], s = stackalloc byte[16];
            if (dhcp.Address == 0)
            {
                Log.Line("eth0: DHCP lease lost");
                return;
            }
            int an = Ipv4Address.Format(dhcp.Address, a), sn = Ipv4Address.Format(dhcp.Server, s);
            Log.Line($"eth0: {(ReadOnlySpan<byte>)a.Slice(0, an)}/{Ipv4Address.PrefixLength(dhcp.Netmask)} via DHCP from {(ReadOnlySpan<byte>)s.Slice(0, sn)}");
        }

        /// <summary><c>netping</c>: one echo request to the default gateway once there is one; logs the reply.</summary>
        private static ulong SelfTest(ulong now, ulong next)
        {
            if (!s_ping || !Stack!.Routes.Lookup(0x0808_0808, out Route route) || route.Gateway == 0)
                return next;
            Span<byte> a = stackalloc byte[16];
            int an = Ipv4Address.Format(route.Gateway, a);
            if (s_pingSocket == null)
            {
                s_pingSocket = Stack.CreateIcmp(raw: false);
                Span<byte> echo = stackalloc byte[16];
                echo[0] = Icmp.EchoRequest;
                echo[7] = 1;
                s_pingSentAt = now;
                int r = s_pingSocket.SendTo(echo, route.Gateway, true);
                Log.Line($"netping: echo request to {(ReadOnlySpan<byte>)a.Slice(0, an)}: {r}");
                return next < now + 1000 ? next : now + 1000;
            }
            Span<byte> reply = stackalloc byte[64];
            int n = s_pingSocket.ReceiveFrom(reply, out uint from, false, out _);
            if (n >= 8)
            {
                Log.Line($"netping: reply from {(ReadOnlySpan<byte>)a.Slice(0, an)} seq {BigEndian.U16(reply, 6)} after {NowMs() - s_pingSentAt} ms");
                s_ping = false;
                s_pingSocket.Close();
                Owned.Free(s_pingSocket);
                s_pingSocket = null;
            }
            else if (now - s_pingSentAt > 5000)
            {
                Log.Line($"netping: no reply from {(ReadOnlySpan<byte>)a.Slice(0, an)}");
                s_ping = false;
            }
            return next < now + 1000 ? next : now + 1000;
        }

        /// <summary>
        /// Holds the boot until eth0's DHCP lease arrives (at most <see cref="ConfigurationWaitMs"/>), so that
        /// init starts with its network configured, as Linux's ipconfig holds the boot for <c>ip=dhcp</c>.
        /// Without DHCP on eth0 it returns at once; without an answer the client keeps asking in the background.
        /// </summary>
        public static void WaitForConfiguration()
        {
            if (s_eth0 == null || Stack!.DhcpOf(s_eth0) == null)
                return;
            ulong deadline = SystemTimer.Counter() + ConfigurationWaitMs * SystemTimer.Frequency / 1000;
            // The boot runs on the idle thread, which may not block: it lets the net thread run and sleeps
            // until an interrupt (a frame, the tick) while nothing else can.
            while (Stack.DhcpOf(s_eth0)!.Address == 0)
            {
                if (SystemTimer.Counter() >= deadline)
                {
                    Log.Line($"eth0: no DHCP answer in {ConfigurationWaitMs / 1000} s; going on (the client keeps asking)");
                    return;
                }
                Cpu.DisableInterrupts();
                if (!Scheduler.AnyRunnableBesidesIdle())
                    Cpu.WaitForInterrupt();
                Cpu.EnableInterrupts();
                Scheduler.Yield();
            }
        }
    }
}
