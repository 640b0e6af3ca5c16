using System.Runtime.InteropServices;

namespace Emulator.Devices.Net;

/// <summary>
/// libslirp 4.7's <c>struct SlirpCb</c>: eleven C function pointers, in the header's order. libslirp keeps the
/// pointer it is given, so this lives in native memory for as long as the instance.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SlirpCallbacks
{
    public delegate* unmanaged<byte*, nuint, void*, nint> SendPacket;
    public delegate* unmanaged<byte*, void*, void> GuestError;
    public delegate* unmanaged<void*, long> ClockGetNs;
    public delegate* unmanaged<void*, void*, void*, void*> TimerNew;
    public delegate* unmanaged<void*, void*, void> TimerFree;
    public delegate* unmanaged<void*, long, void*, void> TimerMod;
    public delegate* unmanaged<int, void*, void> RegisterPollFd;
    public delegate* unmanaged<int, void*, void> UnregisterPollFd;
    public delegate* unmanaged<void*, void> Notify;
    public delegate* unmanaged<void*, void*, void> InitCompleted;
    public void* TimerNewOpaque; // left NULL: slirp then uses TimerNew
}
