using System.Runtime.InteropServices;

namespace Emulator.Devices.Net;

/// <summary>libslirp (Debian's libslirp0) and the few libc calls its loop needs.</summary>
internal static unsafe partial class SlirpNative
{
    public const string Library = "libslirp.so.0";

    // libslirp.h's SLIRP_POLL_* event bits.
    public const int SLIRP_POLL_IN = 1;
    public const int SLIRP_POLL_OUT = 2;
    public const int SLIRP_POLL_PRI = 4;
    public const int SLIRP_POLL_ERR = 8;
    public const int SLIRP_POLL_HUP = 16;

    // poll(2) event bits (Linux).
    public const short POLLIN = 0x1;
    public const short POLLPRI = 0x2;
    public const short POLLOUT = 0x4;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;

    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    [LibraryImport(Library, EntryPoint = "slirp_new")]
    public static partial nint New(SlirpConfig* config, SlirpCallbacks* callbacks, nint opaque);

    [LibraryImport(Library, EntryPoint = "slirp_cleanup")]
    public static partial void Cleanup(nint slirp);

    [LibraryImport(Library, EntryPoint = "slirp_pollfds_fill")]
    public static partial void PollFdsFill(nint slirp, uint* timeout, delegate* unmanaged<int, int, nint, int> addPoll, nint opaque);

    [LibraryImport(Library, EntryPoint = "slirp_pollfds_poll")]
    public static partial void PollFdsPoll(nint slirp, int selectError, delegate* unmanaged<int, nint, int> getRevents, nint opaque);

    [LibraryImport(Library, EntryPoint = "slirp_input")]
    public static partial void Input(nint slirp, byte* packet, int length);

    /// <summary>Addresses in network order; returns 0 or -1 (the port cannot be bound).</summary>
    [LibraryImport(Library, EntryPoint = "slirp_add_hostfwd")]
    public static partial int AddHostForward(nint slirp, int isUdp, uint hostAddress, int hostPort, uint guestAddress, int guestPort);

    [LibraryImport(Library, EntryPoint = "slirp_version_string")]
    public static partial nint VersionString();

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
