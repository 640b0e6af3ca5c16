using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Emulator.Devices.Net;

/// <summary>
/// User-mode networking through libslirp (Debian's libslirp0, the NAT QEMU itself uses): DHCP, DNS, outbound
/// TCP/UDP through the host's sockets, and host ports forwarded into the guest. libslirp is not thread-safe,
/// so one loop thread owns the instance: it polls slirp's sockets (<c>slirp_pollfds_fill</c>, <c>poll</c>,
/// <c>slirp_pollfds_poll</c>, honouring the timeout slirp asks for: its TCP timers run inside the poll step),
/// feeds it the guest's frames, which arrive through a bounded queue and a wake-up pipe, and delivers slirp's
/// frames for the guest (<c>send_packet</c>) on the same thread. The callbacks never let an exception out.
/// </summary>
public sealed unsafe class SlirpNetwork : INetworkBackend
{
    /// <summary>Guest frames waiting for the loop thread at most; more are dropped (the guest's TCP retransmits).</summary>
    public const int MaxQueuedFrames = 1024;

    private const uint MaxPollMilliseconds = 1000;

    private readonly ConcurrentQueue<byte[]> _outbound = new();
    private readonly List<SlirpTimer> _timers = [];
    private readonly Thread? _thread;
    private GCHandle _self;
    private SlirpCallbacks* _callbacks;
    private nint _hostname;
    private nint _slirp;
    private int _wakeRead = -1;
    private int _wakeWrite = -1;
    private int _woken;
    private int _queued;
    private long _dropped;
    private long _delivered;
    private SlirpNative.PollFd[] _fds = new SlirpNative.PollFd[16];
    private int _fdCount;
    private volatile FrameHandler? _receive;
    private volatile bool _stopping;
    private bool _disposed;

    /// <summary>Sets up the network and its forwards; throws <see cref="NetworkException"/> (one line for the user) when it cannot.</summary>
    public SlirpNetwork(UserNetworkConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        if (!NativeLibrary.TryLoad(SlirpNative.Library, typeof(SlirpNetwork).Assembly, null, out _))
        {
            throw new NetworkException($"user-mode networking needs libslirp ({SlirpNative.Library}), which could not be loaded (Debian: apt-get install libslirp0)");
        }

        try
        {
            var pipe = stackalloc int[2];
            if (SlirpNative.Pipe2(pipe, SlirpNative.O_NONBLOCK | SlirpNative.O_CLOEXEC) != 0)
            {
                throw new NetworkException($"user-mode networking: cannot make a pipe (errno {Marshal.GetLastPInvokeError()})");
            }

            _wakeRead = pipe[0];
            _wakeWrite = pipe[1];
            _self = GCHandle.Alloc(this);
            _callbacks = (SlirpCallbacks*)NativeMemory.AllocZeroed((nuint)sizeof(SlirpCallbacks));
            _callbacks->SendPacket = &OnSendPacket;
            _callbacks->GuestError = &OnGuestError;
            _callbacks->ClockGetNs = &OnClockGetNs;
            _callbacks->TimerNew = &OnTimerNew;
            _callbacks->TimerFree = &OnTimerFree;
            _callbacks->TimerMod = &OnTimerMod;
            _callbacks->RegisterPollFd = &OnPollFdChange;
            _callbacks->UnregisterPollFd = &OnPollFdChange;
            _callbacks->Notify = &OnNotify;
            _callbacks->InitCompleted = &OnInitCompleted;

            if (config.Hostname is { } hostname)
            {
                _hostname = Marshal.StringToCoTaskMemUTF8(hostname);
            }

            var native = new SlirpConfig
            {
                Version = SlirpConfig.CurrentVersion,
                Restricted = config.Restricted ? 1 : 0,
                InEnabled = 1,
                VNetwork = NetworkOrder(config.Network),
                VNetmask = NetworkOrder(config.Mask),
                VHost = NetworkOrder(config.Host),
                VHostname = _hostname,
                VDhcpStart = NetworkOrder(config.DhcpStart),
                VNameserver = NetworkOrder(config.Dns),
            };
            _slirp = SlirpNative.New(&native, _callbacks, GCHandle.ToIntPtr(_self));
            if (_slirp == 0)
            {
                throw new NetworkException("libslirp refused the network's configuration");
            }

            foreach (var forward in config.Forwards)
            {
                if (SlirpNative.AddHostForward(_slirp, forward.Udp ? 1 : 0, NetworkOrder(forward.HostAddress), forward.HostPort,
                        NetworkOrder(forward.GuestAddress), forward.GuestPort) < 0)
                {
                    throw new NetworkException(
                        $"could not set up host forwarding rule '{forward}': port {forward.HostPort} on {UserNetworkConfig.Format(forward.HostAddress)} is in use or cannot be bound");
                }
            }
        }
        catch
        {
            Release();
            throw;
        }

        _thread = new Thread(Loop) { IsBackground = true, Name = "slirp" };
        _thread.Start();
    }

    public UserNetworkConfig Config { get; }

    /// <summary>Guest frames dropped because the loop thread had <see cref="MaxQueuedFrames"/> waiting.</summary>
    public long DroppedFromGuest => Interlocked.Read(ref _dropped);

    /// <summary>Guest frames handed to libslirp so far.</summary>
    public long FramesFromGuest => Interlocked.Read(ref _delivered);

    /// <summary>libslirp's version string, e.g. "4.7.0".</summary>
    public static string Version => Marshal.PtrToStringUTF8(SlirpNative.VersionString()) ?? "";

    public void Attach(FrameHandler receive) => _receive = receive;

    public void Send(ReadOnlySpan<byte> frame)
    {
        if (_stopping || frame.IsEmpty)
        {
            return;
        }

        if (Interlocked.Increment(ref _queued) > MaxQueuedFrames)
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
            return;
        }

        _outbound.Enqueue(frame.ToArray());
        Wake();
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _woken, 1) == 0)
        {
            byte one = 1;
            SlirpNative.Write(_wakeWrite, &one, 1); // a full pipe (EAGAIN) is already a wake-up
        }
    }

    private static uint NetworkOrder(uint hostOrder) => BinaryPrimitives.ReverseEndianness(hostOrder);

    private void Loop()
    {
        var drain = stackalloc byte[64];
        var self = GCHandle.ToIntPtr(_self);
        while (!_stopping)
        {
            _fdCount = 0;
            AddPoll(_wakeRead, SlirpNative.POLLIN);
            var timeout = MaxPollMilliseconds;
            if (NextTimer() is { } due)
            {
                timeout = (uint)Math.Clamp(due - NowMilliseconds(), 0, MaxPollMilliseconds);
            }

            SlirpNative.PollFdsFill(_slirp, &timeout, &OnAddPoll, self);
            int ready;
            fixed (SlirpNative.PollFd* fds = _fds)
            {
                ready = SlirpNative.Poll(fds, (nuint)_fdCount, (int)Math.Min(timeout, MaxPollMilliseconds));
            }

            if (_stopping)
            {
                break;
            }

            if (ready > 0 && (_fds[0].Revents & SlirpNative.POLLIN) != 0)
            {
                while (SlirpNative.Read(_wakeRead, drain, 64) > 0)
                {
                }
            }

            Volatile.Write(ref _woken, 0);
            while (_outbound.TryDequeue(out var frame))
            {
                Interlocked.Decrement(ref _queued);
                fixed (byte* bytes = frame)
                {
                    SlirpNative.Input(_slirp, bytes, frame.Length);
                }

                Interlocked.Increment(ref _delivered);
            }

            SlirpNative.PollFdsPoll(_slirp, ready < 0 ? 1 : 0, &OnGetRevents, self);
            RunTimers();
        }
    }

    private int AddPoll(int fd, short events)
    {
        if (_fdCount == _fds.Length)
        {
            Array.Resize(ref _fds, _fds.Length * 2);
        }

        _fds[_fdCount] = new SlirpNative.PollFd { Fd = fd, Events = events };
        return _fdCount++;
    }

    private static long NowMilliseconds() => NowNanoseconds() / 1_000_000;

    private static long NowNanoseconds() => (long)((Int128)Stopwatch.GetTimestamp() * 1_000_000_000 / Stopwatch.Frequency);

    private long? NextTimer()
    {
        long? next = null;
        foreach (var timer in _timers)
        {
            if (timer.ExpireMs >= 0 && (next is null || timer.ExpireMs < next))
            {
                next = timer.ExpireMs;
            }
        }

        return next;
    }

    /// <summary>Runs the timers that are due (slirp's clock is <see cref="NowNanoseconds"/>, in milliseconds here).</summary>
    private void RunTimers()
    {
        var now = NowMilliseconds();
        foreach (var timer in _timers.ToArray())
        {
            if (timer.ExpireMs >= 0 && timer.ExpireMs <= now && !timer.Freed)
            {
                timer.ExpireMs = -1;
                timer.Callback(timer.Opaque);
            }
        }
    }

    private static SlirpNetwork? From(nint opaque) =>
        opaque == 0 ? null : GCHandle.FromIntPtr(opaque).Target as SlirpNetwork;

    [UnmanagedCallersOnly]
    private static int OnAddPoll(int fd, int events, nint opaque)
    {
        try
        {
            short mask = 0;
            mask |= (events & SlirpNative.SLIRP_POLL_IN) != 0 ? SlirpNative.POLLIN : (short)0;
            mask |= (events & SlirpNative.SLIRP_POLL_OUT) != 0 ? SlirpNative.POLLOUT : (short)0;
            mask |= (events & SlirpNative.SLIRP_POLL_PRI) != 0 ? SlirpNative.POLLPRI : (short)0;
            mask |= (events & SlirpNative.SLIRP_POLL_ERR) != 0 ? SlirpNative.POLLERR : (short)0;
            mask |= (events & SlirpNative.SLIRP_POLL_HUP) != 0 ? SlirpNative.POLLHUP : (short)0;
            return From(opaque)?.AddPoll(fd, mask) ?? -1;
        }
        catch (Exception e)
        {
            DeviceLog.Once($"slirp: adding a socket to the poll set failed: {e.Message}");
            return -1;
        }
    }

    [UnmanagedCallersOnly]
    private static int OnGetRevents(int index, nint opaque)
    {
        try
        {
            if (From(opaque) is not { } network || index < 0 || index >= network._fdCount)
            {
                return 0;
            }

            var revents = network._fds[index].Revents;
            var events = 0;
            events |= (revents & SlirpNative.POLLIN) != 0 ? SlirpNative.SLIRP_POLL_IN : 0;
            events |= (revents & SlirpNative.POLLOUT) != 0 ? SlirpNative.SLIRP_POLL_OUT : 0;
            events |= (revents & SlirpNative.POLLPRI) != 0 ? SlirpNative.SLIRP_POLL_PRI : 0;
            events |= (revents & SlirpNative.POLLERR) != 0 ? SlirpNative.SLIRP_POLL_ERR : 0;
            events |= (revents & SlirpNative.POLLHUP) != 0 ? SlirpNative.SLIRP_POLL_HUP : 0;
            return events;
        }
        catch (Exception e)
        {
            DeviceLog.Once($"slirp: reading poll results failed: {e.Message}");
            return 0;
        }
    }

    [UnmanagedCallersOnly]
    private static nint OnSendPacket(byte* packet, nuint length, void* opaque)
    {
        try
        {
            From((nint)opaque)?._receive?.Invoke(new ReadOnlySpan<byte>(packet, (int)length));
        }
        catch (Exception e)
        {
            DeviceLog.Once($"slirp: delivering a frame to the guest failed: {e.Message}");
        }

        return (nint)length;
    }

    [UnmanagedCallersOnly]
    private static void OnGuestError(byte* message, void* opaque)
    {
        try
        {
            DeviceLog.Once($"slirp: guest error: {Marshal.PtrToStringUTF8((nint)message)}");
        }
        catch
        {
            // nothing may escape into libslirp
        }
    }

    [UnmanagedCallersOnly]
    private static long OnClockGetNs(void* opaque) => NowNanoseconds();

    [UnmanagedCallersOnly]
    private static void* OnTimerNew(void* callback, void* callbackOpaque, void* opaque)
    {
        try
        {
            if (From((nint)opaque) is not { } network)
            {
                return null;
            }

            var timer = new SlirpTimer((delegate* unmanaged<void*, void>)callback, callbackOpaque);
            network._timers.Add(timer);
            return (void*)GCHandle.ToIntPtr(timer.Handle);
        }
        catch (Exception e)
        {
            DeviceLog.Once($"slirp: creating a timer failed: {e.Message}");
            return null;
        }
    }

    [UnmanagedCallersOnly]
    private static void OnTimerFree(void* timer, void* opaque)
    {
        try
        {
            if (timer != null && From((nint)opaque) is { } network && GCHandle.FromIntPtr((nint)timer).Target is SlirpTimer t)
            {
                network._timers.Remove(t);
                t.Free();
            }
        }
        catch (Exception e)
        {
            DeviceLog.Once($"slirp: freeing a timer failed: {e.Message}");
        }
    }

    [UnmanagedCallersOnly]
    private static void OnTimerMod(void* timer, long expireMilliseconds, void* opaque)
    {
        try
        {
            if (timer != null && GCHandle.FromIntPtr((nint)timer).Target is SlirpTimer t)
            {
                t.ExpireMs = expireMilliseconds;
            }
        }
        catch (Exception e)
        {
            DeviceLog.Once($"slirp: arming a timer failed: {e.Message}");
        }
    }

    [UnmanagedCallersOnly]
    private static void OnPollFdChange(int fd, void* opaque)
    {
        // The loop rebuilds its poll set from slirp_pollfds_fill every turn; nothing to keep.
    }

    [UnmanagedCallersOnly]
    private static void OnNotify(void* opaque)
    {
        try
        {
            From((nint)opaque)?.Wake();
        }
        catch
        {
            // nothing may escape into libslirp
        }
    }

    [UnmanagedCallersOnly]
    private static void OnInitCompleted(void* slirp, void* opaque)
    {
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping = true;
        if (_thread != null)
        {
            byte one = 1;
            SlirpNative.Write(_wakeWrite, &one, 1);
            _thread.Join();
        }

        Release();
    }

    private void Release()
    {
        if (_slirp != 0)
        {
            SlirpNative.Cleanup(_slirp); // closes its sockets, frees its timers through OnTimerFree
            _slirp = 0;
        }

        foreach (var timer in _timers)
        {
            timer.Free();
        }

        _timers.Clear();
        if (_callbacks != null)
        {
            NativeMemory.Free(_callbacks);
            _callbacks = null;
        }

        if (_hostname != 0)
        {
            Marshal.FreeCoTaskMem(_hostname);
            _hostname = 0;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }

        if (_wakeRead >= 0)
        {
            SlirpNative.Close(_wakeRead);
            SlirpNative.Close(_wakeWrite);
            _wakeRead = _wakeWrite = -1;
        }
    }

    /// <summary>A timer slirp asked for (in 4.7 only IPv6 router advertisements use one); run on the loop thread.</summary>
    private sealed class SlirpTimer
    {
        public SlirpTimer(delegate* unmanaged<void*, void> callback, void* opaque)
        {
            Callback = callback;
            Opaque = opaque;
            Handle = GCHandle.Alloc(this);
        }

        public delegate* unmanaged<void*, void> Callback { get; }

        public void* Opaque { get; }

        public GCHandle Handle { get; }

        public long ExpireMs { get; set; } = -1;

        public bool Freed { get; private set; }

        public void Free()
        {
            if (!Freed)
            {
                Freed = true;
                Handle.Free();
            }
        }
    }
}
